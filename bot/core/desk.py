"""The desk: a user's private chat (the FAQ conversation, the buttons) and the services under it."""

from __future__ import annotations

import logging
from typing import assert_never

from bot.core.actions import (
    AcceptHandover,
    Ack,
    Action,
    AskPerson,
    Claim,
    CloseOwn,
    CrisisKey,
    FaqFeedback,
    Forget,
    NotUrgent,
    Page,
    PageFeedback,
    PassOn,
    Resolve,
    SharePhone,
    ShowEntry,
    Theme,
    Themes,
)
from bot.core.agents import AgentsGroup
from bot.core.crisis_desk import CrisisDesk
from bot.core.deliveries import Deliveries
from bot.core.duty import Duty
from bot.core.helpdesk import Helpdesk
from bot.core.limits import Kind, Limiter, Limits, Verdict
from bot.core.models import (
    Decision,
    Inquiry,
    Member,
    Pressed,
    Reply,
    Route,
    Sender,
    Ticket,
    User,
)
from bot.core.officer_commands import OfficerCommands
from bot.core.paging import Pager
from bot.core.ports import Clock, Store
from bot.core.privacy import Privacy
from bot.core.reception import Reception
from bot.core.relay import Relay
from bot.core.settings import HelpdeskSettings
from bot.core.text import clean
from bot.core.triage import Triage

log = logging.getLogger(__name__)


