"""The inbox: every update kept before Telegram is told it arrived, until it has been handled."""

from __future__ import annotations

from datetime import datetime

from bot.store.connection import Connection
from bot.store.rows import first, stamp


class Inbox:
    """The inbox table.

    Telegram forgets an update once the next poll confirms it (or the webhook answered 200),
    which python-telegram-bot does before any handler runs; a process killed in between
    would lose it. Kept here first, an update is handled after a restart instead, and one
    Telegram sends again is recognised and handled once.
    """

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def keep(self, update_id: int, payload: str, now: datetime) -> None:
        """Keep an update that has just arrived (again: nothing changes)."""
        await self.db.execute(
            "INSERT OR IGNORE INTO inbox (update_id, payload, received_at) VALUES (?, ?, ?)",
            (update_id, payload, stamp(now)),
        )

    async def handled(self, update_id: int) -> bool:
        """Tell whether this update was handled before."""
        sql = "SELECT 1 FROM inbox WHERE update_id = ? AND handled_at IS NOT NULL"
        return await first(self.db, sql, (update_id,)) is not None

    async def mark(self, update_id: int, now: datetime) -> None:
        """Record that an update has been handled; its text is no longer kept here."""
        await self.db.execute(
            """INSERT INTO inbox (update_id, received_at, handled_at) VALUES (?, ?, ?)
               ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at,
               payload = NULL""",
            (update_id, stamp(now), stamp(now)),
        )

    async def pending(self, limit: int = 500) -> list[tuple[int, str]]:
        """Return (id, payload) of updates kept but not handled, oldest first."""
        async with self.db.execute(
            "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL AND payload IS NOT NULL"
            " ORDER BY update_id LIMIT ?",
            (limit,),
        ) as cursor:
            return [(int(r[0]), str(r[1])) for r in await cursor.fetchall()]

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop handled ids older than the cutoff (Telegram keeps updates for a day at most)."""
        cursor = await self.db.execute(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", (stamp(cutoff),)
        )
        return cursor.rowcount
