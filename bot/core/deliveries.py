"""What the outbox tells once Telegram took a message, or would not: recorded and told."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core.models import (
    Outgoing,
    Purpose,
)
from bot.core.ports import Clock, Store
from bot.core.settings import HelpdeskSettings
from bot.core.texts import Texts

log = logging.getLogger(__name__)


class Deliveries:
    """The outbox's callbacks: where a ticket's post landed, a blocked user, a refusal."""

    def __init__(
        self, *, store: Store, clock: Clock, texts: Texts, helpdesk: HelpdeskSettings
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.helpdesk = helpdesk

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