class Desk:
    """Route a private message or press to the service it is for; build those services."""

    def __init__(
        self,
        *,
        triage: Triage,
        store: Store,
        clock: Clock,
        helpdesk: HelpdeskSettings,
        pager: Pager,
        limits: Limits | None = None,
    ) -> None:
        self.triage = triage
        self.store = store
        self.clock = clock
        self.helpdesk = helpdesk
        self.pager = pager
        self.texts = texts = triage.replies.texts
        self.limiter = Limiter(limits or Limits(), store.attempts)
        self.reception = Reception(store=store, clock=clock, texts=texts, limiter=self.limiter)
        self.privacy = Privacy(
            store=store,
            clock=clock,
            texts=texts,
            reception=self.reception,
            pages=pager.store,
            retention=helpdesk.retention,
        )
        self.deliveries = Deliveries(store=store, clock=clock, texts=texts, helpdesk=helpdesk)
        self.agents = AgentsGroup(
            store=store,
            clock=clock,
            texts=texts,
            reception=self.reception,
            helpdesk=helpdesk,
            triage=triage,
        )
        self.tickets = Helpdesk(
            store=store,
            clock=clock,
            texts=texts,
            triage=triage,
            limiter=self.limiter,
            reception=self.reception,
            agents=self.agents,
            settings=helpdesk,
        )
        pages = pager.store
        self.relay = Relay(store=pages, clock=clock, texts=texts, contacts=pager.contacts)
        self.duty = Duty(store=pages, clock=clock, texts=texts)
        self.officers = OfficerCommands(pager)
        self.crisis = CrisisDesk(
            store=store,
            clock=clock,
            texts=texts,
            triage=triage,
            limiter=self.limiter,
            pager=pager,
            reception=self.reception,
            tickets=self.tickets,
            settings=helpdesk,
        )

    async def message(
        self, sender: Sender, text: str, *, crisis: bool = False, reply_to: int | None = None
    ) -> list[Reply]:
        """Handle a text from a user in their private chat."""
        text = clean(text)
        member, user = await self.reception.identify(sender)
        if member is not None and text.strip() and not crisis:
            relayed = await self.relay.relay(member, text, reply_to)
            if relayed is not None:
                return relayed
        now = self.clock.now()
        inquiry = Inquiry(text=text, user=user, at=now, crisis=crisis)
        decision = self.triage.decide(inquiry)
        if decision.crisis:
            return await self.crisis.report(sender, member, inquiry, decision)
        judged = await self.limiter.note(sender.user_id, Kind.QUESTION, now)
        ticket = await self.store.tickets.open_for(sender.user_id)
        if ticket is not None and text.strip():
            if judged is not Verdict.OK:
                # What someone writes to a person is never dropped: past the limit it
                # still joins the ticket; only the bot's replies stop.
                followed = await self.tickets.follow_up(ticket, text, member, user.language, now)
                return [followed] if judged is Verdict.FIRST_OVER else []
            if decision.route is Route.ANSWER and not decision.others:
                return [await self._answer_beside(ticket, decision, inquiry, member)]
            return [await self.tickets.follow_up(ticket, text, member, user.language, now)]
        if judged is not Verdict.OK:
            limited = self.texts.get("limit_questions", user.language)
            return [Reply(limited)] if judged is Verdict.FIRST_OVER else []
        await self.tickets.remember(sender.user_id, text)
        reply = self.triage.compose(decision, inquiry)
        if decision.route in (Route.HANDOFF, Route.CLARIFY):
            await self.store.notes.unanswered(text, decision.route.value, now)
        if decision.route is Route.HANDOFF and not user.faq_only:
            note = await self.tickets.routine(sender, member, user, text, decision)
            reply = Reply(f"{reply.text}\n\n{note}", reply.buttons)
        return [Reply(reply.text, reply.buttons, self.reception.keyboard(user))]

    async def press(
        self, sender: Sender, action: Action | None, on_message: int | None = None
    ) -> Pressed:
        """Handle a button press in a private chat; None (data `decode` could not read: stale,
        garbled or forged) and a button that belongs elsewhere expire politely.

        `on_message` is the message the button is on: feedback counts once for each.
        """
        member, user = await self.reception.identify(sender)
        match action:
            case AskPerson():
                return Pressed(replies=(await self._ask_person(sender, member, user),))
            case Page(offer):
                return Pressed(replies=tuple(await self.crisis.page(sender, member, user, offer)))
            case Ack() | PassOn() | Resolve() | PageFeedback():
                return Pressed(toast=await self.pager.press(member, sender.user_id, action))
            case AcceptHandover(offer):
                return Pressed(toast=await self.duty.accept_handover(member, sender.user_id, offer))
            case CloseOwn(ticket):
                return Pressed(
                    replies=(await self.tickets.close_own(sender, member, user, ticket),)
                )
            case NotUrgent(ticket):
                return Pressed(
                    replies=(await self.crisis.not_urgent(sender, member, user, ticket),)
                )
            case Forget():
                return Pressed(replies=(await self.privacy.forget(sender),))
            case FaqFeedback():
                return await self._faq_feedback(sender, user, action, on_message)
            case Themes() | Theme() | ShowEntry():
                return Pressed(replies=(self.triage.choose(action, user),))
            case Claim() | CrisisKey() | SharePhone() | None:
                return self.reception.expired(user)  # not a button of a private chat's messages
        assert_never(action)

    async def _faq_feedback(
        self, sender: Sender, user: User, vote: FaqFeedback, on_message: int | None
    ) -> Pressed:
        now = self.clock.now()
        if self.triage.faq.entry(vote.entry) is None:
            return self.reception.expired(user)  # an entry the FAQ no longer has
        if on_message is not None and not await self.store.notes.vote(
            sender.user_id, on_message, now
        ):
            return Pressed(toast=self.texts.get("feedback_counted", user.language))
        await self.store.notes.feedback(vote.entry, vote.helpful, now)
        thanks = self.texts.get("feedback_thanks", user.language)
        return Pressed(toast=thanks, replies=(Reply(thanks),))

    # --- the agents' group ---------------------------------------------------------------

    # --- the outbox's callbacks -----------------------------------------------------------

    # --- inside ----------------------------------------------------------------------------

    async def _answer_beside(
        self, ticket: Ticket, decision: Decision, inquiry: Inquiry, member: Member | None
    ) -> Reply:
        """A new question the FAQ answers for sure, asked while a ticket is open: the answer,
        not a wait for an agent; the agents see it was answered, and the ticket stays."""
        reply = self.triage.compose(decision, inquiry)
        question = self.triage.replies.question(decision.entry_id or "", "nl")
        note = self.texts.get("group_answered_beside", "nl", text=inquiry.text, question=question)
        await self.tickets.post_line(ticket, note, note, inquiry.at)
        lang = inquiry.user.language
        still = self.texts.get("ticket_still_open", lang, id=ticket.id)
        buttons = (*reply.buttons, *self.tickets.done_buttons(ticket, member, lang))
        return Reply(f"{reply.text}\n\n{still}", buttons)

    async def _ask_person(self, sender: Sender, member: Member | None, user: User) -> Reply:
        if user.faq_only:
            return self.triage.replies.guest_handoff(user.language)
        existing = await self.store.tickets.open_for(sender.user_id)
        if existing is not None:
            return Reply(self.texts.get("ticket_followup", user.language, id=existing.id))
        question = await self.store.drafts.question(sender.user_id)
        if not question:
            return Reply(self.texts.get("empty", user.language))
        now = self.clock.now()
        decision = self.triage.decide(Inquiry(text=question, user=user, at=now))
        note = await self.tickets.routine(sender, member, user, question, decision)
        handoff = self.triage.replies.handoff_at(
            self.triage.settings.office_hours.next_opening(now), now, user.language
        )
        return Reply(f"{handoff.text}\n\n{note}")
