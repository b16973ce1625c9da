"""Telegram update ids already handled, so a restart never handles one twice."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.store.rows import stamp


class SeenUpdates:
    """The seen_updates table.

    Telegram hands out an update again until the next poll confirms it; a process killed in
    between would otherwise answer, page or relay the same message twice after its restart.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def seen(self, update_id: int) -> bool:
        """Tell whether this update was handled before."""
        async with self.db.execute(
            "SELECT 1 FROM seen_updates WHERE update_id = ?", (update_id,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def mark(self, update_id: int, now: datetime) -> None:
        """Remember that this update has been handled."""
        await self.db.execute(
            "INSERT OR IGNORE INTO seen_updates (update_id, at) VALUES (?, ?)",
            (update_id, stamp(now)),
        )

    async def forget_before(self, cutoff: datetime) -> int:
        """Drop ids older than the cutoff (Telegram keeps updates for a day at most)."""
        cursor = await self.db.execute("DELETE FROM seen_updates WHERE at < ?", (stamp(cutoff),))
        return cursor.rowcount
