"""Turn decisions and FAQ entries into transport-neutral replies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.actions import AskPerson, FaqFeedback, Page, ShowEntry, Theme, Themes
from bot.core.directory import Municipality
from bot.core.faq import Entry, Faq
from bot.core.models import Button, Decision, Reply, Route
from bot.core.settings import Contacts
from bot.core.texts import Texts


class Replies:
    """Compose the replies a user sees, in their language."""

    def __init__(self, *, faq: Faq, texts: Texts, contacts: Contacts, zone: ZoneInfo) -> None:
        self.faq = faq
        self.texts = texts
        self.contacts = contacts
        self.zone = zone

    def answer(
        self,
        entry: Entry,
        language: str,
        place: Municipality | None = None,
        others: Sequence[str] = (),
    ) -> Reply:
        """Show an answer with its source and date, feedback buttons and 'ask a person';
        when it is likely but not sure, "did you mean something else?" and the others."""
        body = entry.answer_en if language == "en" and entry.answer_en else entry.answer
        if entry.personal == "region" and place is not None:
            body = f"{self.region_line(place, language)}\n\n{body}"
        sources = [self.faq.sources[key] for key in entry.sources]
        source = "; ".join(s.title_en if language == "en" else s.title for s in sources)
        footer = self.texts.get(
            "answer_footer",
            language,
            source=source,
            as_of=self.texts.month_year(entry.as_of, language),
        )
        buttons = (
            Button(self.texts.get("button_helpful", language), FaqFeedback(entry.id, helpful=True)),
            Button(
                self.texts.get("button_not_helpful", language), FaqFeedback(entry.id, helpful=False)
            ),
            Button(self.texts.get("button_ask_person", language), AskPerson()),
        )
        known = [i for i in others if self.faq.entry(i) is not None]
        if not known:
            return Reply(text=f"{body}\n\n{footer}", buttons=buttons)
        alternatives = tuple(Button(self.question(i, language), ShowEntry(i)) for i in known)
        other = self.texts.get("answer_others", language)
        return Reply(text=f"{body}\n\n{footer}\n\n{other}", buttons=alternatives + buttons)

    def clarify(self, decision: Decision, language: str) -> Reply:
        """Offer the candidate questions as buttons, plus 'none of these'."""
        buttons = [
            Button(self.question(entry_id, language), ShowEntry(entry_id))
            for entry_id in decision.alternatives
        ]
        buttons.append(Button(self.texts.get("button_none", language), AskPerson()))
        return Reply(text=self.texts.get("clarify", language), buttons=tuple(buttons))

    def smalltalk(self, language: str, *, empty: bool = False, thanks: bool = False) -> Reply:
        """Say what the bot can do and how to reach a person (after thanks: you're welcome,
        and what next)."""
        key = "empty" if empty else "thanks" if thanks else "smalltalk"
        themes = Button(self.texts.get("themes", language).rstrip(":"), Themes())
        human = Button(self.texts.get("button_ask_person", language), AskPerson())
        return Reply(text=self.texts.get(key, language), buttons=(themes, human))

    def handoff(self, when: str, language: str) -> Reply:
        """Say the question goes to a person, and when to expect an answer."""
        return Reply(text=self.texts.get("handoff", language, when=when))

    def guest_handoff(self, language: str) -> Reply:
        """A guest (no invite) gets the FAQ only: say where a person can be reached instead."""
        c = self.contacts
        return Reply(
            self.texts.get(
                "handoff_guest", language, otav_phone=c.otav_phone, otav_email=c.otav_email
            )
        )

    def handoff_at(self, opening: datetime | None, now: datetime, language: str) -> Reply:
        """Say the question goes to a person: today when open, else at the next opening."""
        if opening is not None and opening <= now:
            return self.handoff(self.texts.get("handoff_when_open", language), language)
        phrase = self.opening_phrase(opening, now, language)
        when = self.texts.get("handoff_when_closed", language, opening=phrase)
        # The detector misses some crises told in words it does not know ("ruik gas in
        # gang"); closed until morning, such a message must still say where help is now.
        acute = self.texts.get("handoff_closed_acute", language, ngb_phone=self.contacts.ngb_phone)
        return Reply(text=f"{self.handoff(when, language).text}\n\n{acute}")

    def opening_phrase(self, opening: datetime | None, now: datetime, language: str) -> str:
        """Say when the helpdesk opens: 'morgen vanaf 09:00', 'maandag 24 november vanaf 09:00'."""
        if opening is None:
            return self.texts.get("opening_unknown", language)
        local = opening.astimezone(self.zone)
        today = now.astimezone(self.zone).date()
        clock = f"{local:%H:%M}"
        if local.date() == today:
            return self.texts.get("opening_today", language, time=clock)
        if local.date() == today + timedelta(days=1):
            return self.texts.get("opening_tomorrow", language, time=clock)
        return self.texts.get(
            "opening_day",
            language,
            weekday=self.texts.weekday(local.date(), language),
            date=self.texts.day_month(local.date(), language),
            time=clock,
        )

    def crisis(
        self,
        decision: Decision,
        language: str,
        *,
        now: datetime,
        place: Municipality | None,
        auto_page: bool,
    ) -> Reply:
        """Compose a crisis reply: the 112 line first, then what to do and what happens next."""
        c = self.contacts
        first = self.texts.get("crisis_first", language, emergency=c.emergency)
        buttons: tuple[Button, ...] = ()
        if decision.route is Route.CRISIS_OFFICE:
            region_line = (
                self.texts.get("crisis_office_region", language, region=place.region)
                if place is not None
                else ""
            )
            body = self.texts.get(
                "crisis_office",
                language,
                otav_phone=c.otav_phone,
                otav_email=c.otav_email,
                region_line=region_line,
            )
        elif decision.route is Route.CRISIS_AFTER_HOURS_MAYOR:
            key = "crisis_after_hours_mayor_auto" if auto_page else "crisis_after_hours_mayor"
            body = self.texts.get(key, language, ngb_phone=c.ngb_phone)
            if not auto_page:
                buttons = (Button(self.texts.get("button_page", language), Page()),)
        else:
            opening = self.opening_phrase(decision.next_opening, now, language)
            body = self.texts.get(
                "crisis_after_hours_staff", language, ngb_phone=c.ngb_phone, opening=opening
            )
        return Reply(text=f"{first}\n\n{body}", buttons=buttons)

    def region_line(self, place: Municipality, language: str) -> str:
        """Name the user's region and how to reach its account managers."""
        contact = self.contacts.regions.get(place.region, "")
        contact_text = (
            self.texts.get("region_contact", language, contact=contact) if contact else ""
        )
        return self.texts.get(
            "region_line",
            language,
            municipality=place.name,
            region=place.region,
            contact=contact_text,
        )

    def themes(self, language: str) -> Reply:
        """List the themes as buttons."""
        buttons = tuple(
            Button(f"{t.emoji} {t.title_en if language == 'en' else t.title}", Theme(t.id))
            for t in self.faq.themes
        )
        return Reply(text=self.texts.get("themes", language), buttons=buttons)

    def theme(self, theme_id: str, language: str) -> Reply | None:
        """List a theme's questions as buttons, with a way back; None for an unknown theme."""
        theme = self.faq.theme(theme_id)
        if theme is None:
            return None
        entries = self.faq.in_theme(theme_id)
        buttons = [Button(self.question(e.id, language), ShowEntry(e.id)) for e in entries]
        buttons.append(Button(self.texts.get("button_back", language), Themes()))
        title = theme.title_en if language == "en" else theme.title
        text = self.texts.get("theme_questions", language, emoji=theme.emoji, title=title)
        return Reply(text=text, buttons=tuple(buttons))

    def question(self, entry_id: str, language: str) -> str:
        """Return an entry's question in the user's language."""
        entry = self.faq.entry(entry_id)
        if entry is None:
            return entry_id
        return entry.question_en if language == "en" and entry.question_en else entry.question

    def unknown_choice(self, language: str) -> Reply:
        """Answer a button that is stale or forged."""
        return Reply(text=self.texts.get("button_expired", language))
