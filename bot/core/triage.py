"""Triage: decide where a message goes and compose the reply; pure and read-only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.core.actions import ShowEntry, Theme, Themes
from bot.core.calibration import Calibration
from bot.core.crisis import CrisisDetector, Verdict
from bot.core.directory import Directory, Municipality
from bot.core.faq import Faq
from bot.core.matcher import Matcher, Ranking
from bot.core.models import Decision, Inquiry, Reply, Route, User
from bot.core.passages import parts
from bot.core.replies import Replies
from bot.core.routing import answer_threshold, crisis_route, route_calibrated, route_question
from bot.core.settings import AfterHours, TriageSettings
from bot.core.text import looks_like_nonsense

_FORCED = Verdict(crisis=True, reasons=("crisis button",))


@dataclass(frozen=True)
class Outcome:
    """The decision for an inquiry and the replies the user sees."""

    decision: Decision
    replies: tuple[Reply, ...]


class Triage:
    """Answer inquiries and button presses from the FAQ and the routing rules."""

    def __init__(
        self,
        *,
        faq: Faq,
        matcher: Matcher,
        replies: Replies,
        detector: CrisisDetector,
        directory: Directory,
        settings: TriageSettings,
        calibration: Calibration | None = None,
    ) -> None:
        self.faq = faq
        self.calibration = calibration
        self.matcher = matcher
        self.replies = replies
        self.detector = detector
        self.directory = directory
        self.settings = settings

    def decide(self, inquiry: Inquiry) -> Decision:
        """Decide where a message goes."""
        # The whole message for the crisis check: the alarm may come at the end of a long one.
        verdict = _FORCED if inquiry.crisis else self.detector.assess(inquiry.text)
        hours = self.settings.office_hours
        matching = self.settings.matching
        text, assessed = self._best_part(inquiry.text, max(matching.clarify_candidates, 3) + 1)
        if verdict.crisis:
            ranking = assessed.candidates[:3]
            return Decision(
                route=crisis_route(hours.is_open(inquiry.at), inquiry.user),
                alternatives=tuple(c.entry_id for c in ranking),
                score=ranking[0].score if ranking else 0.0,
                crisis=True,
                crisis_reasons=verdict.reasons,
                next_opening=hours.next_opening(inquiry.at),
                likely=self._likely(assessed) if verdict.weak else None,
            )
        if self._is_chatter(text):
            return Decision(route=Route.SMALLTALK)
        decision = (
            route_calibrated(assessed, self.calibration, matching)
            if self.calibration is not None
            else route_question(assessed.candidates, matching)
        )
        if decision.route is Route.HANDOFF:
            decision = _with_opening(decision, hours.next_opening(inquiry.at))
        return decision

    def answer(self, inquiry: Inquiry) -> Outcome:
        """Decide and compose the replies for one message."""
        decision = self.decide(inquiry)
        return Outcome(decision=decision, replies=(self.compose(decision, inquiry),))

    def compose(self, decision: Decision, inquiry: Inquiry) -> Reply:
        """Compose the reply to a decision."""
        user = inquiry.user
        language = user.language
        place = self.place(user)
        if decision.crisis:
            auto = self.settings.crisis.after_hours_policy == AfterHours.AUTO
            reply = self.replies.crisis(
                decision, language, now=inquiry.at, place=place, auto_page=auto
            )
            entry = self.faq.entry(decision.likely) if decision.likely else None
            if entry is None:
                return reply
            # The crisis way first, as always; then what the FAQ says, in case it was a question.
            answer = self.replies.answer(entry, language, place)
            # A mayor after hours gets no ticket to withdraw: the page waits for their press.
            paged = decision.route is Route.CRISIS_AFTER_HOURS_MAYOR
            maybe = self.replies.texts.get(
                "crisis_or_question_page" if paged else "crisis_or_question", language
            )
            return replace(reply, text=f"{reply.text}\n\n{maybe}\n\n{answer.text}")
        if decision.route is Route.ANSWER and decision.entry_id:
            entry = self.faq.entry(decision.entry_id)
            if entry is not None:
                return self.replies.answer(entry, language, place, decision.others)
        if decision.route is Route.CLARIFY:
            return self.replies.clarify(decision, language)
        if decision.route is Route.SMALLTALK:
            thanks = self.matcher.analyzer.is_thanks(inquiry.text)
            return self.replies.smalltalk(language, empty=not inquiry.text.strip(), thanks=thanks)
        if user.faq_only:
            return self.replies.guest_handoff(language)
        return self.replies.handoff_at(decision.next_opening, inquiry.at, language)

    def choose(self, action: Themes | Theme | ShowEntry, user: User) -> Reply:
        """Answer a browsing button: the themes, one theme's questions, or an entry."""
        language = user.language
        match action:
            case Themes():
                return self.replies.themes(language)
            case Theme(theme):
                return self.replies.theme(theme, language) or self.replies.unknown_choice(language)
            case ShowEntry(entry_id):
                entry = self.faq.entry(entry_id)
                if entry is None:  # a button from before the FAQ changed
                    return self.replies.unknown_choice(language)
                return self.replies.answer(entry, language, self.place(user))

    def _best_part(self, text: str, limit: int) -> tuple[str, Ranking]:
        """The part of a message that best finds an FAQ entry (the whole of a short one),
        with its ranking: in a long paste, the sentence that asks."""
        found = parts(text)
        ranked = [(part, self.matcher.assess(part, limit)) for part in found.all()]
        if len(ranked) == 1:
            return ranked[0]
        calibration = self.calibration
        if calibration is None:
            return max(ranked, key=lambda r: r[1].candidates[0].score if r[1].candidates else 0)
        # What a message asks outweighs the story around it: the first asking sentence (the
        # last one written) that is answered with confidence wins over the whole.
        answer_at = answer_threshold(calibration, self.settings.matching)
        chances = [calibration.p_top(r) if r.candidates else 0.0 for _, r in ranked]
        for index in range(1, 1 + len(found.asking)):
            if chances[index] >= answer_at:
                return ranked[index]
        return ranked[max(range(len(ranked)), key=lambda i: chances[i])]

    def _likely(self, assessed: Ranking) -> str | None:
        """The FAQ entry a message on crisis words alone likely asks for, if it answers one."""
        if self.calibration is None or not assessed.candidates:
            return None
        answer_at = answer_threshold(self.calibration, self.settings.matching)
        sure = self.calibration.p_top(assessed) >= answer_at
        return assessed.candidates[0].entry_id if sure else None

    def place(self, user: User) -> Municipality | None:
        """Return the user's municipality, when it is a known one."""
        return self.directory.get(user.municipality) if user.municipality else None

    def _is_chatter(self, text: str) -> bool:
        """Tell small talk and keyboard mashing apart from questions."""
        analyzer = self.matcher.analyzer
        if analyzer.is_smalltalk(text):
            return True
        words = analyzer.words(text)
        return not self.matcher.knows(text) and all(looks_like_nonsense(w) for w in words)


def _with_opening(decision: Decision, opening: datetime | None) -> Decision:
    return replace(decision, next_opening=opening)
