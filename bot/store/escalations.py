"""Escalations, their audit trail and the outbox messages of each transition, written at once."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bot.core.escalation import Escalation, State, Transition
from bot.core.models import Outgoing
from bot.core.roster import Plan, Responder
from bot.store.connection import Connection
from bot.store.outbox import Outbox
from bot.store.rows import first, moment, stamp
from bot.store.transaction import Transactions


class Escalations:
    """The escalations and escalation_events tables."""

    def __init__(self, db: Connection, outbox: Outbox, transaction: Transactions) -> None:
        self.db = db
        self.outbox = outbox
        self.transaction = transaction

    async def next_id(self) -> int:
        """Return the id the next escalation will get."""
        async with self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM escalations") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 1

    async def record(
        self, transition: Transition, messages: list[Outgoing], now: datetime, *, new: bool = False
    ) -> None:
        """Write the escalation's new state, its event and its messages in one transaction."""
        async with self.transaction():
            await self._write(transition, messages, now, new=new)

    async def _write(
        self, transition: Transition, messages: list[Outgoing], now: datetime, *, new: bool
    ) -> None:
        esc = transition.escalation
        if new:
            await self._insert(esc)
        else:
            await self._update(esc)
        await self.db.execute(
            """INSERT INTO escalation_events
               (escalation_id, event, actor, state, level, detail, at)
               VALUES (?, ?, ?, ?, ?, ?, ?)""",
            (
                esc.id,
                transition.event,
                transition.actor,
                esc.state.value,
                esc.level,
                transition.detail,
                stamp(now),
            ),
        )
        for message in messages:
            await self.outbox.put(message, now)

    async def get(self, escalation_id: int) -> Escalation | None:
        """Return an escalation by id."""
        return await self._one("SELECT * FROM escalations WHERE id = ?", (escalation_id,))

    async def open_for_mayor(self, mayor_id: int) -> Escalation | None:
        """Return the mayor's open escalation, if any."""
        return await self._one(
            "SELECT * FROM escalations WHERE mayor_id = ? AND state IN (?, ?, ?) ORDER BY id DESC",
            (mayor_id, *_OPEN),
        )

    async def open_escalations(self) -> list[Escalation]:
        """Return every open escalation, oldest first."""
        async with self.db.execute(
            "SELECT * FROM escalations WHERE state IN (?, ?, ?) ORDER BY id", _OPEN
        ) as cursor:
            return [_escalation(r) for r in await cursor.fetchall()]

    async def held_by(self, user_id: int) -> list[Escalation]:
        """Return the acknowledged escalations an officer holds."""
        async with self.db.execute(
            "SELECT * FROM escalations WHERE holder = ? AND state = ? ORDER BY id",
            (user_id, State.ACKNOWLEDGED.value),
        ) as cursor:
            return [_escalation(r) for r in await cursor.fetchall()]

    async def due(self, now: datetime) -> list[Escalation]:
        """Return open escalations whose deadline has passed, oldest deadline first."""
        async with self.db.execute(
            """SELECT * FROM escalations WHERE state IN (?, ?, ?) AND deadline IS NOT NULL
               AND deadline <= ? ORDER BY deadline""",
            (*_OPEN, stamp(now)),
        ) as cursor:
            return [_escalation(r) for r in await cursor.fetchall()]

    async def feedback(self, escalation_id: int, helpful: bool) -> bool:
        """Keep the mayor's 👍/👎 on a resolved escalation, once; False if not resolved or
        given before."""
        cursor = await self.db.execute(
            "UPDATE escalations SET helpful = ? WHERE id = ? AND state = ? AND helpful IS NULL",
            (int(helpful), escalation_id, State.RESOLVED.value),
        )
        return cursor.rowcount > 0

    async def since(self, start: datetime) -> list[Escalation]:
        """Return escalations created since a moment, tests left out, oldest first."""
        async with self.db.execute(
            "SELECT * FROM escalations WHERE created_at >= ? AND test = 0 ORDER BY id",
            (stamp(start),),
        ) as cursor:
            return [_escalation(r) for r in await cursor.fetchall()]

    async def events(self, escalation_id: int) -> list[tuple[datetime, str, int | None, str]]:
        """Return (when, event, actor, detail) of an escalation, in order."""
        async with self.db.execute(
            "SELECT at, event, actor, detail FROM escalation_events"
            " WHERE escalation_id = ? ORDER BY id",
            (escalation_id,),
        ) as cursor:
            return [(moment(r[0]), r[1], r[2], r[3]) for r in await cursor.fetchall()]

    async def _insert(self, esc: Escalation) -> None:
        row = _row(esc)
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        await self.db.execute(
            f"INSERT INTO escalations ({names}) VALUES ({marks})", tuple(row.values())
        )

    async def _update(self, esc: Escalation) -> None:
        row = _row(esc)
        row.pop("id")
        sets = ", ".join(f"{k} = ?" for k in row)
        await self.db.execute(
            f"UPDATE escalations SET {sets} WHERE id = ?", (*row.values(), esc.id)
        )

    async def _one(self, sql: str, args: tuple[Any, ...]) -> Escalation | None:
        row = await first(self.db, sql, args)
        return _escalation(row) if row else None


_OPEN = (State.TRIGGERED.value, State.ACKNOWLEDGED.value, State.EXHAUSTED.value)


def _row(esc: Escalation) -> dict[str, Any]:
    return {
        "id": esc.id,
        "mayor_id": esc.mayor_id,
        "mayor_chat": esc.mayor_chat,
        "mayor_name": esc.mayor_name,
        "municipality": esc.municipality,
        "message": esc.message,
        "phone": esc.phone,
        "plan": json.dumps(
            [[[r.user_id, r.chat_id, r.name] for r in level] for level in esc.plan.levels]
        ),
        "state": esc.state.value,
        "level": esc.level,
        "deadline": stamp(esc.deadline) if esc.deadline else None,
        "created_at": stamp(esc.created_at),
        "test": int(esc.test),
        "holder": esc.holder,
        "holder_name": esc.holder_name,
        "acked_at": stamp(esc.acked_at) if esc.acked_at else None,
        "closed_at": stamp(esc.closed_at) if esc.closed_at else None,
    }


def _escalation(row: aiosqlite.Row) -> Escalation:
    levels = tuple(
        tuple(Responder(user_id=u, chat_id=c, name=n) for u, c, n in level)
        for level in json.loads(row["plan"])
    )
    return Escalation(
        id=row["id"],
        mayor_id=row["mayor_id"],
        mayor_chat=row["mayor_chat"],
        mayor_name=row["mayor_name"],
        municipality=row["municipality"],
        message=row["message"],
        phone=row["phone"],
        plan=Plan(levels=levels),
        state=State(row["state"]),
        level=row["level"],
        deadline=moment(row["deadline"]) if row["deadline"] else None,
        created_at=moment(row["created_at"]),
        test=bool(row["test"]),
        holder=row["holder"],
        holder_name=row["holder_name"],
        acked_at=moment(row["acked_at"]) if row["acked_at"] else None,
        closed_at=moment(row["closed_at"]) if row["closed_at"] else None,
    )
