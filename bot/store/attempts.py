"""Attempts counted for the limits per user: who, what and when, kept for a day."""

from __future__ import annotations

from datetime import datetime

from bot.store.connection import Connection
from bot.store.rows import first, stamp


class Attempts:
    """The attempts table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def count(self, user_id: int, kind: str, since: datetime) -> int:
        """Return how many attempts of a kind a user made since a moment."""
        async with self.db.execute(
            "SELECT count(*) FROM attempts WHERE user_id = ? AND kind = ? AND at >= ?",
            (user_id, kind, stamp(since)),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def add(self, user_id: int, kind: str, now: datetime) -> None:
        """Count one attempt."""
        await self.db.execute(
            "INSERT INTO attempts (user_id, kind, at) VALUES (?, ?, ?)",
            (user_id, kind, stamp(now)),
        )

    async def add_and_count(self, user_id: int, kind: str, now: datetime, since: datetime) -> int:
        """Count one attempt and return how many the user made since a moment, this one too.

        One statement, one trip to the database thread: it runs for every message.
        """
        row = await first(
            self.db,
            """INSERT INTO attempts (user_id, kind, at) VALUES (?, ?, ?)
               RETURNING (SELECT count(*) FROM attempts
                          WHERE user_id = ? AND kind = ? AND at >= ?)""",
            (user_id, kind, stamp(now), user_id, kind, stamp(since)),
        )
        return int(row[0]) if row else 0

    async def purge(self, before: datetime) -> int:
        """Erase attempts older than a moment: no window is longer than an hour."""
        cursor = await self.db.execute("DELETE FROM attempts WHERE at < ?", (stamp(before),))
        return cursor.rowcount
