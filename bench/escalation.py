"""Paging: how fast a mayor's press reaches the duty officer, and how late level 2 fires.

1. Press to page: the real Application against the local Bot API server (tests/botapi.py);
   from the moment the mayor's press of "Piket inschakelen" is queued at the server to the
   moment the page to the duty officer arrives there. One mayor after another, each with a
   fresh escalation. Once with the rate limiter at Telegram's 30 messages a second (it
   spaces messages about 33 ms apart, so a page can wait for the message before it), once
   with it lifted.
2. Level-2 lateness: a real `python -m bot run` process on the real clock, with the default
   sweep interval (2 s) and a short ack_timeout; how long after its deadline the level-2 page
   reaches the server, with the process left running and with it killed (SIGKILL) after
   the page and started again.

Run: .venv/bin/python bench/escalation.py [presses] [rounds]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from common import ROOT

sys.path.insert(0, str(ROOT))

from bot.config import Settings
from bot.core.clock import AMSTERDAM
from bot.core.models import Role
from bot.wiring import build_triage
from tests.botapi import BotApiServer, Person, Sent
from tests.harness import Harness, running_bot, settings_for
from tests.process import BotProcess, deadline_of, on_shift, register, settled, wall, write_config

PRESSES = int(sys.argv[1]) if len(sys.argv) > 1 else 100
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
AFTER_HOURS = datetime(2026, 11, 21, 2, 10, tzinfo=AMSTERDAM)
CRISIS = "Er is nu onrust bij de opvang en het loopt uit de hand"
OFFICER = Person(id=2, first_name="O")
BACKUP = Person(id=3, first_name="P")


def is_page(sent: Sent) -> bool:
    return sent.text.startswith("🚨 PIKETOPROEP")


async def press_to_page(rate_limit: int) -> list[float]:
    """Seconds from each mayor's press to the page reaching the duty officer."""
    api = BotApiServer()
    await api.start()
    took: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder) / "bench.sqlite3", api)
        settings = replace(settings, telegram=replace(settings.telegram, rate_limit=rate_limit))
        async with running_bot(api, settings, build_triage(Settings()), AFTER_HOURS) as bot:
            await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket")
            await bot.shift(OFFICER, 1)
            for n in range(PRESSES):
                took.append(await one_page(bot, Person(id=1000 + n, first_name="M")))
    await api.stop()
    return took


async def one_page(bot: Harness, mayor: Person) -> float:
    await bot.register(mayor, Role.MAYOR, "Brummen")
    offer = await bot.ask(mayor, CRISIS)
    mark = len(bot.api.sent)
    query = bot.api.press(mayor, offer, offer.data("Piket"))
    page = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    return page.received_at - bot.api.pressed_at[query]


async def level_two_lateness(restart: bool) -> list[float]:
    """Seconds between each level-2 deadline and the level-2 page, over ROUNDS escalations."""
    api = BotApiServer()
    await api.start()
    late: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        bot = BotProcess(write_config(Path(folder), api, ack_timeout="5s", sweep="2s"), api)
        await bot.start()
        try:
            for person, level in ((OFFICER, 1), (BACKUP, 2)):
                await register(api, bot.database, person, Role.DUTY_OFFICER, None)
                await on_shift(bot.database, person, level)
            for n in range(ROUNDS):
                late.append(await one_timeout(api, bot, Person(id=2000 + n), n + 1, restart))
        finally:
            await bot.stop()
    await api.stop()
    return late


async def one_timeout(
    api: BotApiServer, bot: BotProcess, mayor: Person, escalation: int, restart: bool
) -> float:
    await register(api, bot.database, mayor, Role.MAYOR, "Brummen")
    mark = len(api.sent)
    api.say(mayor, CRISIS)
    offer = await api.wait_for(mayor.id, lambda s: "Piket" in str(s.buttons), after=mark)
    api.press(mayor, offer, offer.data("Piket"))
    await api.wait_for(OFFICER.id, is_page, after=mark, timeout=10)
    if restart:
        await settled(bot.database)
        await bot.kill()
        await bot.start()
    deadline = (await deadline_of(bot.database, escalation)).timestamp()
    second = await api.wait_for(BACKUP.id, is_page, after=mark, timeout=30)
    return wall(second) - deadline


async def main() -> None:
    pages = await press_to_page(rate_limit=Settings().telegram.rate_limit)
    unpaced = await press_to_page(rate_limit=10_000)
    steady = await level_two_lateness(restart=False)
    restarted = await level_two_lateness(restart=True)
    print("| measure | median | p99 / worst |\n|---|---|---|")
    for label, took in (("30 msg/s, as on Telegram", pages), ("rate limit lifted", unpaced)):
        median, p99 = _ms(statistics.median(took)), _ms(_p99(took))
        print(f"| press to page, {label} ({len(took)}x) | {median} | {p99} |")
    print(
        f"| level 2 after its deadline ({ROUNDS}x) | {statistics.median(steady):.2f} s "
        f"| {max(steady):.2f} s |"
    )
    print(
        f"| same, killed and restarted after the page ({ROUNDS}x) "
        f"| {statistics.median(restarted):.2f} s | {max(restarted):.2f} s |"
    )


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.99) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    asyncio.run(main())
