"""The helpdesk's tickets, as the asker sees them: opened, followed up, closed by the asker."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.access import Act, may
from bot.core.actions import (
    Claim,
    CloseOwn,
)
from bot.core.agents import AgentsGroup
from bot.core.limits import Kind, Limiter, Verdict
from bot.core.models import (
    Button,
    Decision,
    Member,
    Outgoing,
    Purpose,
    Reply,
    Sender,
    Ticket,
    User,
)
from bot.core.ports import Clock, Store
from bot.core.reception import Reception
from bot.core.settings import HelpdeskMode, HelpdeskSettings
from bot.core.texts import Texts
from bot.core.triage import Triage

log = logging.getLogger(__name__)


class Helpdesk:
    """Open a ticket and post it to the agents, add lines to it, let its asker close it."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        texts: Texts,
        triage: Triage,
        limiter: Limiter,
        reception: Reception,
        agents: AgentsGroup,
        settings: HelpdeskSettings,
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.triage = triage
        self.limiter = limiter
        self.reception = reception
        self.agents = agents
        self.helpdesk = settings

    async def open(
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
        topics = self.helpdesk.mode == HelpdeskMode.TOPICS
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
                topic=" ".join(title.split())[:120] if topics else None,
            ),
            now,
        )
        return ticket

    async def post_line(
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

    async def follow_up(
        self, ticket: Ticket, text: str, member: Member | None, language: str, now: datetime
    ) -> Reply:
        posted = self.texts.get("group_followup", "nl", id=ticket.id, text=text)
        await self.post_line(ticket, text, posted, now, origin=ticket.chat_id)
        followed = self.texts.get("ticket_followup", language, id=ticket.id)
        return Reply(followed, self.done_buttons(ticket, member, language))

    async def routine(
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
        opened = await self.open(sender, member, user, question, decision, urgent=False)
        return self.texts.get("ticket_opened", user.language, id=opened.id)

    async def asker_closes(
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

    async def closed_note(self, ticket: Ticket, note: str) -> None:
        """Tell the agents a ticket was closed by its asker: in its topic, which then closes,
        or where its post stands."""
        if not await self.agents.close_topic(ticket, note):
            await self.post_line(ticket, note, note, self.clock.now())

    def done_buttons(
        self, ticket: Ticket, member: Member | None, language: str
    ) -> tuple[Button, ...]:
        """ "Mijn vraag is beantwoord", for those who may close their own ticket."""
        if not may(member, Act.CLOSE_OWN):
            return ()
        return (Button(self.texts.get("button_answered", language), CloseOwn(ticket.id)),)

    async def close_own(self, sender: Sender, member: Member | None, user: User, ref: int) -> Reply:
        """ "Mijn vraag is beantwoord": the asker closes their own ticket; the agents hear."""
        ticket = await self.asker_closes(sender, member, ref, Act.CLOSE_OWN)
        if ticket is None:
            return self.reception.expired(user).replies[0]
        await self.closed_note(ticket, self.texts.get("group_closed_by_user", "nl", id=ticket.id))
        return Reply(self.texts.get("ticket_closed_by_you", user.language, id=ticket.id))

    async def remember(self, user_id: int, text: str) -> None:
        """Keep the user's last question: a later "ask a person" or page button sends it."""
        if text.strip():
            await self.store.drafts.remember(user_id, text, self.clock.now())
