"""Deliver the outbox: send due messages, retry with back-off, honour Telegram's retry-after."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.desk import Desk
from bot.core.models import CLOSE_TOPIC, Outgoing
from bot.core.ports import Clock
from bot.store.outbox import Outbox, Pending

from .render import chunks, inline_keyboard

log = logging.getLogger(__name__)

_MAX_BACKOFF = timedelta(minutes=5)


class Courier:
    """Sends what the desk put in the outbox; at least once, never twice per dedupe key."""

    def __init__(self, *, bot: Bot, desk: Desk, outbox: Outbox, clock: Clock) -> None:
        self.bot = bot
        self.desk = desk
        self.outbox = outbox
        self.clock = clock
        self._lock = asyncio.Lock()

    async def flush(self) -> int:
        """Send every due message, urgent first; return how many were delivered."""
        delivered = 0
        async with self._lock:
            while batch := await self.outbox.due(self.clock.now()):
                for pending in batch:
                    outcome = await self._deliver(pending)
                    if outcome is None:
                        return delivered
                    delivered += outcome
        return delivered

    async def _deliver(self, pending: Pending) -> int | None:
        """Send one message; 1 if sent, 0 if given up or rescheduled, None to stop the round."""
        message = await self.desk.prepare(pending.message)
        now = self.clock.now()
        try:
            message_id, thread_id = await self._send(message)
        except RetryAfter as exc:
            wait = exc.retry_after
            delay = wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))
            log.warning("Telegram asks to wait %s before sending more", delay)
            await self.outbox.retry(pending.id, now + delay, f"retry after {delay}")
            return None
        except Forbidden as exc:
            log.info("chat %s cannot be reached: %s", message.chat_id, exc.message)
            await self.outbox.failed(pending.id, exc.message, now)
            await self.desk.undeliverable(message)
            return 0
        except BadRequest as exc:
            log.error("Telegram refused message %s: %s", pending.id, exc.message)
            await self.outbox.failed(pending.id, exc.message, now)
            return 0
        except (NetworkError, TelegramError) as exc:
            delay = min(timedelta(seconds=2 ** min(pending.attempts, 10)), _MAX_BACKOFF)
            log.warning("sending message %s failed (%s); again in %s", pending.id, exc, delay)
            await self.outbox.retry(pending.id, now + delay, str(exc))
            return None
        await self.outbox.sent(pending.id, message_id, self.clock.now())
        await self.desk.delivered(message, message_id, thread_id)
        return 1

    async def _send(self, message: Outgoing) -> tuple[int, int | None]:
        thread_id = message.thread_id
        if message.purpose == CLOSE_TOPIC and thread_id is not None:
            await self.bot.close_forum_topic(message.chat_id, thread_id)
            return 0, thread_id
        if message.topic and thread_id is None:
            topic = await self.bot.create_forum_topic(message.chat_id, message.topic)
            thread_id = topic.message_thread_id
            await self.desk.topic_opened(message, thread_id)
        reply = (
            ReplyParameters(message.reply_to, allow_sending_without_reply=True)
            if message.reply_to
            else None
        )
        parts = chunks(message.text)
        first_id = 0
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await self.bot.send_message(
                message.chat_id,
                part,
                message_thread_id=thread_id,
                reply_parameters=reply if index == 0 else None,
                reply_markup=inline_keyboard(message.buttons) if last else None,
            )
            first_id = first_id or sent.message_id
        return first_id, thread_id
