"""The services without a transport, in milliseconds: a clock that is advanced and a sweep
that is called instead of sleeping, on a real SQLite database in memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.core.actions import Ack, Claim
from bot.core.clock import AMSTERDAM, ManualClock
from bot.core.desk import Desk
from bot.core.models import Member, Outgoing, Purpose, Role, Sender
from bot.core.roster import Shift
from bot.core.settings import HelpdeskSettings
from bot.core.triage import Triage
from bot.errors import StoreError
from bot.store.sqlite import Store
from bot.wiring import build_desk

SATURDAY_NIGHT = datetime(2026, 11, 21, 2, 10, tzinfo=AMSTERDAM)  # after office hours
GROUP = -100
MAYOR, FIRST, SECOND, AGENT, OTHER_AGENT, STAFF = 10, 21, 22, 30, 31, 40
QUESTION = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"


class World:
    """A desk over an in-memory database, with a mayor, two officers on levels 1 and 2,
    two agents and a staff member."""

    def __init__(self, desk: Desk, store: Store, clock: ManualClock) -> None:
        self.desk, self.store, self.clock = desk, store, clock

    async def queued(self) -> list[Outgoing]:
        """Every message waiting in the outbox, whenever it is due."""
        later = self.clock.now() + timedelta(days=1)
        return [p.message for p in await self.store.outbox.due(later, limit=500)]

    async def pages_to(self, user_id: int) -> list[Outgoing]:
        return [m for m in await self.queued() if m.chat_id == user_id and m.purpose == "page"]

    async def member(self, user_id: int) -> Member:
        found = await self.store.users.get(user_id)
        assert found is not None
        return found

    async def sweep(self) -> None:
        async with self.store.transaction():
            await self.desk.pager.sweep()


@pytest.fixture
async def world(triage: Triage) -> AsyncIterator[World]:
    store = await Store.open(":memory:")
    clock = ManualClock(SATURDAY_NIGHT)
    settings = replace(Settings(), helpdesk=HelpdeskSettings(chat_id=GROUP))
    desk = build_desk(store, settings, triage, clock)
    now = clock.now()
    people = (
        (MAYOR, Role.MAYOR),
        (FIRST, Role.DUTY_OFFICER),
        (SECOND, Role.DUTY_OFFICER),
        (AGENT, Role.AGENT),
        (OTHER_AGENT, Role.AGENT),
        (STAFF, Role.STAFF),
    )
    async with store.transaction():
        for user_id, role in people:
            await store.users.save(Member(user_id, user_id, role, "Brummen", f"u{user_id}"), now)
        for user_id, level in ((FIRST, 1), (SECOND, 2)):
            start = now - timedelta(hours=1)
            await store.shifts.add(Shift(user_id, level, start, start + timedelta(hours=12)))
    yield World(desk, store, clock)
    await store.close()


async def test_a_page_nobody_takes_goes_to_the_next_level_at_its_timeout_not_before(
    world: World,
) -> None:
    async with world.store.transaction():
        assert (
            await world.desk.pager.page(await world.member(MAYOR), "Onrust bij de opvang") is None
        )
    (page,) = await world.pages_to(FIRST)
    assert "Onrust bij de opvang" in page.text
    assert Ack(1) in [b.action for b in page.buttons]
    world.clock.advance(timedelta(minutes=4, seconds=59))
    await world.sweep()
    assert await world.pages_to(SECOND) == []
    world.clock.advance(timedelta(seconds=2))
    await world.sweep()
    assert len(await world.pages_to(SECOND)) == 1


async def test_an_acknowledged_page_pages_nobody_further(world: World) -> None:
    async with world.store.transaction():
        await world.desk.pager.page(await world.member(MAYOR), "Onrust bij de opvang")
        pressed = await world.desk.press(Sender(FIRST, FIRST), Ack(1))
    assert pressed.toast is None  # the messages it causes say it
    world.clock.advance(timedelta(minutes=20))
    await world.sweep()
    assert await world.pages_to(SECOND) == []
    told = [m for m in await world.queued() if m.chat_id == MAYOR]
    assert any("#1" in m.text for m in told)


async def test_a_ticket_and_its_post_to_the_agents_are_written_together_or_not_at_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    put = world.store.outbox.put

    async def failing(message: Outgoing, now: Any) -> bool:
        if message.purpose is Purpose.TICKET:
            raise StoreError("the database failed: disk I/O error")  # injected
        return await put(message, now)

    monkeypatch.setattr(world.store.outbox, "put", failing)
    with pytest.raises(StoreError):
        async with world.store.transaction():
            await world.desk.message(Sender(STAFF, STAFF), QUESTION)
    assert await world.store.tickets.of_user(STAFF) == []
    assert await world.queued() == []
    monkeypatch.undo()
    async with world.store.transaction():
        (reply,) = await world.desk.message(Sender(STAFF, STAFF), QUESTION)
    assert "#1" in reply.text
    (post,) = [m for m in await world.queued() if m.chat_id == GROUP]
    assert post.purpose is Purpose.TICKET and post.ref == 1
    assert [b.action for b in post.buttons] == [Claim(1)]


async def test_a_ticket_is_claimed_once_and_the_second_agent_hears_who_has_it(
    world: World,
) -> None:
    async with world.store.transaction():
        await world.desk.message(Sender(STAFF, STAFF), QUESTION)
        first = await world.desk.agents.press(Sender(AGENT, GROUP), Claim(1))
        second = await world.desk.agents.press(Sender(OTHER_AGENT, GROUP), Claim(1))
        staff = await world.desk.agents.press(Sender(STAFF, GROUP), Claim(1))
    assert first.toast and "#1" in first.toast and first.edit is not None
    assert second.toast and "u30" in second.toast
    assert staff.toast == world.desk.texts.get("group_not_agent", "nl")
    told = [m for m in await world.queued() if m.chat_id == STAFF]
    assert len(told) == 1  # the asker hears once that someone took it
