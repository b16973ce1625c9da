"""The desk: the service the Telegram adapter and the console drive; it keeps and relays."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import assert_never

from bot.config import HelpdeskSettings
from bot.core.access import OFFICERS, Act, may
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
from bot.core.directory import Municipality
from bot.core.ids import small_id
from bot.core.limits import Kind, Limiter, Limits, Verdict
from bot.core.models import (
    Button,
    Decision,
    Inquiry,
    Member,
    Outgoing,
    Purpose,
    Reply,
    Role,
    Route,
    Ticket,
    User,
)
from bot.core.paging import Pager
from bot.core.ports import Clock, Store
from bot.core.text import clean
from bot.core.texts import language_of
from bot.core.triage import Triage

log = logging.getLogger(__name__)
_TICKET_MARK = re.compile(r"^(?:🎫 Vraag |✉️ |⚠️ |✋ )#(\d+)")
_SENT_KEPT = timedelta(days=7)
# A question or shared number older than this asks for no page.
_DRAFT_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Sender:
    """Who sent an update, as the transport tells it."""

    user_id: int
    chat_id: int
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Answer:
    """The desk's response to a button press."""

    replies: tuple[Reply, ...] = ()
    toast: str | None = None
    edit: Reply | None = None


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
        self.texts = triage.replies.texts
        self.limiter = Limiter(limits or Limits(), store.attempts)

    async def identify(self, sender: Sender) -> tuple[Member | None, User]:
        """Return the stored member (if any) and the routing view of a sender."""
        language = language_of(sender.language_code)
        member = await self.store.users.get(sender.user_id)
        if member is None:
            return None, User(language=language)
        return member, member.as_user(language)

    async def start(self, sender: Sender, code: str | None) -> list[Reply]:
        """Greet a user; with an invite code, bind its role to their Telegram user id."""
        member, user = await self.identify(sender)
        lang = user.language
        if code:
            refusal = await self._redeem(sender, member, code, lang)
            if refusal is not None:
                return [refusal]
            member, user = await self.identify(sender)
        if member is None:
            return [Reply(self.texts.get("start_guest", lang), keyboard=())]
        name = f" {member.name}" if member.name else ""
        text = self.texts.get(
            f"start_{member.role.value}",
            lang,
            name=name,
            municipality=member.municipality or "-",
        )
        return [Reply(text, keyboard=self._keyboard(member.as_user(lang)))]

    async def _redeem(
        self, sender: Sender, member: Member | None, code: str, lang: str
    ) -> Reply | None:
        """Bind an invite's role to the sender; return why not, or None when done."""
        now = self.clock.now()
        if await self.limiter.check(sender.user_id, Kind.INVITE, now) is not Verdict.OK:
            return Reply(self.texts.get("invite_locked", lang))
        grant = await self.store.invites.peek(code, now)
        if grant is None:
            await self.limiter.count(sender.user_id, Kind.INVITE, now)
            log.warning("wrong invite code from user %d", sender.user_id)
            if await self.limiter.check(sender.user_id, Kind.INVITE, now) is Verdict.FIRST_OVER:
                await self._tell_admins_of_lockout(sender, now)
            return Reply(self.texts.get("invite_invalid", lang))
        if member is not None and member.role is Role.ADMIN and grant.role is not Role.ADMIN:
            # An administrator's role changes by command only; the code stays for its owner.
            return Reply(self.texts.get("invite_admin_kept", lang, role=grant.role.value))
        await self.store.invites.redeem(code, sender.user_id, now)
        who = Member(
            user_id=sender.user_id,
            chat_id=sender.chat_id,
            role=grant.role,
            municipality=grant.municipality,
            name=grant.name,
            username=sender.username,
            language=lang,
        )
        await self.store.users.save(who, now)
        return None

    async def _tell_admins_of_lockout(self, sender: Sender, now: datetime) -> None:
        who = f"{sender.user_id}" + (f" (@{sender.username})" if sender.username else "")
        for admin in await self.store.users.list(Role.ADMIN):
            text = self.texts.get("invite_lockout_admins", admin.language, who=who)
            await self.store.outbox.put(
                Outgoing(
                    admin.chat_id,
                    text,
                    f"invite-lockout:{sender.user_id}:{now:%Y%m%d%H%M}:{admin.user_id}",
                ),
                now,
            )

    def help(self, user: User) -> Reply:
        """Explain the commands."""
        text = self.texts.get("help", user.language)
        if user.is_mayor:
            text += "\n" + self.texts.get("help_mayor", user.language)
        if user.role in OFFICERS:
            text += "\n" + self.texts.get("help_officer", user.language)
        return Reply(text, keyboard=self._keyboard(user))

    async def message(
        self, sender: Sender, text: str, *, crisis: bool = False, reply_to: int | None = None
    ) -> list[Reply]:
        """Handle a text from a user in their private chat."""
        text = clean(text)
        member, user = await self.identify(sender)
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
        return [Reply(reply.text, reply.buttons, self._keyboard(user))]

    async def press(
        self, sender: Sender, action: Action | None, on_message: int | None = None
    ) -> Answer:
        """Handle a button press in a private chat; None (data `decode` could not read: stale,
        garbled or forged) and a button that belongs elsewhere expire politely.

        `on_message` is the message the button is on: feedback counts once for each.
        """
        member, user = await self.identify(sender)
        match action:
            case AskPerson():
                return Answer(replies=(await self._ask_person(sender, member, user),))
            case Page(offer):
                return Answer(replies=tuple(await self._page(sender, member, user, offer)))
            case Ack() | PassOn() | Resolve() | PageFeedback() | AcceptHandover():
                return Answer(toast=await self.pager.press(member, sender.user_id, action))
            case CloseOwn(ticket):
                return Answer(replies=(await self._close_own(sender, member, user, ticket),))
            case NotUrgent(ticket):
                return Answer(replies=(await self._not_urgent(sender, member, user, ticket),))
            case Forget():
                await self.store.users.forget(sender.user_id)
                return Answer(replies=(Reply(self.texts.get("forgotten", user.language)),))
            case FaqFeedback():
                return await self._faq_feedback(sender, user, action, on_message)
            case Themes() | Theme() | ShowEntry():
                return Answer(replies=(self.triage.choose(action, user),))
            case Claim() | CrisisKey() | SharePhone() | None:
                return self._expired(user)  # not a button of a private chat's messages
        assert_never(action)

    async def _faq_feedback(
        self, sender: Sender, user: User, vote: FaqFeedback, on_message: int | None
    ) -> Answer:
        now = self.clock.now()
        if self.triage.faq.entry(vote.entry) is None:
            return self._expired(user)  # an entry the FAQ no longer has
        if on_message is not None and not await self.store.notes.vote(
            sender.user_id, on_message, now
        ):
            return Answer(toast=self.texts.get("feedback_counted", user.language))
        await self.store.notes.feedback(vote.entry, vote.helpful, now)
        thanks = self.texts.get("feedback_thanks", user.language)
        return Answer(toast=thanks, replies=(Reply(thanks),))

    async def my_data(self, sender: Sender) -> Reply:
        """Show what the bot keeps about the user."""
        member, user = await self.identify(sender)
        tickets = await self.store.tickets.of_user(sender.user_id)
        lang = user.language
        if member is None and not tickets:
            return Reply(self.texts.get("nothing_stored", lang))
        text = self.texts.get(
            "my_data",
            lang,
            user_id=sender.user_id,
            role=member.role.value if member else Role.GUEST.value,
            municipality=(member.municipality if member else None) or "-",
            name=(member.name if member else None) or "-",
            lang=lang,
            tickets=len(tickets),
            open=sum(t.is_open for t in tickets),
            pages=await self.pager.store.pages_by(sender.user_id),
            phone=self.texts.get(
                "yes" if await self.store.drafts.has_phone(sender.user_id) else "no", lang
            ),
            days=self.helpdesk.retention.days,
        )
        return Reply(text)

    def forget_prompt(self, user: User) -> Reply:
        """Ask before erasing a user's data."""
        button = Button(self.texts.get("button_forget", user.language), Forget())
        return Reply(self.texts.get("forget_confirm", user.language), (button,))

    async def purge(self) -> int:
        """Erase tickets closed, and unanswered questions kept, longer ago than the retention
        period; return how many tickets.

        Sent messages go after a week: the outbox needs them only while a retry may come.
        """
        now = self.clock.now()
        await self.store.outbox.purge(now - _SENT_KEPT)
        await self.store.drafts.purge(now - _DRAFT_KEPT)
        await self.store.notes.purge_unanswered(now - self.helpdesk.retention)
        await self.store.notes.purge_votes(now - _SENT_KEPT)
        await self.store.attempts.purge(now - _DRAFT_KEPT)
        return await self.store.tickets.purge_closed(now - self.helpdesk.retention)

    def leave(self, chat_id: int, language: str) -> list[Outgoing]:
        """Say, once an hour, that the bot works only in private chats and the helpdesk's
        group, then leave the group it was added to; nothing in it is read or kept."""
        hour = f"{self.clock.now():%Y%m%d%H}"
        text = self.texts.get("stranger_group", language)
        base = Outgoing(chat_id=chat_id, text=text, dedupe_key=f"stranger:{chat_id}:{hour}")
        return [
            base,
            replace(
                base, text="", dedupe_key=f"leave:{chat_id}:{hour}", purpose=Purpose.LEAVE_CHAT
            ),
        ]

    # --- the agents' group ---------------------------------------------------------------

    async def group_press(self, sender: Sender, action: Action | None) -> Answer:
        """Handle a button in the agents' group: claiming a ticket."""
        member, user = await self.identify(sender)
        if not isinstance(action, Claim):
            return self._expired(user)
        if member is None or not may(member, Act.CLAIM):
            return Answer(toast=self.texts.get("group_not_agent", user.language))
        ticket = await self.store.tickets.get(action.ticket)
        if ticket is None:
            return self._expired(user)
        if not await self.store.tickets.claim(
            ticket.id, member.user_id, member.label, self.clock.now()
        ):
            holder = ticket.agent_name or "-"
            return Answer(toast=self.texts.get("claim_taken", user.language, agent=holder))
        await self._tell_user(ticket, "ticket_claimed_user", f"claimed:{ticket.id}")
        claimed = self.texts.get("group_claimed", "nl", id=ticket.id, agent=member.label)
        return Answer(
            toast=self.texts.get("claim_done", user.language, id=ticket.id),
            edit=Reply(f"{self._ticket_post(ticket)}\n\n{claimed}"),
        )

    async def group_message(
        self,
        sender: Sender,
        text: str,
        *,
        message_id: int,
        thread_id: int | None,
        reply_to: int | None,
        replied_text: str = "",
    ) -> list[Reply]:
        """Relay an agent's message in a ticket's topic (or reply) to the user."""
        ticket = await self._ticket_in_group(thread_id, reply_to, replied_text)
        if ticket is None:
            return []
        member, _ = await self.identify(sender)
        if member is None or not may(member, Act.AGENT_REPLY):
            return [Reply(self.texts.get("group_not_agent", "nl"))]
        if not ticket.is_open:
            return [Reply(self.texts.get("group_ticket_closed", "nl", id=ticket.id))]
        now = self.clock.now()
        await self.store.tickets.claim(ticket.id, member.user_id, member.label, now)
        await self.store.tickets.add_message(ticket.id, "agent", text, now)
        relay = self.texts.get("agent_reply_user", ticket.language, id=ticket.id, text=text)
        await self.store.outbox.put(
            Outgoing(
                chat_id=ticket.chat_id,
                text=relay,
                dedupe_key=f"agent:{message_id}",
                purpose=Purpose.RELAY_USER,
                ref=ticket.id,
                batch=f"agent:{ticket.id}",
                origin=self.helpdesk.chat_id,
            ),
            now,
        )
        return []

    async def close_ticket(
        self,
        sender: Sender,
        arg: str,
        *,
        thread_id: int | None,
        reply_to: int | None,
        replied_text: str = "",
    ) -> list[Reply]:
        """Close a ticket (/sluit in its topic, as a reply, or with its number)."""
        member, _ = await self.identify(sender)
        if member is None or not may(member, Act.CLOSE):
            return [Reply(self.texts.get("group_not_agent", "nl"))]
        number = small_id(arg)
        ticket = (
            await self.store.tickets.get(number)
            if number is not None
            else await self._ticket_in_group(thread_id, reply_to, replied_text)
        )
        if ticket is None:
            return [Reply(self.texts.get("group_no_ticket", "nl"))]
        if not await self.store.tickets.close(ticket.id, self.clock.now()):
            return [Reply(self.texts.get("group_ticket_closed", "nl", id=ticket.id))]
        await self._tell_user(ticket, "ticket_closed_user", f"closed:{ticket.id}")
        done = self.texts.get("group_closed", "nl", id=ticket.id, agent=member.label)
        return [] if await self._close_topic(ticket, done) else [Reply(done)]

    async def _close_topic(self, ticket: Ticket, note: str) -> bool:
        """In topics mode, post the closing note in the ticket's topic and close it; False
        when there is no topic to close (the caller says it where it stands)."""
        group = self.helpdesk.chat_id
        if self.helpdesk.mode != "topics" or ticket.thread_id is None or group is None:
            return False
        # Both through the outbox, in this order: the topic closes once the agents have seen
        # it is done (a closed topic takes no more posts), each retried like any message.
        now = self.clock.now()
        base = Outgoing(chat_id=group, text="", dedupe_key="", thread_id=ticket.thread_id)
        await self.store.outbox.put(
            replace(base, text=note, dedupe_key=f"closed-note:{ticket.id}"), now
        )
        await self.store.outbox.put(
            replace(base, dedupe_key=f"close-topic:{ticket.id}", purpose=Purpose.CLOSE_TOPIC),
            now,
        )
        return True

    # --- the outbox's callbacks -----------------------------------------------------------

    async def prepare(self, message: Outgoing) -> Outgoing:
        """Fill in, at send time, where a ticket's messages go in the agents' group."""
        if message.purpose not in (Purpose.TICKET, Purpose.FOLLOWUP) or message.ref is None:
            return message
        ticket = await self.store.tickets.get(message.ref)
        if ticket is None:
            return message
        if message.purpose is Purpose.TICKET:
            return replace(message, thread_id=ticket.thread_id)
        reply_to = None if ticket.thread_id else ticket.group_message_id
        return replace(message, thread_id=ticket.thread_id, reply_to=reply_to)

    async def delivered(self, message: Outgoing, message_id: int, thread_id: int | None) -> None:
        """Record where a message landed, so agents' replies find their ticket."""
        if message.purpose is Purpose.TICKET and message.ref is not None:
            await self.store.tickets.posted(message.ref, message_id, thread_id)
        elif message.purpose is Purpose.FOLLOWUP and message.line is not None:
            await self.store.tickets.message_posted(message.line, message_id)

    async def topic_opened(self, message: Outgoing, thread_id: int) -> None:
        """Record the forum topic opened for a ticket before its post is sent."""
        if message.ref is not None:
            await self.store.tickets.set_thread(message.ref, thread_id)

    async def undeliverable(self, message: Outgoing) -> None:
        """Tell the agents when a user can no longer be reached (they blocked the bot)."""
        if (
            message.purpose is not Purpose.RELAY_USER
            or message.ref is None
            or self.helpdesk.chat_id is None
        ):
            return
        ticket = await self.store.tickets.get(message.ref)
        if ticket is None:
            return
        await self.store.outbox.put(
            Outgoing(
                chat_id=self.helpdesk.chat_id,
                text=self.texts.get("group_blocked", "nl", id=ticket.id),
                dedupe_key=f"blocked:{message.dedupe_key}",
                purpose=Purpose.FOLLOWUP,
                ref=ticket.id,
            ),
            self.clock.now(),
        )

    async def refused(self, message: Outgoing, reason: str) -> None:
        """Tell whoever caused a message that Telegram refused it, so nobody believes it
        arrived. What they wrote stays with the ticket or page it belongs to."""
        if message.origin is None or message.origin == message.chat_id:
            return
        user = await self.store.users.get(message.origin)
        text = self.texts.get("undelivered", user.language if user else "nl", reason=reason)
        await self.store.outbox.put(
            Outgoing(
                chat_id=message.origin,
                text=text,
                dedupe_key=f"refused:{message.dedupe_key}",
                urgent=message.urgent,
            ),
            self.clock.now(),
        )

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
                return [Reply(f"{reply.text}\n\n{held}", (), self._keyboard(user), urgent=True)]
            if decision.likely and ticket is not None:
                label = self.texts.get("button_not_urgent", user.language)
                buttons = (*buttons, Button(label, NotUrgent(ticket.id)))
        return [Reply(reply.text, buttons, self._keyboard(user), urgent=True)]

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
            return self._expired(user).replies[0]
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
            return self._expired(user).replies[0]
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
        if not await self._close_topic(ticket, note):
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
            return [Reply(text, keyboard=self._keyboard(user), urgent=True)]
        phone = await self.store.drafts.take_phone(sender.user_id)
        refusal = await self.pager.page(
            member, question or self.texts.get("crisis_button", "nl"), phone
        )
        return [replace(refusal, urgent=True)] if refusal else []

    async def share_phone(self, sender: Sender, owner: int | None, phone: str) -> Reply:
        """Keep a mayor's own shared number, for their next page only."""
        member, user = await self.identify(sender)
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
        post = self._ticket_post(ticket, member, guesses)
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

    def _ticket_post(
        self, ticket: Ticket, member: Member | None = None, guesses: list[str] | None = None
    ) -> str:
        who = "gast"
        if member is not None:
            place = self.triage.place(member.as_user())
            region = f" (regio {place.region})" if place else ""
            who = f"{member.label} · {member.role.value} · {member.municipality or '-'}{region}"
        return self.texts.get(
            "group_ticket",
            "nl",
            id=ticket.id,
            urgent=self.texts.get("group_urgent", "nl") if ticket.urgent else "",
            who=who,
            question=ticket.question[:3000],
            guesses="; ".join(guesses) if guesses else "-",
        )

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

    async def _tell_user(self, ticket: Ticket, key: str, dedupe: str) -> None:
        await self.store.outbox.put(
            Outgoing(
                chat_id=ticket.chat_id,
                text=self.texts.get(key, ticket.language, id=ticket.id),
                dedupe_key=dedupe,
                purpose=Purpose.RELAY_USER,
                ref=ticket.id,
            ),
            self.clock.now(),
        )

    async def _ticket_in_group(
        self, thread_id: int | None, reply_to: int | None, replied_text: str = ""
    ) -> Ticket | None:
        if self.helpdesk.mode == "topics" and thread_id is not None:
            return await self.store.tickets.by_thread(thread_id)
        if reply_to is None:
            return None
        found = await self.store.tickets.by_group_message(reply_to)
        # The bot's posts name their ticket ("🎫 Vraag #12", "✉️ #12"): a reply to one still
        # finds it when its message id was not recorded (sent a moment ago, or lost).
        number = _TICKET_MARK.search(replied_text)
        if found is None and number is not None:
            found = await self.store.tickets.get(int(number.group(1)))
        return found

    def _keyboard(self, user: User) -> tuple[Button, ...]:
        if not user.is_mayor:
            return ()
        return (
            Button(self.texts.get("crisis_button", user.language), CrisisKey()),
            Button(self.texts.get("button_share_phone", user.language), SharePhone()),
        )

    def _expired(self, user: User) -> Answer:
        text = self.texts.get("button_expired", user.language)
        return Answer(toast=text, replies=(Reply(text),))

    async def _remember(self, user_id: int, text: str) -> None:
        if text.strip():
            await self.store.drafts.remember(user_id, text, self.clock.now())
