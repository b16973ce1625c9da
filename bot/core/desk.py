"""The desk: the service the Telegram adapter and the console drive; it keeps and relays."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import assert_never

from bot.config import HelpdeskSettings
from bot.core.access import Act, may
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
from bot.core.deliveries import Deliveries
from bot.core.directory import Municipality
from bot.core.limits import Kind, Limiter, Limits, Verdict
from bot.core.models import (
    Button,
    Decision,
    Inquiry,
    Member,
    Outgoing,
    Pressed,
    Purpose,
    Reply,
    Route,
    Sender,
    Ticket,
    User,
)
from bot.core.paging import Pager
from bot.core.ports import Clock, Store
from bot.core.privacy import Privacy
from bot.core.reception import Reception
from bot.core.text import clean
from bot.core.triage import Triage

log = logging.getLogger(__name__)


class Desk:
    """Answer users, open and relay helpdesk tickets, keep what is needed."""

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

    async def message(
        self, sender: Sender, text: str, *, crisis: bool = False, reply_to: int | None = None
    ) -> list[Reply]:
        """Handle a text from a user in their private chat."""
        text = clean(text)
        member, user = await self.reception.identify(sender)
        if member is not None and text.strip() and not crisis:
            relayed = await self.pager.relay(member, text, reply_to)
            if relayed is not None:
                return relayed
        now = self.clock.now()
        inquiry = Inquiry(text=text, user=user, at=now, crisis=crisis)
        decision = self.triage.decide(inquiry)
        if decision.crisis:
            return await self._crisis(sender, member, inquiry, decision)
        judged = await self.limiter.note(sender.user_id, Kind.QUESTION, now)
        ticket = await self.store.tickets.open_for(sender.user_id)
        if ticket is not None and text.strip():
            if judged is not Verdict.OK:
                # What someone writes to a person is never dropped: past the limit it
                # still joins the ticket; only the bot's replies stop.
                followed = await self._follow_up(ticket, text, member, user.language, now)
                return [followed] if judged is Verdict.FIRST_OVER else []
            if decision.route is Route.ANSWER and not decision.others:
                return [await self._answer_beside(ticket, decision, inquiry, member)]
            return [await self._follow_up(ticket, text, member, user.language, now)]
        if judged is not Verdict.OK:
            limited = self.texts.get("limit_questions", user.language)
            return [Reply(limited)] if judged is Verdict.FIRST_OVER else []
        await self._remember(sender.user_id, text)
        reply = self.triage.compose(decision, inquiry)
        if decision.route in (Route.HANDOFF, Route.CLARIFY):
            await self.store.notes.unanswered(text, decision.route.value, now)
        if decision.route is Route.HANDOFF and not user.faq_only:
            note = await self._routine_ticket(sender, member, user, text, decision)
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
                return Pressed(replies=tuple(await self._page(sender, member, user, offer)))
            case Ack() | PassOn() | Resolve() | PageFeedback() | AcceptHandover():
                return Pressed(toast=await self.pager.press(member, sender.user_id, action))
            case CloseOwn(ticket):
                return Pressed(replies=(await self._close_own(sender, member, user, ticket),))
            case NotUrgent(ticket):
                return Pressed(replies=(await self._not_urgent(sender, member, user, ticket),))
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

    async def _crisis(
        self, sender: Sender, member: Member | None, inquiry: Inquiry, decision: Decision
    ) -> list[Reply]:
        user = inquiry.user
        reply = self.triage.compose(decision, inquiry)
        question = inquiry.text.strip() or self.texts.get("crisis_button", "nl")
        auto = self.triage.settings.crisis.after_hours_policy == "auto"
        await self._remember(sender.user_id, question)
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
            held, ticket = await self._crisis_ticket(sender, member, user, question, decision)
            if held is not None:
                return [
                    Reply(f"{reply.text}\n\n{held}", (), self.reception.keyboard(user), urgent=True)
                ]
            if decision.likely and ticket is not None:
                label = self.texts.get("button_not_urgent", user.language)
                buttons = (*buttons, Button(label, NotUrgent(ticket.id)))
        return [Reply(reply.text, buttons, self.reception.keyboard(user), urgent=True)]

    async def _crisis_ticket(
        self, sender: Sender, member: Member | None, user: User, question: str, decision: Decision
    ) -> tuple[str | None, Ticket | None]:
        """Open an urgent ticket within the limit; past it, add the report to the open ticket
        (or say where to turn). Return what to add to the crisis reply (None if opened), and
        the ticket opened."""
        now = self.clock.now()
        judged = await self.limiter.note(sender.user_id, Kind.CRISIS, now, guest=user.faq_only)
        if judged is Verdict.OK:
            ticket = await self._open_ticket(sender, member, user, question, decision, urgent=True)
            if decision.route is Route.CRISIS_OFFICE:
                await self._alert_region(ticket, user)
            return None, ticket
        existing = await self.store.tickets.open_for(sender.user_id)
        if existing is not None:
            # Nothing is lost: the report reaches the agents with the ticket they already have.
            followed = await self._follow_up(existing, question, member, user.language, now)
            return followed.text, None
        return self.texts.get("limit_crisis", user.language), None

    async def _not_urgent(
        self, sender: Sender, member: Member | None, user: User, ref: int
    ) -> Reply:
        """ "Geen noodgeval, alleen een vraag": the asker withdraws their urgent ticket; the
        agents (and the region's account managers, if told) hear it was no emergency."""
        ticket = await self._asker_closes(sender, member, ref, Act.NOT_URGENT)
        if ticket is None:
            return self.reception.expired(user).replies[0]
        note = self.texts.get("group_not_urgent", "nl", id=ticket.id)
        await self._closed_note(ticket, note)
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

    async def _answer_beside(
        self, ticket: Ticket, decision: Decision, inquiry: Inquiry, member: Member | None
    ) -> Reply:
        """A new question the FAQ answers for sure, asked while a ticket is open: the answer,
        not a wait for an agent; the agents see it was answered, and the ticket stays."""
        reply = self.triage.compose(decision, inquiry)
        question = self.triage.replies.question(decision.entry_id or "", "nl")
        note = self.texts.get("group_answered_beside", "nl", text=inquiry.text, question=question)
        await self._post_to_ticket(ticket, note, note, inquiry.at)
        lang = inquiry.user.language
        still = self.texts.get("ticket_still_open", lang, id=ticket.id)
        buttons = (*reply.buttons, *self._done_buttons(ticket, member, lang))
        return Reply(f"{reply.text}\n\n{still}", buttons)

    async def _close_own(
        self, sender: Sender, member: Member | None, user: User, ref: int
    ) -> Reply:
        """ "Mijn vraag is beantwoord": the asker closes their own ticket; the agents hear."""
        ticket = await self._asker_closes(sender, member, ref, Act.CLOSE_OWN)
        if ticket is None:
            return self.reception.expired(user).replies[0]
        await self._closed_note(ticket, self.texts.get("group_closed_by_user", "nl", id=ticket.id))
        return Reply(self.texts.get("ticket_closed_by_you", user.language, id=ticket.id))

    async def _asker_closes(
        self, sender: Sender, member: Member | None, ref: int, act: Act
    ) -> Ticket | None:
        """Close the sender's own open ticket named by a button; None when it is not theirs,
        not open, or not theirs to close. An urgent-only withdrawal checks urgency first."""
        ticket = await self.store.tickets.get(ref)
        if ticket is None or ticket.user_id != sender.user_id or not ticket.is_open:
            return None
        if not may(member, act) or (act is Act.NOT_URGENT and not ticket.urgent):
            return None
        await self.store.tickets.close(ticket.id, self.clock.now())
        return ticket

    async def _closed_note(self, ticket: Ticket, note: str) -> None:
        """Tell the agents a ticket was closed by its asker: in its topic, which then closes,
        or where its post stands."""
        if not await self.agents.close_topic(ticket, note):
            await self._post_to_ticket(ticket, note, note, self.clock.now())

    def _done_buttons(
        self, ticket: Ticket, member: Member | None, language: str
    ) -> tuple[Button, ...]:
        """ "Mijn vraag is beantwoord", for those who may close their own ticket."""
        if not may(member, Act.CLOSE_OWN):
            return ()
        return (Button(self.texts.get("button_answered", language), CloseOwn(ticket.id)),)

    async def _post_to_ticket(
        self, ticket: Ticket, kept: str, posted: str, now: datetime, *, origin: int | None = None
    ) -> None:
        """Keep a line with the ticket and post it in the ticket's place in the agents' group
        (its topic, or as a reply to its post); lines still queued go as one post."""
        row = await self.store.tickets.add_message(ticket.id, "user", kept, now)
        if self.helpdesk.chat_id is None:
            return
        await self.store.outbox.put(
            Outgoing(
                chat_id=self.helpdesk.chat_id,
                text=posted,
                dedupe_key=f"followup:{row}",
                urgent=ticket.urgent,
                purpose=Purpose.FOLLOWUP,
                ref=ticket.id,
                line=row,
                batch=f"followup:{ticket.id}",
                origin=origin,
            ),
            now,
        )

    async def _follow_up(
        self, ticket: Ticket, text: str, member: Member | None, language: str, now: datetime
    ) -> Reply:
        posted = self.texts.get("group_followup", "nl", id=ticket.id, text=text)
        await self._post_to_ticket(ticket, text, posted, now, origin=ticket.chat_id)
        followed = self.texts.get("ticket_followup", language, id=ticket.id)
        return Reply(followed, self._done_buttons(ticket, member, language))

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
        note = await self._routine_ticket(sender, member, user, question, decision)
        handoff = self.triage.replies.handoff_at(
            self.triage.settings.office_hours.next_opening(now), now, user.language
        )
        return Reply(f"{handoff.text}\n\n{note}")

    async def _routine_ticket(
        self, sender: Sender, member: Member | None, user: User, question: str, decision: Decision
    ) -> str:
        """Open a routine ticket within the limit; return what to tell the user about it."""
        now = self.clock.now()
        if await self.limiter.note(sender.user_id, Kind.TICKET, now) is not Verdict.OK:
            contacts = self.triage.settings.contacts
            return self.texts.get(
                "limit_tickets",
                user.language,
                otav_phone=contacts.otav_phone,
                otav_email=contacts.otav_email,
            )
        opened = await self._open_ticket(sender, member, user, question, decision, urgent=False)
        return self.texts.get("ticket_opened", user.language, id=opened.id)

    async def _page(
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

    async def _open_ticket(
        self,
        sender: Sender,
        member: Member | None,
        user: User,
        question: str,
        decision: Decision,
        *,
        urgent: bool,
    ) -> Ticket:
        now = self.clock.now()
        ticket = await self.store.tickets.create(
            user_id=sender.user_id,
            chat_id=sender.chat_id,
            question=question,
            language=user.language,
            urgent=urgent,
            now=now,
        )
        if self.helpdesk.chat_id is None:
            return ticket
        guesses = [self.triage.replies.question(i, "nl") for i in decision.alternatives[:3]]
        post = self.agents.ticket_post(ticket, member, guesses)
        title = f"#{ticket.id} {(member.municipality if member else None) or ''} {question}"
        await self.store.outbox.put(
            Outgoing(
                chat_id=self.helpdesk.chat_id,
                text=post,
                dedupe_key=f"ticket:{ticket.id}",
                buttons=(Button(self.texts.get("button_claim", "nl"), Claim(ticket.id)),),
                urgent=urgent,
                purpose=Purpose.TICKET,
                ref=ticket.id,
                origin=sender.chat_id,
                topic=" ".join(title.split())[:120] if self.helpdesk.mode == "topics" else None,
            ),
            now,
        )
        return ticket

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

    async def _remember(self, user_id: int, text: str) -> None:
        if text.strip():
            await self.store.drafts.remember(user_id, text, self.clock.now())
