"""Run the real Application against the local Bot API server, with a settable clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from bot.adapters.telegram.application import build_application
from bot.admin import create_invite
from bot.config import Settings, TelegramSettings
from bot.core.clock import ManualClock
from bot.core.models import Grant, Role
from bot.core.roster import Shift
from bot.core.settings import HelpdeskMode, HelpdeskSettings
from bot.core.triage import Triage
from bot.store.sqlite import Store
from tests.botapi import GROUP_ID, TOKEN, BotApiServer, Person


@dataclass
class Harness:
    """A running bot, the fake Telegram it talks to, its clock and its database."""

    api: BotApiServer
    app: Application  # type: ignore[type-arg]
    clock: ManualClock
    settings: Settings

    async def invite(
        self, role: Role, municipality: str | None = None, name: str | None = None
    ) -> str:
        """Create an invite code the way the CLI does."""
        store = await Store.open(self.settings.database)
        try:
            grant = Grant(role=role, municipality=municipality, name=name)
            async with store.transaction():
                return await create_invite(store, grant, self.clock.now(), valid=timedelta(days=7))
        finally:
            await store.close()

    async def register(
        self, person: Person, role: Role, municipality: str | None = None, name: str | None = None
    ) -> None:
        """Invite a person and let them redeem the code with /start."""
        code = await self.invite(role, municipality, name)
        mark = len(self.api.sent)
        self.api.say(person, f"/start {code}")
        await self.api.wait_for(
            person.id, lambda s: s.text.startswith(("Welkom", "Welcome")), after=mark
        )

    async def shift(self, person: Person, level: int, hours: float = 12) -> None:
        """Put a registered person on the roster from an hour ago for some hours."""
        store = await Store.open(self.settings.database)
        try:
            start = self.clock.now() - timedelta(hours=1)
            shift = Shift(person.id, level, start, start + timedelta(hours=hours))
            async with store.transaction():
                await store.shifts.add(shift)
        finally:
            await store.close()

    async def advance(self, delta: timedelta) -> None:
        """Move the bot's clock forward and let the sweep run."""
        self.clock.advance(delta)
        await asyncio.sleep(0.3)

    @asynccontextmanager
    async def store(self) -> AsyncIterator[Store]:
        """Open the bot's database beside the bot, as the CLI would: the block is one
        transaction (it holds the write lock, so keep it short and never wait for the bot)."""
        store = await Store.open(self.settings.database)
        try:
            async with store.transaction():
                yield store
        finally:
            await store.close()

    async def settle(self, limit: float = 5.0) -> None:
        """Wait until every update received is handled and every message queued is sent."""
        pending = (
            "SELECT (SELECT count(*) FROM inbox WHERE handled_at IS NULL)"
            " + (SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL)"
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        store = await Store.open(self.settings.database)  # only reads: no transaction
        try:
            while True:
                await asyncio.sleep(0.05)
                async with store.db.execute(pending) as cursor:
                    row = await cursor.fetchone()
                if (row is not None and row[0] == 0) or loop.time() > deadline:
                    return
        finally:
            await store.close()

    async def ask(self, person: Person, text: str, **match: Any) -> Any:
        """Say something and wait for the bot's first reply to it."""
        mark = len(self.api.sent)
        self.api.say(person, text)
        return await self.api.wait_for(person.id, after=mark, **match)


def settings_for(
    database: Path, api: BotApiServer, *, mode: HelpdeskMode = HelpdeskMode.REPLIES
) -> Settings:
    """Settings that point the bot at the local server, a temp database and the test group."""
    return replace(
        Settings(),
        database=database,
        sweep_interval=timedelta(milliseconds=100),
        telegram=TelegramSettings(token=TOKEN, base_url=api.base_url, username="otav_test_bot"),
        helpdesk=HelpdeskSettings(chat_id=GROUP_ID, mode=mode, region_chats={"Oost": -200}),
    )


@asynccontextmanager
async def running_bot(
    api: BotApiServer, settings: Settings, triage: Triage, start: datetime
) -> AsyncIterator[Harness]:
    """Start the Application (polling) and stop it cleanly afterwards."""
    clock = ManualClock(start)
    app = build_application(settings, triage, clock)
    await app.initialize()
    assert app.post_init is not None
    await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield Harness(api=api, app=app, clock=clock, settings=settings)
    finally:
        stopping = asyncio.create_task(app.updater.stop())
        await asyncio.sleep(0)  # the updater is marked as stopping: its next poll is its last
        api.release_polls()
        await stopping
        api.release_polls(False)
        await app.stop()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()
