"""Helpdesk tickets and the messages relayed in them."""

from __future__ import annotations

from datetime import datetime

from bot.core.models import Ticket
from bot.store.connection import Connection
from bot.store.rows import first, stamp, ticket


class Tickets:
    """The tickets and ticket_messages tables."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        question: str,
        language: str,
        urgent: bool,
        now: datetime,
    ) -> Ticket:
        """Open a ticket."""
        cursor = await self.db.execute(
            "INSERT INTO tickets (user_id, chat_id, question, language, urgent, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (user_id, chat_id, question, language, int(urgent), stamp(now)),
        )
        row = await cursor.fetchone()
        await cursor.close()
        assert row is not None
        return ticket(row)

    async def get(self, ticket_id: int) -> Ticket | None:
        """Return a ticket by id."""
        return await self._one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))

    async def open_for(self, user_id: int) -> Ticket | None:
        """Return the user's open ticket, if any (the newest)."""
        return await self._one(
            "SELECT * FROM tickets WHERE user_id = ? AND status = 'open' ORDER BY id DESC",
            (user_id,),
        )

    async def by_thread(self, thread_id: int) -> Ticket | None:
        """Return the ticket whose forum topic this is."""
        return await self._one("SELECT * FROM tickets WHERE thread_id = ?", (thread_id,))

    async def by_group_message(self, message_id: int) -> Ticket | None:
        """Return the ticket a message in the agents' group belongs to."""
        return await self._one(
            """SELECT * FROM tickets WHERE group_message_id = ?
               UNION SELECT t.* FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id
               WHERE m.group_message_id = ?""",
            (message_id, message_id),
        )

    async def claim(self, ticket_id: int, agent_id: int, agent_name: str, now: datetime) -> bool:
        """Claim an open ticket for an agent; False when someone else was first."""
        cursor = await self.db.execute(
            """UPDATE tickets SET agent_id = ?, agent_name = ?, claimed_at = ?
               WHERE id = ? AND agent_id IS NULL AND status = 'open'""",
            (agent_id, agent_name, stamp(now), ticket_id),
        )
        return cursor.rowcount > 0

    async def close(self, ticket_id: int, now: datetime) -> bool:
        """Close an open ticket; False when it was closed already."""
        cursor = await self.db.execute(
            "UPDATE tickets SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'",
            (stamp(now), ticket_id),
        )
        return cursor.rowcount > 0

    async def posted(self, ticket_id: int, message_id: int, thread_id: int | None) -> None:
        """Record where the ticket was posted in the agents' group."""
        await self.db.execute(
            "UPDATE tickets SET group_message_id = ?, thread_id = coalesce(?, thread_id)"
            " WHERE id = ?",
            (message_id, thread_id, ticket_id),
        )

    async def set_thread(self, ticket_id: int, thread_id: int) -> None:
        """Record the forum topic made for a ticket."""
        await self.db.execute(
            "UPDATE tickets SET thread_id = ? WHERE id = ?", (thread_id, ticket_id)
        )

    async def add_message(self, ticket_id: int, sender: str, text: str, now: datetime) -> int:
        """Keep a message of the conversation; return its id."""
        cursor = await self.db.execute(
            "INSERT INTO ticket_messages (ticket_id, sender, text, created_at) VALUES (?, ?, ?, ?)",
            (ticket_id, sender, text, stamp(now)),
        )
        return int(cursor.lastrowid or 0)

    async def message_posted(self, message_row: int, group_message_id: int) -> None:
        """Record where a user's message landed in the agents' group."""
        await self.db.execute(
            "UPDATE ticket_messages SET group_message_id = ? WHERE id = ?",
            (group_message_id, message_row),
        )

    async def of_user(self, user_id: int) -> list[Ticket]:
        """Return all of a user's tickets, newest first."""
        async with self.db.execute(
            "SELECT * FROM tickets WHERE user_id = ? ORDER BY id DESC", (user_id,)
        ) as cursor:
            return [ticket(r) for r in await cursor.fetchall()]

    async def purge_closed(self, before: datetime) -> int:
        """Delete tickets closed before a moment; return how many."""
        cursor = await self.db.execute(
            "DELETE FROM tickets WHERE status = 'closed' AND closed_at < ?", (stamp(before),)
        )
        return cursor.rowcount

    async def _one(self, sql: str, args: tuple[object, ...]) -> Ticket | None:
        row = await first(self.db, sql, args)
        return ticket(row) if row else None
