"""Run `python -m bot run` as a real process against the local Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.admin import create_invite
from bot.core.models import Grant, Role
from bot.core.roster import Shift
from bot.store.sqlite import Store
from tests.botapi import GROUP_ID, TOKEN, BotApiServer, Person, Sent

ROOT = Path(__file__).resolve().parent.parent

# perf_counter (when the server saw a message) to wall-clock seconds.
_WALL_OFFSET = time.time() - time.perf_counter()


def wall(sent: Sent) -> float:
    """Return when the server received a message, as a Unix timestamp."""
    return sent.received_at + _WALL_OFFSET


def write_config(folder: Path, api: BotApiServer, *, ack_timeout: str, sweep: str) -> Path:
    """Write a config: never office hours, short paging timeouts, the local server."""
    path = folder / "config.toml"
    path.write_text(
        f"""
[office_hours]
days = []

[telegram]
token = "{TOKEN}"
base_url = "{api.base_url}"
username = "otav_test_bot"

[helpdesk]
chat_id = {GROUP_ID}

[storage]
path = "db.sqlite3"

[paging]
ack_timeout = "{ack_timeout}"
sweep_interval = "{sweep}"
""",
        encoding="utf-8",
    )
    return path


@dataclass
class BotProcess:
    """One `python -m bot run` process and its log file."""

    config: Path
    api: BotApiServer
    process: asyncio.subprocess.Process | None = None

    @property
    def database(self) -> Path:
        return self.config.parent / "db.sqlite3"

    @property
    def log(self) -> Path:
        return self.config.parent / "bot.log"

    async def start(self, ready: str = "getUpdates") -> None:
        """Start the bot and wait until it calls `ready` on the server (it polls, by default)."""
        polls = self._calls(ready)
        env = {k: v for k, v in os.environ.items() if k != "HELPDESK_TELEGRAM_TOKEN"}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        await self.api.until(lambda: self._calls(ready) > polls, limit=30)

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no last poll, nothing flushed."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM, as a service manager stops it."""
        if self.process is not None and self.process.returncode is None:
            self.api.release_polls()  # else stopping waits for the long poll's timeout
            try:
                self.process.terminate()
                await asyncio.wait_for(self.process.wait(), 15)
            finally:
                self.api.release_polls(False)

    def _calls(self, method: str) -> int:
        return sum(1 for called, _ in self.api.calls if called == method)


async def register(
    api: BotApiServer, database: Path, person: Person, role: Role, municipality: str | None
) -> None:
    """Invite a person the way the CLI does, and let them redeem the code with /start."""
    store = await Store.open(database)
    try:
        grant = Grant(role=role, municipality=municipality, name=f"{role.value} {person.id}")
        async with store.transaction():
            code = await create_invite(
                store, grant, datetime.now().astimezone(), valid=timedelta(days=1)
            )
    finally:
        await store.close()
    mark = len(api.sent)
    api.say(person, f"/start {code}")
    await api.wait_for(person.id, lambda s: "Welkom" in s.text, after=mark, timeout=10)


async def on_shift(database: Path, person: Person, level: int) -> None:
    """Put someone on the roster from an hour ago for half a day."""
    store = await Store.open(database)
    try:
        start = datetime.now().astimezone() - timedelta(hours=1)
        async with store.transaction():
            await store.shifts.add(Shift(person.id, level, start, start + timedelta(hours=12)))
    finally:
        await store.close()


async def deadline_of(database: Path, escalation_id: int) -> datetime:
    """Read an escalation's next deadline from the database."""
    store = await Store.open(database)
    try:
        escalation = await store.escalations.get(escalation_id)
    finally:
        await store.close()
    assert escalation is not None and escalation.deadline is not None
    return escalation.deadline


async def unsent(database: Path) -> int:
    """Count outbox messages not yet delivered (nor given up)."""
    store = await Store.open(database)
    try:
        query = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        async with store.db.execute(query) as cursor:
            row = await cursor.fetchone()
    finally:
        await store.close()
    return int(row[0]) if row else 0


async def settled(database: Path) -> None:
    """Wait until the bot has recorded every queued message as delivered."""
    for _ in range(100):
        if await unsent(database) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not empty")
