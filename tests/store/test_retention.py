"""What the bot keeps about a user's questions, and for how long: nothing past its time."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from bot.config import Settings
from bot.core.actions import FaqFeedback
from bot.core.clock import ManualClock
from bot.core.models import Sender
from bot.core.settings import HelpdeskSettings
from bot.core.triage import Triage
from bot.store.sqlite import Store
from bot.wiring import build_desk
from tests.conftest import OFFICE_HOURS

GUEST = Sender(user_id=4242, chat_id=4242, username="nieuwsgierig")
UNKNOWN = "Hoeveel kost een dakkapel op het gemeentehuis van Zeewolde?"


async def test_unanswered_questions_name_nobody_and_go_after_the_retention_period(
    tmp_path: Path, triage: Triage
) -> None:
    path = tmp_path / "helpdesk.sqlite3"
    store = await Store.open(path)
    clock = ManualClock(OFFICE_HOURS)
    settings = replace(Settings(), helpdesk=HelpdeskSettings(retention=timedelta(days=30)))
    desk = build_desk(store, settings, triage, clock)
    try:
        async with store.transaction():
            await desk.message(GUEST, UNKNOWN)
            answer = await desk.message(GUEST, "wat is het gzza")
            assert answer[0].buttons
            await desk.press(GUEST, FaqFeedback("gzza", helpful=True), on_message=12)
        with sqlite3.connect(path) as db:
            kept = db.execute("SELECT * FROM unanswered").fetchall()
            columns = [c[1] for c in db.execute("PRAGMA table_info(unanswered)")]
        assert len(kept) == 1 and UNKNOWN in kept[0]
        assert not {"user_id", "chat_id", "username"} & set(columns)
        assert all(str(GUEST.user_id) not in str(value) for value in kept[0])

        clock.advance(timedelta(days=8))
        async with store.transaction():
            await desk.privacy.purge()
        with sqlite3.connect(path) as db:
            # A week on: which answer they rated and when they asked are gone; the question
            # (anonymous, for improving the FAQ) stays until the retention period.
            assert (
                db.execute("SELECT count(*) FROM alerts WHERE key LIKE 'vote:%'").fetchone()[0] == 0
            )
            assert db.execute("SELECT count(*) FROM attempts").fetchone()[0] == 0
            assert db.execute("SELECT count(*) FROM unanswered").fetchone()[0] == 1

        clock.advance(timedelta(days=23))
        async with store.transaction():
            await desk.privacy.purge()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM unanswered").fetchone()[0] == 0
            assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 1  # anonymous
    finally:
        await store.close()
