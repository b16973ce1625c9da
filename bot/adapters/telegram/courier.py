"""Deliver the outbox: a lane per chat, urgent chats first, each chat in order, with retries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiolimiter import AsyncLimiter
from telegram import Bot, ReplyParameters
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.core.desk import Desk
from bot.core.models import Outgoing, Purpose
from bot.core.ports import Clock
from bot.errors import StoreError
from bot.store.outbox import Outbox, Pending
from bot.store.transaction import Transactions

from .render import chunks, markup_for_message

log = logging.getLogger(__name__)

# How often the queue is looked at when nobody kicks: retries fall due in between.
_TICK = 0.5
# Back-off after a failed send: short for pages and crisis replies, longer for the rest.
_BACKOFF_URGENT = timedelta(seconds=2)
_BACKOFF = timedelta(seconds=10)
# Telegram may take a message and the answer still be lost; waiting longer on the next try
# means a slow Telegram gets the message twice at most, not on every retry.
_READ_TIMEOUT = 5.0
_READ_TIMEOUT_MAX = 60.0
# Routine messages keep to this share of Telegram's overall rate, so that the rate limiter
# always has room for a page: it serves whoever asked first, urgent or not.
_ROUTINE_SHARE = 0.8
# At shutdown, how long lanes may take to finish the message in hand.
_STOP_WAIT = 5.0
# Recording a delivery is retried this often before the lane stops (the database is busy).
_RECORD_TRIES = 20


class Courier:
    """Sends what the desk put in the outbox: at least once, never twice per dedupe key.

    Each chat is a lane of its own, served by one task at a time, so a chat's messages keep
    their order and a slow chat (the agents' group, paced at 20 a minute; a chat Telegram
    asked to wait) holds up nobody else. A chat with an urgent message always gets a lane.
    """

    def __init__(
        self,
        *,
        bot: Bot,
        desk: Desk,
        outbox: Outbox,
        transaction: Transactions,
        clock: Clock,
        rate: float,
        lanes: int = 8,
    ) -> None:
        self.bot = bot
        self.desk = desk
        self.outbox = outbox
        self.transaction = transaction
        self.clock = clock
        self.lanes = lanes
        self._busy: dict[int, bool] = {}  # chats being served, and whether urgently
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._routine = AsyncLimiter(max(1.0, rate * _ROUTINE_SHARE), 1)
        # Sent, but the database would not take the record yet: never send these again.
        # By dedupe key: a row id can be given again once its row is gone.
        self._unrecorded: dict[str, tuple[Pending, Outgoing, int, int | None]] = {}

    def kick(self) -> None:
        """Look at the queue now rather than at the next tick."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled: at once when kicked, else every tick."""
        while True:
            self._wake.clear()
            try:
                await self._open_lanes()
            except StoreError as exc:
                log.warning("cannot read the outbox (%s); trying again", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _TICK)

    async def stop(self) -> None:
        """Stop at shutdown: each lane finishes the message in hand, the rest stays queued.

        Cancelled in the middle, a lane could lose the record of a message Telegram just
        took, and send it again after the restart.
        """
        self._stopping = True
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=_STOP_WAIT)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _open_lanes(self) -> None:
        """Give each chat with a due message a lane: urgent ones always, others up to a cap.

        The cap keeps few routine sends waiting in the rate limiter, so a page never queues
        behind more than a handful of them.
        """
        routine = sum(1 for urgent in self._busy.values() if not urgent)
        if self._stopping:
            return
        async with self.transaction.settled():
            lanes = await self.outbox.lanes(self.clock.now(), self._busy)
        for chat_id, urgent in lanes:
            if not urgent:
                if routine >= self.lanes:
                    continue
                routine += 1
            self._busy[chat_id] = urgent
            task = asyncio.create_task(self._lane(chat_id), name=f"courier-lane-{chat_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _lane(self, chat_id: int) -> None:
        """Send a chat's due messages in order; stop at the first that has to wait."""
        try:
            while (pending := await self._next(chat_id)) is not None:
                unrecorded = self._unrecorded.get(pending.message.dedupe_key)
                if unrecorded is not None:
                    if not await self._record(*unrecorded):
                        return
                elif not await self._deliver(pending):
                    return
        except StoreError as exc:
            log.warning("delivery to chat %s paused: %s", chat_id, exc)
            await asyncio.sleep(1)  # not straight back at a database that failed
        except Exception:
            log.exception("delivery to chat %s failed; trying again", chat_id)
            await asyncio.sleep(1)
        finally:
            self._busy.pop(chat_id, None)
            self._wake.set()

    async def _next(self, chat_id: int) -> Pending | None:
        """The chat's next committed message, if it is due and the courier is not stopping."""
        if self._stopping:
            return None
        async with self.transaction.settled():
            return await self.outbox.next_in(chat_id, self.clock.now())

    async def _deliver(self, pending: Pending) -> bool:
        """Send one message; True when the lane may go on to the next."""
        async with self.transaction.settled():
            message = await self.desk.deliveries.prepare(pending.message)
        try:
            if message.urgent:
                message_id, thread_id = await self._send(message, pending.attempts)
            else:
                async with self._routine:
                    message_id, thread_id = await self._send(message, pending.attempts)
        except RetryAfter as exc:
            wait = exc.retry_after
            delay = wait if isinstance(wait, timedelta) else timedelta(seconds=float(wait))
            log.warning("Telegram asks chat %s to wait %s", message.chat_id, delay)
            await self._write(lambda: self._retry(pending, delay, f"retry after {delay}"))
            return False
        except Forbidden as exc:
            log.info("chat %s cannot be reached: %s", message.chat_id, exc.message)
            reason = exc.message
            await self._write(lambda: self._give_up(pending, reason, refused=False))
            return True
        except BadRequest as exc:
            log.error("Telegram refused message %s: %s", pending.id, exc.message)
            reason = exc.message
            await self._write(lambda: self._give_up(pending, reason, refused=True))
            return True
        except (NetworkError, TelegramError) as exc:
            delay = _backoff(pending.attempts, message.urgent)
            log.warning("sending message %s failed (%s); again in %s", pending.id, exc, delay)
            error = str(exc) or type(exc).__name__
            await self._write(lambda: self._retry(pending, delay, error))
            return False
        return await self._record(pending, message, message_id, thread_id)

    async def _record(
        self, pending: Pending, message: Outgoing, message_id: int, thread_id: int | None
    ) -> bool:
        """Write the delivery down; while the database refuses, keep it in memory instead."""

        async def record() -> None:
            await self.outbox.sent(pending.ids, message_id, self.clock.now())
            for _, part in pending.parts:
                await self.desk.deliveries.delivered(part, message_id, thread_id)

        try:
            await self._write_hard(record)
        except StoreError as exc:
            log.warning("message %s sent; recording it failed (%s)", pending.id, exc)
            self._unrecorded[pending.message.dedupe_key] = (pending, message, message_id, thread_id)
            return False
        self._unrecorded.pop(pending.message.dedupe_key, None)
        return True

    async def _retry(self, pending: Pending, delay: timedelta, error: str) -> None:
        await self.outbox.retry(pending.id, self.clock.now() + delay, error)

    async def _give_up(self, pending: Pending, reason: str, *, refused: bool) -> None:
        await self.outbox.failed(pending.ids, reason, self.clock.now())
        if refused:  # once for a batch: its parts come from the same person
            await self.desk.deliveries.refused(pending.parts[0][1], reason)
            return
        for _, part in pending.parts:
            await self.desk.deliveries.undeliverable(part)

    async def _write(self, work: Callable[[], Awaitable[None]]) -> None:
        async with self.transaction():
            await work()

    async def _write_hard(self, work: Callable[[], Awaitable[None]]) -> None:
        """Write what must not be lost once Telegram acted on it (a delivery, a topic it
        opened), trying again while the database is busy."""
        for attempt in range(_RECORD_TRIES):
            try:
                await self._write(work)
                return
            except StoreError:
                if attempt == _RECORD_TRIES - 1:
                    raise
                await asyncio.sleep(0.25)

    async def _send(self, message: Outgoing, attempts: int) -> tuple[int, int | None]:
        timeout = min(_READ_TIMEOUT * 2**attempts, _READ_TIMEOUT_MAX)
        thread_id = message.thread_id
        if message.purpose is Purpose.LEAVE_CHAT:
            await self.bot.leave_chat(message.chat_id, read_timeout=timeout)
            return 0, None
        if message.purpose is Purpose.CLOSE_TOPIC and thread_id is not None:
            await self.bot.close_forum_topic(message.chat_id, thread_id, read_timeout=timeout)
            return 0, thread_id
        if message.topic and thread_id is None:
            topic = await self.bot.create_forum_topic(
                message.chat_id, message.topic, read_timeout=timeout
            )
            thread_id = topic.message_thread_id
            await self._write_hard(lambda: self.desk.deliveries.topic_opened(message, thread_id))
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
                reply_markup=markup_for_message(message) if last else None,
                read_timeout=timeout,
            )
            first_id = first_id or sent.message_id
        return first_id, thread_id


def _backoff(attempts: int, urgent: bool) -> timedelta:
    cap = _BACKOFF_URGENT if urgent else _BACKOFF
    return min(timedelta(seconds=0.5 * 2 ** min(attempts, 10)), cap)
