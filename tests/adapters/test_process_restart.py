"""A real `python -m bot run` process, killed with SIGKILL between a page and its timeout."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.models import Role
from tests.botapi import BotApiServer, Person, Sent
from tests.process import (
    BotProcess,
    deadline_of,
    on_shift,
    register,
    settled,
    wall,
    write_config,
)

MAYOR = Person(id=951, first_name="M")
OFFICER = Person(id=961, first_name="O")
BACKUP = Person(id=962, first_name="P")
CRISIS = "Er is nu onrust bij de opvang, de politie is er maar het loopt uit de hand"


def is_page(sent: Sent) -> bool:
    return sent.text.startswith("🚨 PIKETOPROEP")


async def test_sigkill_between_page_and_timeout_pages_the_next_level_on_time_once(
    api: BotApiServer, tmp_path: Path
) -> None:
    bot = BotProcess(write_config(tmp_path, api, ack_timeout="4s", sweep="0.2s"), api)
    await bot.start()
    try:
        await register(api, bot.database, MAYOR, Role.MAYOR, "Brummen")
        for person, level in ((OFFICER, 1), (BACKUP, 2)):
            await register(api, bot.database, person, Role.DUTY_OFFICER, None)
            await on_shift(bot.database, person, level)
        mark = len(api.sent)
        api.say(MAYOR, CRISIS)
        offer = await api.wait_for(MAYOR.id, lambda s: "Piket" in str(s.buttons), after=mark)
        api.press(MAYOR, offer, offer.data("Piket"))
        await api.wait_for(OFFICER.id, is_page, after=mark, timeout=10)
        # Killed once the page is on record as sent: between the page and its timeout. (Killed
        # in the milliseconds between Telegram taking a message and the bot writing that
        # down, the message goes out again after the restart: sent twice rather than lost.)
        await settled(bot.database)
        await bot.kill()

        deadline = (await deadline_of(bot.database, 1)).timestamp()
        mark = len(api.sent)
        await bot.start()
        second = await api.wait_for(BACKUP.id, is_page, after=mark, timeout=20)
        late = wall(second) - deadline
        assert 0 <= late < 2.5, f"level 2 paged {late:.2f} s after its deadline"
        told = await api.wait_for(MAYOR.id, lambda s: "niveau 2" in s.text, after=mark)
        assert "#1" in told.text
        await asyncio.sleep(1.0)  # anything sent twice would arrive by now
    finally:
        await bot.stop()
    assert len([s for s in api.to(OFFICER.id) if is_page(s)]) == 1
    assert len([s for s in api.to(BACKUP.id) if is_page(s)]) == 1
    assert len([s for s in api.to(MAYOR.id) if "niveau 2" in s.text]) == 1


async def test_the_page_after_a_restart_still_says_what_the_mayor_reported(
    api: BotApiServer, tmp_path: Path
) -> None:
    bot = BotProcess(write_config(tmp_path, api, ack_timeout="60s", sweep="0.2s"), api)
    await bot.start()
    try:
        await register(api, bot.database, MAYOR, Role.MAYOR, "Brummen")
        await register(api, bot.database, OFFICER, Role.DUTY_OFFICER, None)
        await on_shift(bot.database, OFFICER, 1)
        mark = len(api.sent)
        api.say(MAYOR, CRISIS)
        offer = await api.wait_for(MAYOR.id, lambda s: "Piket" in str(s.buttons), after=mark)
        await bot.stop()  # a deploy's SIGTERM between the report and the press
        await bot.start()
        api.press(MAYOR, offer, offer.data("Piket"))
        page = await api.wait_for(OFFICER.id, is_page, after=mark, timeout=10)
    finally:
        await bot.stop()
    assert CRISIS in page.text
