"""A crisis report: an urgent ticket (and the region told) in office hours, a page after."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.access import Act, may
from bot.core.actions import (
    NotUrgent,
    Page,
)
from bot.core.directory import Municipality
from bot.core.helpdesk import Helpdesk
from bot.core.limits import Kind, Limiter, Verdict
from bot.core.models import (
    Button,
    Decision,
    Inquiry,
    Member,
    Outgoing,
    Reply,
    Route,
    Sender,
    Ticket,
    User,
)
from bot.core.paging import Pager
from bot.core.ports import Clock, Store
from bot.core.reception import Reception
from bot.core.settings import AfterHours, HelpdeskSettings
from bot.core.texts import Texts
from bot.core.triage import Triage

log = logging.getLogger(__name__)


class CrisisDesk:
    """Take a crisis report: the crisis reply, an urgent ticket or a page offer, a phone."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        texts: Texts,
        triage: Triage,
        limiter: Limiter,
        pager: Pager,
        reception: Reception,
        tickets: Helpdesk,
        settings: HelpdeskSettings,
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.triage = triage
        self.limiter = limiter
        self.pager = pager
        self.reception = reception
        self.tickets = tickets
        self.helpdesk = settings

    async def report(
        self, sender: Sender, member: Member | None, inquiry: Inquiry, decision: Decision
    ) -> list[Reply]:
        user = inquiry.user
        reply = self.triage.compose(decision, inquiry)
        question = inquiry.text.strip() or self.texts.get("crisis_button", "nl")
        auto = self.triage.settings.crisis.after_hours_policy == AfterHours.AUTO
        await self.tickets.remember(sender.user_id, question)
        buttons = reply.buttons
        if decision.route is Route.CRISIS_AFTER_HOURS_MAYOR:
            if auto and member is not None:
                phone = await self.store.drafts.take_phone(sender.user_id)
                await self.pager.page(member, question, phone)
            elif buttons:
                # The button names this offer: pressed again, or after the page, it pages no one.
                offer = await self.store.drafts.offer_page(sender.user_id, self.clock.now())
                buttons = tuple(
                    replace(b, action=Page(offer)) if isinstance(b.action, Page) else b
                    for b in buttons
                )
        else:
            held, ticket = await self._ticket(sender, member, user, question, decision)
            if held is not None:
                return [
                    Reply(f"{reply.text}\n\n{held}", (), self.reception.keyboard(user), urgent=True)
                ]
            if decision.likely and ticket is not None:
                label = self.texts.get("button_not_urgent", user.language)
                buttons = (*buttons, Button(label, NotUrgent(ticket.id)))
        return [Reply(reply.text, buttons, self.reception.keyboard(user), urgent=True)]

    async def _ticket(
        self, sender: Sender, member: Member | None, user: User, question: str, decision: Decision
    ) -> tuple[str | None, Ticket | None]:
        """Open an urgent ticket within the limit; past it, add the report to the open ticket
        (or say where to turn). Return what to add to the crisis reply (None if opened), and
        the ticket opened."""
        now = self.clock.now()
        judged = await self.limiter.note(sender.user_id, Kind.CRISIS, now, guest=user.faq_only)
        if judged is Verdict.OK:
            ticket = await self.tickets.open(sender, member, user, question, decision, urgent=True)
            if decision.route is Route.CRISIS_OFFICE:
                await self._alert_region(ticket, user)
            return None, ticket
        existing = await self.store.tickets.open_for(sender.user_id)
        if existing is not None:
            # Nothing is lost: the report reaches the agents with the ticket they already have.
            followed = await self.tickets.follow_up(existing, question, member, user.language, now)
            return followed.text, None
        return self.texts.get("limit_crisis", user.language), None

    async def not_urgent(
        self, sender: Sender, member: Member | None, user: User, ref: int
    ) -> Reply:
        """ "Geen noodgeval, alleen een vraag": the asker withdraws their urgent ticket; the
        agents (and the region's account managers, if told) hear it was no emergency."""
        ticket = await self.tickets.asker_closes(sender, member, ref, Act.NOT_URGENT)
        if ticket is None:
            return self.reception.expired(user).replies[0]
        note = self.texts.get("group_not_urgent", "nl", id=ticket.id)
        await self.tickets.closed_note(ticket, note)
        # The region's account managers were alerted only if the office was open then.
        alerted = self.triage.settings.office_hours.is_open(ticket.created_at)
        region = self._region_chat(user) if alerted else None
        if region is not None:
            await self.store.outbox.put(
                Outgoing(chat_id=region[1], text=note, dedupe_key=f"region-calm:{ticket.id}"),
                self.clock.now(),
            )
        log.info("urgent ticket %d withdrawn by its asker: no emergency", ticket.id)
        return Reply(self.texts.get("not_urgent_done", user.language, id=ticket.id))

    async def page(
        self, sender: Sender, member: Member | None, user: User, offer: int | None
    ) -> list[Reply]:
        if member is None or not may(member, Act.PAGE):
            return [Reply(self.texts.get("page_not_allowed", user.language))]
        refusal = await self.pager.open_page(member)
        if refusal is not None:
            return [replace(refusal, urgent=True)]
        question = (
            None if offer is None else await self.store.drafts.take_offer(sender.user_id, offer)
        )
        if question is None:
            # An old button (its page handled, or pressed twice): page only on a fresh report.
            text = self.texts.get(
                "page_offer_used", user.language, ngb_phone=self.triage.settings.contacts.ngb_phone
            )
            return [Reply(text, keyboard=self.reception.keyboard(user), urgent=True)]
        phone = await self.store.drafts.take_phone(sender.user_id)
        refusal = await self.pager.page(
            member, question or self.texts.get("crisis_button", "nl"), phone
        )
        return [replace(refusal, urgent=True)] if refusal else []

    async def share_phone(self, sender: Sender, owner: int | None, phone: str) -> Reply:
        """Keep a mayor's own shared number, for their next page only."""
        member, user = await self.reception.identify(sender)
        if owner != sender.user_id or member is None or not may(member, Act.SHARE_PHONE):
            return Reply(self.texts.get("phone_not_kept", user.language))
        await self.store.drafts.keep_phone(sender.user_id, phone, self.clock.now())
        return Reply(self.texts.get("phone_kept", user.language))

    def _region_chat(self, user: User) -> tuple[Municipality, int] | None:
        """The user's municipality and its region's chat, when both are known."""
        place = self.triage.place(user)
        chat = self.helpdesk.region_chats.get(place.region) if place else None
        return None if place is None or chat is None else (place, chat)

    async def _alert_region(self, ticket: Ticket, user: User) -> None:
        region = self._region_chat(user)
        if region is None:
            return
        place, chat = region
        text = self.texts.get(
            "region_alert",
            "nl",
            municipality=place.name,
            region=place.region,
            id=ticket.id,
            text=ticket.question[:3000],
        )
        await self.store.outbox.put(
            Outgoing(chat_id=chat, text=text, dedupe_key=f"region:{ticket.id}", urgent=True),
            self.clock.now(),
        )
