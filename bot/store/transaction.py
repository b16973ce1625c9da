"""One write transaction at a time on the shared connection; the task holding it may nest."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiosqlite

from bot.errors import StoreBusy, StoreError

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[object]]


class Transactions:
    """Open write transactions on one connection, one at a time.

    Every write goes through here: on a shared connection an autocommit statement from another
    coroutine would otherwise land inside an open transaction, and commit or roll back with
    work that is not its own. Nesting joins the outer transaction of the same task, so a
    repository that needs atomicity can ask for it whether or not its caller already did.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None
        self._after: list[AfterCommit] = []

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[None]:
        """Run the block in a transaction: committed at the end, rolled back on an error."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield
            return
        async with self._lock:
            try:
                await self._begin()
            except BaseException:
                await self._abandon()  # cancelled: the BEGIN may still run
                raise
            self._owner, self._after = task, []
            try:
                yield
            except BaseException:
                self._owner, self._after = None, []
                await self._abandon()
                raise
            self._owner, after, self._after = None, self._after, []
            try:
                await asyncio.shield(self.db.commit())
            except sqlite3.Error as exc:
                await self._abandon()
                raise translate(exc) from exc
        for action in after:
            await _quietly(action)

    def on_commit(self, action: AfterCommit) -> None:
        """Run `action` once the current transaction has committed (dropped on a rollback).

        For what must not happen inside one: a call to Telegram would hold every writer up
        for as long as Telegram takes to answer.
        """
        if not self.held:
            raise RuntimeError("on_commit outside a transaction")
        self._after.append(action)

    @asynccontextmanager
    async def settled(self) -> AsyncIterator[None]:
        """Read what is committed: no other task's transaction is open during the block.

        Reads on the shared connection see another task's uncommitted writes; the courier
        must not send a reply whose transaction may still roll back.
        """
        if self.held:
            yield
            return
        async with self._lock:
            yield

    @property
    def held(self) -> bool:
        """Tell whether the current task is inside a transaction."""
        task = asyncio.current_task()
        return task is not None and task is self._owner

    async def _begin(self) -> None:
        try:
            await self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise translate(exc) from exc

    async def _abandon(self) -> None:
        """Roll back what was begun, even when the task is being cancelled.

        The connection is shared and runs its statements in order: a BEGIN or COMMIT whose
        caller was cancelled still runs, and the next transaction must not find it open.
        Rolling back when nothing is open does nothing.
        """
        await asyncio.shield(self.db.rollback())


def translate(exc: sqlite3.Error) -> StoreError:
    """Map an sqlite3 error to the project's tree: busy (try again soon) or broken."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return StoreBusy(f"the database is busy: {exc}")
    return StoreError(f"the database failed: {exc}")


async def _quietly(action: AfterCommit) -> None:
    """Run an after-commit action; its failure is logged, the committed work stands."""
    try:
        await action()
    except Exception:
        log.warning("an action after commit failed", exc_info=True)
