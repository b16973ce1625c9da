"""The duty roster: shifts of duty officers, backups and coordinators."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.roster import Shift
from bot.store.connection import Connection
from bot.store.rows import moment, stamp
from bot.store.transaction import Transactions


class Shifts:
    """The shifts table."""

    def __init__(self, db: Connection, transaction: Transactions) -> None:
        self.db = db
        self.transaction = transaction

    async def add(self, shift: Shift) -> int:
        """Add a shift; return its id."""
        cursor = await self.db.execute(
            "INSERT INTO shifts (user_id, level, starts_at, ends_at) VALUES (?, ?, ?, ?)",
            (shift.user_id, shift.level, stamp(shift.start), stamp(shift.end)),
        )
        return int(cursor.lastrowid or 0)

    async def add_all(self, shifts: Iterable[Shift], shortened: Iterable[Shift] = ()) -> int:
        """Add shifts (and end others earlier, for a hand-over) all together or not at all;
        return how many were added."""
        rows = [(s.user_id, s.level, stamp(s.start), stamp(s.end)) for s in shifts]
        ends = [(stamp(s.end), s.id) for s in shortened if s.id is not None]
        async with self.transaction():
            await self.db.executemany("UPDATE shifts SET ends_at = ? WHERE id = ?", ends)
            await self.db.executemany(
                "INSERT INTO shifts (user_id, level, starts_at, ends_at) VALUES (?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    async def remove(self, shift_id: int) -> bool:
        """Remove a shift; False if there was none with that id."""
        cursor = await self.db.execute("DELETE FROM shifts WHERE id = ?", (shift_id,))
        return cursor.rowcount > 0

    async def end_all(self, user_id: int, now: datetime) -> int:
        """End a user's shifts now: the one under way stops, later ones go. Return how many."""
        async with self.transaction():
            cursor = await self.db.execute(
                "DELETE FROM shifts WHERE user_id = ? AND starts_at >= ?", (user_id, stamp(now))
            )
            gone = cursor.rowcount
            cursor = await self.db.execute(
                "UPDATE shifts SET ends_at = ? WHERE user_id = ? AND ends_at > ?",
                (stamp(now), user_id, stamp(now)),
            )
        return gone + cursor.rowcount

    async def between(self, start: datetime, end: datetime) -> list[Shift]:
        """Return the shifts that overlap [start, end), by start time."""
        async with self.db.execute(
            "SELECT * FROM shifts WHERE ends_at > ? AND starts_at < ? ORDER BY starts_at, level",
            (stamp(start), stamp(end)),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Shift(
                id=r["id"],
                user_id=r["user_id"],
                level=r["level"],
                start=moment(r["starts_at"]),
                end=moment(r["ends_at"]),
            )
            for r in rows
        ]
