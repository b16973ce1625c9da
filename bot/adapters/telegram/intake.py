"""The way in: each update kept before Telegram is told it arrived, handled in one transaction."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core.actions import Page, decode
from bot.core.models import Outgoing
from bot.core.ports import Clock
from bot.core.texts import Texts, language_of
from bot.errors import StoreError
from bot.store.spool import Spool
from bot.store.sqlite import Store

from .render import chunks

log = logging.getLogger(__name__)

_KEEP_BACKOFF_MAX = 2.0
# Handling on a failing database is tried this often, waiting 0.5, 1, 2, 4, 4 s between.
_RETRIES = 6
_RETRY_FIRST = 0.5
_RETRY_MAX = 4.0
_TOLD_KEPT = 1000  # update ids whose sender was told of a fault, so it is said once


class _HandlerFailed(Exception):
    """A handler raised: what it wrote is rolled back."""


class _StoreFailed(Exception):
    """The database failed under a handler: rolled back, and tried again later."""


class Intake:
    """Keeps, handles and replays updates.

    python-telegram-bot tells Telegram an update arrived (the next getUpdates offset, or the
    webhook's 200) as soon as it is queued, before a handler runs. Kept in the inbox first,
    an update survives a crash and is handled after the restart. Handling runs in one
    transaction with the record that it was handled: a crash or a failing handler leaves
    no half-done work (a ticket nobody will see), and nothing is done twice.
    """

    def __init__(
        self,
        *,
        bot: Bot,
        store: Store,
        clock: Clock,
        texts: Texts,
        ngb_phone: str,
        after: Callable[[], None],
        spool: Spool,
        process: Callable[[Update], Awaitable[Any]],
    ) -> None:
        self.bot = bot
        self.process = process  # runs an update's handlers (the Application's process_update)
        self.store = store
        self.spool = spool
        self.clock = clock
        self.texts = texts
        self.ngb_phone = ngb_phone
        self.after = after
        self._queued: set[int] = set()
        self._failed: set[int] = set()
        self._store_failed: set[int] = set()
        self._told: OrderedDict[int, None] = OrderedDict()

    async def keep(self, update: Update) -> None:
        """Write an update down before Telegram is told it came: in the inbox, else the spool."""
        # ASCII: a lone surrogate in a text would stop the database taking the row.
        payload = json.dumps(update.to_dict())
        delay = 0.1
        while True:
            # Nothing may escape from here: it would stop python-telegram-bot's polling.
            try:
                async with self.store.transaction():
                    await self.store.inbox.keep(update.update_id, payload, self.clock.now())
                break
            except Exception as exc:  # busy, full, broken: the spool takes it
                log.warning("update %d goes to the spool: %r", update.update_id, exc)
            try:
                self.spool.append(update.update_id, payload)
                await self._tell_busy(update)
                break
            except Exception as exc:  # not even a file can be written: Telegram keeps it
                log.error("cannot keep update %d anywhere yet: %s", update.update_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _KEEP_BACKOFF_MAX)
        self._queued.add(update.update_id)

    async def handle(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handlers of one update in a transaction; on a database fault, again.

        Retried in place, under the chat's lock, so the chat's later messages wait behind
        it (a follow-up is never handled before the question that opened the ticket). A
        fault that lasts is left to the replay, with the update kept in the inbox.
        """
        if not isinstance(update, Update):
            await coroutine
            return
        number = update.update_id
        try:
            for attempt in range(_RETRIES):
                if attempt:
                    await asyncio.sleep(min(_RETRY_FIRST * 2 ** (attempt - 1), _RETRY_MAX))
                    coroutine = self.process(update)
                if await self._run(update, coroutine):
                    break
            else:
                log.warning("update %d left for the replay: the database keeps failing", number)
        finally:
            self._queued.discard(number)
        self.after()

    async def _run(self, update: Update, coroutine: Awaitable[Any]) -> bool:
        """One run of the handlers; False when the database failed and nothing was done."""
        number = update.update_id
        try:
            async with self.store.transaction():
                await coroutine
                if number in self._store_failed:
                    raise _StoreFailed
                if number in self._failed:
                    raise _HandlerFailed
        except _HandlerFailed:
            await self._give_up(update)
        except (StoreError, _StoreFailed) as exc:
            _close(coroutine)
            log.warning("update %d not handled yet (%r)", number, exc)
            await self._tell_busy(update)
            return False
        finally:
            self._failed.discard(number)
            self._store_failed.discard(number)
        return True

    def failed(self, update: object, error: BaseException | None) -> None:
        """Note that a handler raised on this update (called by the error handler).

        A failing database (locked, full, an I/O error) is no fault of the update: it is
        tried again later. Anything else, a constraint broken by a bug too, would fail
        again, and is answered with an apology instead.
        """
        if not isinstance(update, Update):
            return
        if isinstance(error, StoreError | sqlite3.OperationalError):
            self._store_failed.add(update.update_id)
        else:
            self._failed.add(update.update_id)

    async def replay(self, queue: asyncio.Queue[object]) -> int:
        """Queue again what was kept but not handled (after a restart, a busy database)."""
        try:
            await self._unspool()
        except StoreError as exc:
            log.info("the spool waits for the database: %s", exc)
            return 0
        replayed = 0
        async with self.store.transaction.settled():
            pending = await self.store.inbox.pending()
        for number, payload in pending:
            if number in self._queued:
                continue
            try:
                update = Update.de_json(json.loads(payload), self.bot)
            except Exception:  # unreadable: one bad row must not hold up the rest
                log.exception("kept update %d cannot be read; set aside", number)
                async with self.store.transaction():
                    await self.store.inbox.mark(number, self.clock.now())
                continue
            self._queued.add(number)
            await queue.put(update)
            replayed += 1
        if replayed:
            log.info("handling %d kept update(s) again", replayed)
        return replayed

    async def _unspool(self) -> None:
        """Move spooled updates into the inbox, now that the database takes writes again."""
        spooled = self.spool.read()
        if not spooled:
            return
        async with self.store.transaction():
            for number, payload in spooled:
                await self.store.inbox.keep(number, payload, self.clock.now())
        self.spool.clear()
        log.info("%d spooled update(s) moved to the inbox", len(spooled))

    async def _give_up(self, update: Update) -> None:
        """A handler failed: record the update as handled, with one apology and no changes."""
        apology = self._apology(update)
        try:
            async with self.store.transaction():
                await self.store.inbox.mark(update.update_id, self.clock.now())
                if apology is not None:
                    await self.store.outbox.put(apology, self.clock.now())
        except StoreError:
            log.exception("could not record the failed update %d", update.update_id)
            if apology is not None and self._first_time(update.update_id):
                await self._say(apology.chat_id, apology.text)
        if update.callback_query is not None:  # else its button keeps spinning
            try:
                await update.callback_query.answer()
            except TelegramError:
                log.info("could not answer the failed button press %d", update.update_id)

    def _apology(self, update: Update) -> Outgoing | None:
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return None
        lang = _language(update)
        query = update.callback_query
        pressed = decode(query.data or "") if query is not None else None
        key = "apology_page" if isinstance(pressed, Page) else "apology"
        return Outgoing(
            chat_id=chat.id,
            text=self.texts.get(key, lang, ngb_phone=self.ngb_phone),
            dedupe_key=f"apology:{update.update_id}",
            urgent=True,
        )

    async def _tell_busy(self, update: Update) -> None:
        """Say once, straight to the sender, that their message waits for the database."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        if not self._first_time(update.update_id):
            return
        lang = _language(update)
        await self._say(chat.id, self.texts.get("busy", lang, ngb_phone=self.ngb_phone))

    def _first_time(self, number: int) -> bool:
        """Tell whether the sender of this update has not yet been told of a fault."""
        if number in self._told:
            return False
        self._told[number] = None
        while len(self._told) > _TOLD_KEPT:
            self._told.popitem(last=False)
        return True

    async def _say(self, chat_id: int, text: str) -> None:
        """Send directly, best effort: the outbox is in the database that just failed."""
        try:
            await self.bot.send_message(chat_id, chunks(text)[0], read_timeout=3)
        except TelegramError as exc:
            log.warning("could not tell chat %s of the fault: %s", chat_id, exc)


class DurableQueue(asyncio.Queue[object]):
    """The Application's update queue: an update is kept in the inbox before it is queued.

    The poller confirms an update to Telegram only once `put` has returned (the webhook
    answers 200 only then), so what Telegram forgets is always in the database.
    """

    def __init__(self) -> None:
        super().__init__()
        self.intake: Intake | None = None

    async def put(self, item: object) -> None:
        """Keep an update, then queue it."""
        if isinstance(item, Update) and self.intake is not None:
            await self.intake.keep(item)
        await super().put(item)


def _language(update: Update) -> str:
    """The language to answer the sender of an update in."""
    user = update.effective_user
    return language_of(user.language_code if user else None)


def _close(coroutine: Awaitable[Any]) -> None:
    """Close a handler coroutine that never ran (a transaction could not begin)."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()
