"""Converting between SQLite rows and core values: times as UTC ISO-8601 text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.core.models import Member, Role, Ticket
from bot.store.connection import Connection


async def first(db: Connection, sql: str, args: Sequence[Any] = ()) -> Any:
    """Return the first row a query finds, or None, in one trip to the database's thread.

    `async with db.execute()` and `fetchone()` take three trips (execute, fetch, close); on
    the path of every message they add up (a third of a millisecond each time).
    """
    rows = await db.execute_fetchall(sql, args)
    return next(iter(rows), None)


async def once(db: Connection, key: str, now: datetime) -> bool:
    """Record a key in the alerts table; False when it was recorded before (a once-a-day
    alert, a rating already given)."""
    cursor = await db.execute(
        "INSERT OR IGNORE INTO alerts (key, at) VALUES (?, ?)", (key, stamp(now))
    )
    return cursor.rowcount > 0


def stamp(moment: datetime) -> str:
    """Return a timezone-aware moment as sortable UTC text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def moment(text: str) -> datetime:
    """Parse a stamp back into an aware datetime."""
    return datetime.fromisoformat(text)


def member(row: aiosqlite.Row) -> Member:
    """Build a Member from a users row."""
    return Member(
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        role=Role(row["role"]),
        municipality=row["municipality"],
        name=row["name"],
        username=row["username"],
        language=row["language"],
    )


def ticket(row: aiosqlite.Row) -> Ticket:
    """Build a Ticket from a tickets row."""
    return Ticket(
        id=row["id"],
        user_id=row["user_id"],
        chat_id=row["chat_id"],
        question=row["question"],
        language=row["language"],
        urgent=bool(row["urgent"]),
        status=row["status"],
        created_at=moment(row["created_at"]),
        agent_id=row["agent_id"],
        agent_name=row["agent_name"],
        group_message_id=row["group_message_id"],
        thread_id=row["thread_id"],
    )
