"""Drafts: a user's last question and a mayor's shared number, kept until a page needs them."""

from __future__ import annotations

from datetime import datetime

from bot.store.connection import Connection
from bot.store.rows import first, stamp


class Drafts:
    """The drafts table.

    "Ask a person" and "Piket inschakelen" come a moment after the question they are about;
    in memory that question would be gone after a restart, and the page would read
    "🚨 Crisis" instead of what is happening where.
    """

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def remember(self, user_id: int, question: str, now: datetime) -> None:
        """Keep the user's last question."""
        await self.db.execute(
            """INSERT INTO drafts (user_id, question, at) VALUES (?, ?, ?)
               ON CONFLICT (user_id)
               DO UPDATE SET question = excluded.question, at = excluded.at""",
            (user_id, question, stamp(now)),
        )

    async def question(self, user_id: int) -> str:
        """Return the user's last question ('' when none is kept)."""
        async with self.db.execute(
            "SELECT question FROM drafts WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return str(row[0] or "") if row else ""

    async def offer_page(self, user_id: int, now: datetime) -> int:
        """Mark the kept question as offered for a page; return the offer's number.

        The page button carries it: an old button, from a page long handled, finds no offer.
        """
        # Each offer a new number, also when the clock stands still: a used offer is kept
        # negated, so the next one still counts up from it.
        row = await first(
            self.db,
            """UPDATE drafts SET offer = max(?, abs(coalesce(offer, 0)) + 1)
               WHERE user_id = ? RETURNING offer""",
            (int(now.timestamp() * 1000), user_id),
        )
        return int(row[0]) if row else 0

    async def take_offer(self, user_id: int, offer: int) -> str | None:
        """Return the question of an open page offer and close the offer; None if not open."""
        row = await first(
            self.db,
            """UPDATE drafts SET offer = -offer WHERE user_id = ? AND offer = ?
               RETURNING question""",
            (user_id, offer),
        )
        return None if row is None else str(row[0] or "")

    async def keep_phone(self, user_id: int, phone: str, now: datetime) -> None:
        """Keep a mayor's own number for their next page."""
        await self.db.execute(
            """INSERT INTO drafts (user_id, phone, at) VALUES (?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, at = excluded.at""",
            (user_id, phone, stamp(now)),
        )

    async def has_phone(self, user_id: int) -> bool:
        """Tell whether a number is kept for the user."""
        async with self.db.execute(
            "SELECT 1 FROM drafts WHERE user_id = ? AND phone IS NOT NULL", (user_id,)
        ) as cursor:
            return await cursor.fetchone() is not None

    async def take_phone(self, user_id: int) -> str | None:
        """Return the kept number and forget it: it is for one page only."""
        async with self.db.execute(
            "SELECT phone FROM drafts WHERE user_id = ?", (user_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return None
        await self.db.execute("UPDATE drafts SET phone = NULL WHERE user_id = ?", (user_id,))
        return str(row[0])

    async def forget(self, user_id: int) -> None:
        """Erase what is kept for the user."""
        await self.db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    async def purge(self, before: datetime) -> int:
        """Erase drafts older than a moment: a question a day old asks for no page."""
        cursor = await self.db.execute("DELETE FROM drafts WHERE at < ?", (stamp(before),))
        return cursor.rowcount
