"""The connection repositories use: a write only inside a transaction, sqlite's errors as ours.

The shared aiosqlite connection autocommits; a write outside `store.transaction()` would
commit on its own, or land inside another task's transaction and roll back with it. Every
repository gets this connection instead, so such a write fails at once, in tests too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Generator, Iterable
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from bot.store.transaction import Transactions, translate

# Statements that change the database (a WITH … INSERT is not used here).
_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE"})
# Faults of the database itself (busy, locked, full, an I/O error, a damaged file): the
# project's StoreError, and the update is tried again later. A broken constraint or a misuse
# of the driver (IntegrityError, ProgrammingError: subclasses of DatabaseError, hence the
# exact types) is a bug that would fail again: it stays as it is, and the user gets an
# apology instead of an endless retry. sqlite reports a syntax error or a missing table as
# an OperationalError, so those count as faults here, as they did before this connection.
_FAULTS = (sqlite3.OperationalError, sqlite3.DatabaseError)
_T = TypeVar("_T")


class Connection:
    """The database as repositories see it: statements, guarded and translated."""

    def __init__(self, db: aiosqlite.Connection, transactions: Transactions) -> None:
        self._db = db
        self._transactions = transactions

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Statement:
        """Run one statement; await it for its cursor, or use it with `async with`."""
        self._guard(sql)
        return Statement(self._db.execute(sql, tuple(parameters)))

    async def execute_fetchall(
        self, sql: str, parameters: Iterable[Any] = ()
    ) -> Iterable[sqlite3.Row]:
        """Run one statement and return all its rows, in one trip to the database's thread."""
        self._guard(sql)
        return await _translated(self._db.execute_fetchall(sql, tuple(parameters)))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> aiosqlite.Cursor:
        """Run one statement for each row of parameters."""
        self._guard(sql)
        return await Statement(self._db.executemany(sql, rows))

    def _guard(self, sql: str) -> None:
        verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
        if verb in _WRITES and not self._transactions.held:
            raise RuntimeError(f"a write outside a transaction: {' '.join(sql.split())[:80]}")


class Statement:
    """A statement on its way: awaited it gives the cursor, as a context it closes it."""

    def __init__(self, running: Awaitable[aiosqlite.Cursor]) -> None:
        self._running = running
        self._cursor: aiosqlite.Cursor | None = None

    def __await__(self) -> Generator[Any, None, aiosqlite.Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> aiosqlite.Cursor:
        self._cursor = await self._run()
        return self._cursor

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._cursor is not None:
            await self._cursor.close()

    async def _run(self) -> aiosqlite.Cursor:
        return await _translated(self._running)


async def _translated(running: Awaitable[_T]) -> _T:
    """Await a statement; a fault of the database comes out as the project's StoreError."""
    try:
        return await running
    except _FAULTS as exc:
        if type(exc) not in _FAULTS:
            raise  # a bug (a broken constraint, a misused driver), not a database fault
        raise translate(exc) from exc
