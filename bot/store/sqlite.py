"""The store: one SQLite connection with its repositories."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from bot.store.attempts import Attempts
from bot.store.connection import Connection
from bot.store.database import open_database
from bot.store.drafts import Drafts
from bot.store.escalations import Escalations
from bot.store.inbox import Inbox
from bot.store.notes import Notes
from bot.store.outbox import Outbox
from bot.store.paging import PagingRecords
from bot.store.roster import Shifts
from bot.store.tickets import Tickets
from bot.store.transaction import Transactions
from bot.store.users import Invites, Users


class Store:
    """Repositories over one connection; open with `await Store.open(path)`."""

    def __init__(self, raw: aiosqlite.Connection) -> None:
        self._raw = raw
        # Every write runs inside one: see Transactions; the connection refuses others.
        self.transaction = Transactions(raw)
        self.db = db = Connection(raw, self.transaction)
        self.users = Users(db)
        self.invites = Invites(db)
        self.tickets = Tickets(db)
        self.notes = Notes(db)
        self.outbox = Outbox(db)
        self.inbox = Inbox(db)
        self.drafts = Drafts(db)
        self.attempts = Attempts(db)
        self.shifts = Shifts(db, self.transaction)
        self.escalations = Escalations(db, self.outbox, self.transaction)
        self.paging = PagingRecords(
            db=db,
            escalations=self.escalations,
            shifts=self.shifts,
            users=self.users,
            outbox=self.outbox,
        )

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open and migrate the database at `path` (":memory:" for a throwaway one)."""
        return cls(await open_database(path))

    async def close(self) -> None:
        """Close the connection."""
        await self._raw.close()
