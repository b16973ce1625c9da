"""The routing decision: (inquiry, ranking, settings) → Decision."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.calibration import Calibration
from bot.core.matcher import Ranking
from bot.core.models import Candidate, Decision, Route, User
from bot.core.settings import MatchingSettings


def route_question(ranking: Sequence[Candidate], settings: MatchingSettings) -> Decision:
    """Decide answer, clarify or hand-off from a ranking, best first."""
    if not ranking or ranking[0].score < settings.clarify_threshold:
        top = ranking[0].score if ranking else 0.0
        return Decision(route=Route.HANDOFF, alternatives=_ids(ranking[:3]), score=top)
    best = ranking[0]
    runner_up = ranking[1].score if len(ranking) > 1 else 0.0
    if best.score >= settings.answer_threshold and best.score - runner_up >= settings.margin:
        return Decision(
            route=Route.ANSWER,
            entry_id=best.entry_id,
            alternatives=_ids(ranking[1:3]),
            score=best.score,
        )
    # A choice means two or three: one candidate alone would be a yes/no in disguise.
    shortlist = [c for c in ranking if c.score >= settings.clarify_threshold]
    shortlist = shortlist if len(shortlist) >= 2 else list(ranking[:2])
    return Decision(
        route=Route.CLARIFY,
        alternatives=_ids(shortlist[: settings.clarify_candidates]),
        score=best.score,
    )


def route_calibrated(
    ranking: Ranking, calibration: Calibration, settings: MatchingSettings
) -> Decision:
    """Decide from how likely the first entry is right (answer), or the right one is among
    the first three (a choice of two or three); otherwise a person takes it."""
    candidates = ranking.candidates
    if not candidates:
        return Decision(route=Route.HANDOFF)
    best = candidates[0]
    answer_at = answer_threshold(calibration, settings)
    clarify_at = settings.clarify_probability or calibration.clarify_at
    chance = calibration.p_top(ranking)
    if chance >= answer_at:
        unsure = chance < max(calibration.sure_at, answer_at)
        return Decision(
            route=Route.ANSWER,
            entry_id=best.entry_id,
            alternatives=_ids(candidates[1:3]),
            score=best.score,
            confidence=chance,
            others=_ids(candidates[1:3]) if unsure else (),
        )
    if len(candidates) >= 2 and calibration.p_top3(ranking) >= clarify_at:
        return Decision(
            route=Route.CLARIFY,
            alternatives=_ids(candidates[:3]),
            score=best.score,
            confidence=chance,
        )
    return Decision(
        route=Route.HANDOFF, alternatives=_ids(candidates[:3]), score=best.score, confidence=chance
    )


def answer_threshold(calibration: Calibration, settings: MatchingSettings) -> float:
    """From which probability a question is answered: the config's, else the calibration's."""
    return settings.answer_probability or calibration.answer_at


def _ids(candidates: Sequence[Candidate]) -> tuple[str, ...]:
    return tuple(c.entry_id for c in candidates)


def crisis_route(office_open: bool, user: User) -> Route:
    """Route a crisis: the office when open; after hours, mayors apart from everyone else."""
    if office_open:
        return Route.CRISIS_OFFICE
    return Route.CRISIS_AFTER_HOURS_MAYOR if user.is_mayor else Route.CRISIS_AFTER_HOURS_STAFF
