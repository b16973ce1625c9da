"""The outbox: messages written down before they are sent, retried until Telegram takes them."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import aiosqlite

from bot.core.actions import decode, encode
from bot.core.models import Button, Outgoing, Purpose
from bot.core.text import units
from bot.store.connection import Connection
from bot.store.rows import stamp

log = logging.getLogger(__name__)

# next_attempt_at of a message to send at once: sorts before every stamp, so it is due
# whatever clock compares (tests run the desk on a fixed date and the courier on real time).
_AT_ONCE = ""
# Queued messages of one batch are joined into one, up to this many and while the whole
# fits in one Telegram message (4,096 UTF-16 units; room left for numbers made dialable):
# a batch split in parts would be sent again whole if a later part failed.
_BATCH_MAX = 20
_BATCH_UNITS = 3900

_PENDING = "sent_at IS NULL AND failed_at IS NULL"
# A chat's queue: urgent messages first, then in the order they were queued.
_LANE_ORDER = "priority DESC, id"


@dataclass(frozen=True)
class Pending:
    """The next message of a chat: one outbox row, or a batch of rows sent as one message."""

    id: int
    attempts: int
    parts: tuple[tuple[int, Outgoing], ...]

    @property
    def ids(self) -> tuple[int, ...]:
        """Every row this message stands for."""
        return tuple(i for i, _ in self.parts)

    @property
    def message(self) -> Outgoing:
        """The message to send: the texts of a batch joined, the last one's buttons."""
        first, last = self.parts[0][1], self.parts[-1][1]
        if len(self.parts) == 1:
            return first
        return replace(
            first,
            text="\n\n".join(m.text for _, m in self.parts),
            buttons=last.buttons,
            keyboard=last.keyboard or first.keyboard,
        )


class Outbox:
    """The outbox table, one queue (lane) per chat."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def put(self, message: Outgoing, now: datetime) -> bool:
        """Queue a message; False when one with the same dedupe key was queued before."""
        cursor = await self.db.execute(
            """INSERT OR IGNORE INTO outbox (dedupe_key, chat_id, payload, priority, purpose, ref,
                                             batch, origin, next_attempt_at, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                message.dedupe_key,
                message.chat_id,
                json.dumps(_payload(message), ensure_ascii=False),
                int(message.urgent),
                message.purpose.value,
                message.ref,
                message.batch,
                message.origin,
                _AT_ONCE,
                stamp(now),
            ),
        )
        return cursor.rowcount > 0

    async def lanes(self, now: datetime, busy: Collection[int]) -> list[tuple[int, bool]]:
        """Return (chat, urgent) for chats whose next message is due, urgent ones first.

        A chat whose next message waits for a retry sends nothing else meanwhile: that keeps
        each chat's messages in order (a page before the relays that follow it).
        """
        # Each chat's head found through the lane index: cheap with thousands queued.
        async with self.db.execute(
            f"""SELECT head.chat_id, head.priority
                FROM (SELECT DISTINCT chat_id FROM outbox WHERE {_PENDING}) AS lane
                JOIN outbox AS head ON head.id = (
                    SELECT id FROM outbox WHERE chat_id = lane.chat_id AND {_PENDING}
                    ORDER BY {_LANE_ORDER} LIMIT 1)
                WHERE head.next_attempt_at <= ? ORDER BY head.priority DESC, head.id""",
            (stamp(now),),
        ) as cursor:
            rows = await cursor.fetchall()
        return [(int(r[0]), bool(r[1])) for r in rows if int(r[0]) not in busy]

    async def due(self, now: datetime, limit: int = 100) -> list[Pending]:
        """Return every due message, urgent first, each on its own (for the console)."""
        async with self.db.execute(
            f"SELECT * FROM outbox WHERE {_PENDING} AND next_attempt_at <= ?"
            f" ORDER BY {_LANE_ORDER} LIMIT ?",
            (stamp(now), limit),
        ) as cursor:
            return [_pending(r) for r in await cursor.fetchall()]

    async def next_in(self, chat_id: int, now: datetime) -> Pending | None:
        """Return a chat's next message if it is due, joined with the rows batched behind it."""
        async with self.db.execute(
            f"SELECT * FROM outbox WHERE chat_id = ? AND {_PENDING} ORDER BY {_LANE_ORDER} LIMIT ?",
            (chat_id, _BATCH_MAX),
        ) as cursor:
            rows = list(await cursor.fetchall())
        if not rows or rows[0]["next_attempt_at"] > stamp(now):
            return None
        head = rows[0]
        parts = [(int(head["id"]), _message(head))]
        size = units(parts[0][1].text)
        for row in rows[1:] if head["batch"] is not None else []:
            if row["batch"] != head["batch"]:
                break
            part = _message(row)
            size += units(part.text) + 2
            if size > _BATCH_UNITS:
                break
            parts.append((int(row["id"]), part))
        return Pending(id=head["id"], attempts=head["attempts"], parts=tuple(parts))

    async def sent(self, ids: Collection[int], message_id: int | None, now: datetime) -> None:
        """Mark messages delivered."""
        await self.db.executemany(
            "UPDATE outbox SET sent_at = ?, message_id = ?, attempts = attempts + 1 WHERE id = ?",
            [(stamp(now), message_id, i) for i in ids],
        )

    async def retry(self, row_id: int, at: datetime, error: str) -> None:
        """Try a message again later."""
        await self.db.execute(
            "UPDATE outbox SET next_attempt_at = ?, error = ?, attempts = attempts + 1"
            " WHERE id = ?",
            (stamp(at), error, row_id),
        )

    async def failed(self, ids: Collection[int], error: str, now: datetime) -> None:
        """Give messages up for good (the user blocked the bot, Telegram refused them)."""
        await self.db.executemany(
            "UPDATE outbox SET failed_at = ?, error = ?, attempts = attempts + 1 WHERE id = ?",
            [(stamp(now), error, i) for i in ids],
        )

    async def backlog(self) -> int:
        """Return how many messages wait to be sent."""
        async with self.db.execute(f"SELECT count(*) FROM outbox WHERE {_PENDING}") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def purge(self, before: datetime) -> int:
        """Delete messages sent or given up before a moment: their text is no longer needed."""
        cursor = await self.db.execute(
            "DELETE FROM outbox WHERE sent_at < ? OR failed_at < ?", (stamp(before), stamp(before))
        )
        return cursor.rowcount


