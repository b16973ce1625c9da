"""The agents' group: claiming a ticket, answering its asker, closing it."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from bot.core.access import Act, may
from bot.core.actions import (
    Action,
    Claim,
)
from bot.core.ids import small_id
from bot.core.models import (
    Member,
    Outgoing,
    Pressed,
    Purpose,
    Reply,
    Sender,
    Ticket,
)
from bot.core.ports import Clock, Store
from bot.core.reception import Reception
from bot.core.settings import HelpdeskMode, HelpdeskSettings
from bot.core.texts import Texts
from bot.core.triage import Triage

log = logging.getLogger(__name__)
# The bot's posts name their ticket ("🎫 Vraag #12", "✉️ #12").
_TICKET_MARK = re.compile(r"^(?:🎫 Vraag |✉️ |⚠️ |✋ )#(\d+)")


class AgentsGroup:
    """What agents do in their group, and how a ticket shows there."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        texts: Texts,
        reception: Reception,
        helpdesk: HelpdeskSettings,
        triage: Triage,
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.reception = reception
        self.helpdesk = helpdesk
        self.triage = triage

    async def press(self, sender: Sender, action: Action | None) -> Pressed:
        """Handle a button in the agents' group: claiming a ticket."""
        member, user = await self.reception.identify(sender)
        if not isinstance(action, Claim):
            return self.reception.expired(user)
        if member is None or not may(member, Act.CLAIM):
            return Pressed(toast=self.texts.get("group_not_agent", user.language))
        ticket = await self.store.tickets.get(action.ticket)
        if ticket is None:
            return self.reception.expired(user)
        if not await self.store.tickets.claim(
            ticket.id, member.user_id, member.label, self.clock.now()
        ):
            holder = ticket.agent_name or "-"
            return Pressed(toast=self.texts.get("claim_taken", user.language, agent=holder))
        await self.tell_user(ticket, "ticket_claimed_user", f"claimed:{ticket.id}")
        claimed = self.texts.get("group_claimed", "nl", id=ticket.id, agent=member.label)
        return Pressed(
            toast=self.texts.get("claim_done", user.language, id=ticket.id),
            edit=Reply(f"{self.ticket_post(ticket)}\n\n{claimed}"),
        )

    async def message(
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
        member, _ = await self.reception.identify(sender)
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

    async def close(
        self,
        sender: Sender,
        arg: str,
        *,
        thread_id: int | None,
        reply_to: int | None,
        replied_text: str = "",
    ) -> list[Reply]:
        """Close a ticket (/sluit in its topic, as a reply, or with its number)."""
        member, _ = await self.reception.identify(sender)
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
        await self.tell_user(ticket, "ticket_closed_user", f"closed:{ticket.id}")
        done = self.texts.get("group_closed", "nl", id=ticket.id, agent=member.label)
        return [] if await self.close_topic(ticket, done) else [Reply(done)]

    async def close_topic(self, ticket: Ticket, note: str) -> bool:
        """In topics mode, post the closing note in the ticket's topic and close it; False
        when there is no topic to close (the caller says it where it stands)."""
        group = self.helpdesk.chat_id
        if self.helpdesk.mode != HelpdeskMode.TOPICS or ticket.thread_id is None or group is None:
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

    def ticket_post(
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

    async def tell_user(self, ticket: Ticket, key: str, dedupe: str) -> None:
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
        if self.helpdesk.mode == HelpdeskMode.TOPICS and thread_id is not None:
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
