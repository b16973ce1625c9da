"""Anonymous notes for improving the FAQ: answer feedback and unanswered questions."""

from __future__ import annotations

from datetime import datetime

from bot.store.connection import Connection
from bot.store.rows import moment, once, stamp


class Notes:
    """The feedback and unanswered tables; neither holds who wrote it."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def feedback(self, entry_id: str, helpful: bool, now: datetime) -> None:
        """Keep a 👍 or 👎 on an answer."""
        await self.db.execute(
            "INSERT INTO feedback (entry_id, helpful, created_at) VALUES (?, ?, ?)",
            (entry_id, int(helpful), stamp(now)),
        )

    async def vote(self, user_id: int, message_id: int, now: datetime) -> bool:
        """Record that a user gave feedback on one answer; False when they did before.

        Kept apart from the feedback itself, which stays anonymous; /verwijderen erases it.
        """
        return await once(self.db, f"vote:{user_id}:{message_id}", now)

    async def purge_votes(self, before: datetime) -> int:
        """Erase feedback marks older than a moment: nobody presses a button that old."""
        cursor = await self.db.execute(
            "DELETE FROM alerts WHERE key LIKE 'vote:%' AND at < ?", (stamp(before),)
        )
        return cursor.rowcount

    async def unanswered(self, text: str, route: str, now: datetime) -> None:
        """Keep a question the FAQ could not answer."""
        await self.db.execute(
            "INSERT INTO unanswered (text, route, created_at) VALUES (?, ?, ?)",
            (text, route, stamp(now)),
        )

    async def purge_unanswered(self, before: datetime) -> int:
        """Delete unanswered questions older than a moment; return how many."""
        cursor = await self.db.execute(
            "DELETE FROM unanswered WHERE created_at < ?", (stamp(before),)
        )
        return cursor.rowcount

    async def unanswered_since(self, since: datetime) -> list[tuple[datetime, str, str]]:
        """Return (when, route, text) of unanswered questions since a moment, oldest first."""
        async with self.db.execute(
            "SELECT created_at, route, text FROM unanswered WHERE created_at >= ? ORDER BY id",
            (stamp(since),),
        ) as cursor:
            return [(moment(r[0]), r[1], r[2]) for r in await cursor.fetchall()]

    async def feedback_counts(self) -> dict[str, tuple[int, int]]:
        """Return per entry (helpful, not helpful) counts."""
        async with self.db.execute(
            "SELECT entry_id, sum(helpful), sum(1 - helpful) FROM feedback GROUP BY entry_id"
        ) as cursor:
            return {r[0]: (int(r[1]), int(r[2])) for r in await cursor.fetchall()}