def _payload(message: Outgoing) -> dict[str, Any]:
    return {
        "text": message.text,
        "buttons": [[b.label, encode(b.action)] for b in message.buttons],
        "keyboard": [[b.label, encode(b.action)] for b in message.keyboard],
        "thread_id": message.thread_id,
        "reply_to": message.reply_to,
        "topic": message.topic,
        "line": message.line,
    }


def _pending(row: aiosqlite.Row) -> Pending:
    return Pending(id=row["id"], attempts=row["attempts"], parts=((int(row["id"]), _message(row)),))


def _message(row: aiosqlite.Row) -> Outgoing:
    payload = json.loads(row["payload"])
    return Outgoing(
        chat_id=row["chat_id"],
        text=payload["text"],
        dedupe_key=row["dedupe_key"],
        buttons=_buttons(payload["buttons"]),
        keyboard=_buttons(payload.get("keyboard", [])),
        thread_id=payload["thread_id"],
        reply_to=payload["reply_to"],
        topic=payload.get("topic"),
        urgent=bool(row["priority"]),
        purpose=Purpose(row["purpose"]),
        ref=row["ref"],
        line=payload.get("line", _queued_before_lines(row)),
        batch=row["batch"],
        origin=row["origin"],
    )


def _queued_before_lines(row: aiosqlite.Row) -> int | None:
    """The ticket line of a follow-up queued before messages carried it: its dedupe key
    ("followup:<line>") named it. Only rows written by an older version reach this."""
    kind, _, line = str(row["dedupe_key"]).partition(":")
    return int(line) if kind == "followup" and line.isdigit() else None


def _buttons(stored: list[list[str]]) -> tuple[Button, ...]:
    """The buttons of a stored message; one this version cannot read is left off, not sent."""
    buttons = []
    for label, data in stored:
        action = decode(data)
        if action is None:
            log.error("outbox button %r is not one this version knows; left off", data)
        else:
            buttons.append(Button(label, action))
    return tuple(buttons)
