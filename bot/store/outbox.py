"""The outbox: messages written down before they are sent, retried until Telegram takes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.core.models import Button, Outgoing
from bot.store.rows import stamp


@dataclass(frozen=True)
class Pending:
    """An outbox row waiting to be sent."""

    id: int
    message: Outgoing
    attempts: int


class Outbox:
    """The outbox table."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def put(self, message: Outgoing, now: datetime) -> bool:
        """Queue a message; False when one with the same dedupe key was queued before."""
        payload = {
            "text": message.text,
            "buttons": [[b.label, b.action] for b in message.buttons],
            "thread_id": message.thread_id,
            "reply_to": message.reply_to,
            "topic": message.topic,
        }
        cursor = await self.db.execute(
            """INSERT OR IGNORE INTO outbox (dedupe_key, chat_id, payload, priority, purpose, ref,
                                             next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                message.dedupe_key,
                message.chat_id,
                json.dumps(payload, ensure_ascii=False),
                int(message.urgent),
                message.purpose,
                message.ref,
                stamp(now),
                stamp(now),
            ),
        )
        return cursor.rowcount > 0

    async def due(self, now: datetime, limit: int = 20) -> list[Pending]:
        """Return messages due for sending: urgent ones first, then oldest first."""
        async with self.db.execute(
            """SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL
               AND next_attempt_at <= ? ORDER BY priority DESC, id LIMIT ?""",
            (stamp(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [Pending(id=r["id"], message=_message(r), attempts=r["attempts"]) for r in rows]

    async def sent(self, row_id: int, message_id: int | None, now: datetime) -> None:
        """Mark a message delivered."""
        await self.db.execute(
            "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
            (stamp(now), message_id, row_id),
        )

    async def retry(self, row_id: int, at: datetime, error: str) -> None:
        """Try a message again later."""
        await self.db.execute(
            "UPDATE outbox SET next_attempt_at = ?, error = ?, attempts = attempts + 1"
            " WHERE id = ?",
            (stamp(at), error, row_id),
        )

    async def failed(self, row_id: int, error: str, now: datetime) -> None:
        """Give a message up for good (e.g. the user blocked the bot)."""
        await self.db.execute(
            "UPDATE outbox SET failed_at = ?, error = ?, attempts = attempts + 1 WHERE id = ?",
            (stamp(now), error, row_id),
        )

    async def backlog(self) -> int:
        """Return how many messages wait to be sent."""
        async with self.db.execute(
            "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def purge(self, before: datetime) -> int:
        """Delete messages sent or given up before a moment: their text is no longer needed."""
        cursor = await self.db.execute(
            "DELETE FROM outbox WHERE sent_at < ? OR failed_at < ?", (stamp(before), stamp(before))
        )
        return cursor.rowcount


def _message(row: aiosqlite.Row) -> Outgoing:
    payload = json.loads(row["payload"])
    return Outgoing(
        chat_id=row["chat_id"],
        text=payload["text"],
        dedupe_key=row["dedupe_key"],
        buttons=tuple(Button(label, action) for label, action in payload["buttons"]),
        thread_id=payload["thread_id"],
        reply_to=payload["reply_to"],
        topic=payload.get("topic"),
        urgent=bool(row["priority"]),
        purpose=row["purpose"],
        ref=row["ref"],
    )
