"""The paging view of the store: what the pager needs, over the shared repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.escalation import Escalation, Transition
from bot.core.models import Member, Outgoing, Purpose
from bot.core.roster import HandoverOffer, Shift
from bot.store.connection import Connection
from bot.store.escalations import Escalations
from bot.store.outbox import Outbox
from bot.store.roster import Shifts
from bot.store.rows import moment, once, stamp
from bot.store.users import Users


class PagingRecords:
    """Implements the pager's store port."""

    def __init__(
        self,
        *,
        db: Connection,
        escalations: Escalations,
        shifts: Shifts,
        users: Users,
        outbox: Outbox,
    ) -> None:
        self.db = db
        self.escalations = escalations
        self.shift_table = shifts
        self.users = users
        self.outbox = outbox

    async def next_escalation_id(self) -> int:
        return await self.escalations.next_id()

    async def record(
        self, transition: Transition, messages: list[Outgoing], now: datetime, *, new: bool
    ) -> None:
        await self.escalations.record(transition, messages, now, new=new)

    async def escalation(self, escalation_id: int) -> Escalation | None:
        return await self.escalations.get(escalation_id)

    async def open_for_mayor(self, mayor_id: int) -> Escalation | None:
        return await self.escalations.open_for_mayor(mayor_id)

    async def held_by(self, user_id: int) -> list[Escalation]:
        return await self.escalations.held_by(user_id)

    async def open_escalations(self) -> list[Escalation]:
        return await self.escalations.open_escalations()

    async def due(self, now: datetime) -> list[Escalation]:
        return await self.escalations.due(now)

    async def feedback(self, escalation_id: int, helpful: bool) -> bool:
        return await self.escalations.feedback(escalation_id, helpful)

    async def pages_by(self, mayor_id: int) -> int:
        """Count the pages a user made (kept as a log, see Users.forget)."""
        async with self.db.execute(
            "SELECT count(*) FROM escalations WHERE mayor_id = ? AND test = 0", (mayor_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def page_of(self, chat_id: int, message_id: int) -> int | None:
        """Return the escalation a page message (by its Telegram id) belongs to."""
        async with self.db.execute(
            "SELECT ref FROM outbox WHERE chat_id = ? AND message_id = ? AND purpose = ?",
            (chat_id, message_id, Purpose.PAGE.value),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def shifts(self, start: datetime, end: datetime) -> list[Shift]:
        return await self.shift_table.between(start, end)

    async def replace_shifts(self, shortened: Sequence[Shift], added: Sequence[Shift]) -> None:
        await self.shift_table.add_all(added, shortened)  # one transaction: a hand-over

    async def members(self) -> list[Member]:
        return await self.users.list()

    async def member(self, user_id: int) -> Member | None:
        return await self.users.get(user_id)

    async def find_member(self, ref: str) -> Member | None:
        return await self.users.find(ref)

    async def send(self, message: Outgoing, now: datetime) -> None:
        await self.outbox.put(message, now)

    async def once(self, key: str, now: datetime) -> bool:
        """Record an alert key; False when it was recorded before."""
        return await once(self.db, key, now)

    async def offer_handover(self, giver: int, taker: int, now: datetime, until: datetime) -> int:
        """Keep a hand-over offer; return its id, which its button carries."""
        cursor = await self.db.execute(
            "INSERT INTO handovers (giver, taker, offered_at, expires_at) VALUES (?, ?, ?, ?)",
            (giver, taker, stamp(now), stamp(until)),
        )
        return int(cursor.lastrowid or 0)

    async def handover_offer(self, offer_id: int) -> HandoverOffer | None:
        """Return a hand-over offer by id."""
        async with self.db.execute("SELECT * FROM handovers WHERE id = ?", (offer_id,)) as c:
            row = await c.fetchone()
        if row is None:
            return None
        return HandoverOffer(
            id=row["id"],
            giver=row["giver"],
            taker=row["taker"],
            expires_at=moment(row["expires_at"]),
            accepted=row["accepted_at"] is not None,
        )

    async def accept_offer(self, offer_id: int, now: datetime) -> bool:
        """Mark an offer accepted; False when it was accepted before (a replayed press)."""
        cursor = await self.db.execute(
            "UPDATE handovers SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL",
            (stamp(now), offer_id),
        )
        return cursor.rowcount > 0
