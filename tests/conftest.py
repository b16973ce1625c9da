"""Shared fixtures: a small FAQ written to a temp folder, and the bundled FAQ's triage."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.core.clock import AMSTERDAM
from bot.core.triage import Triage
from bot.wiring import build_triage
from tests.botapi import BotApiServer
from tests.harness import Harness, running_bot, settings_for

ROOT = Path(__file__).resolve().parent.parent

THEMES = """
[[theme]]
id = "otav"
emoji = "🏛️"
title = "OTAV"
title_en = "OTAV"

[[theme]]
id = "huis"
emoji = "🏠"
title = "Huisvesting"
title_en = "Housing"
"""

SOURCES = """
[source.doc]
title = "Een document"
title_en = "A document"
"""


def entry_toml(entry_id: str, theme: str, question: str, phrasings: list[str], **extra: str) -> str:
    """Return one [[entry]] table in TOML."""
    lines = [
        "[[entry]]",
        f'id = "{entry_id}"',
        f'theme = "{theme}"',
        f'question = "{question}"',
        "phrasings = [" + ", ".join(f'"{p}"' for p in phrasings) + "]",
        'keywords = ["' + entry_id.split("-")[0] + '"]',
        'answer = "Het antwoord op ' + question + '"',
        'sources = ["doc"]',
        "as_of = 2016-01-08",
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n\n"


GOOD_ENTRIES = entry_toml(
    "otav-wat",
    "otav",
    "Wat is het OTAV?",
    [
        "wat doet het otav",
        "otav uitleg",
        "ondersteuningsteam asielzoekers",
        "otav wie zijn dat",
        "wat betekent otav",
        "otav info",
    ],
) + entry_toml(
    "gzza",
    "huis",
    "Wat is het GZZA?",
    [
        "gzza uitleg",
        "zelfzorgarrangement gemeenten",
        "wat is gzza",
        "gzza regeling",
        "gzza vergunninghouders sneller huisvesten",
        "gemeentelijk zelfzorgarrangement",
    ],
)


def write_faq(folder: Path, entries: str = GOOD_ENTRIES, required: list[str] | None = None) -> Path:
    """Write a small valid FAQ (unless the entries say otherwise) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "themes.toml").write_text(THEMES, encoding="utf-8")
    (folder / "sources.toml").write_text(SOURCES, encoding="utf-8")
    ids = required if required is not None else ["otav-wat", "gzza"]
    (folder / "topics.toml").write_text(f"required = {ids!r}".replace("'", '"'), encoding="utf-8")
    (folder / "otav.toml").write_text(textwrap.dedent(entries), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def triage() -> Triage:
    """The triage over the bundled FAQ, with default settings."""
    return build_triage(Settings())


@pytest.fixture
def weekday_noon() -> datetime:
    """Tuesday 24 November 2026, 12:00 in Amsterdam."""
    return datetime(2026, 11, 24, 12, 0, tzinfo=AMSTERDAM)


@pytest.fixture
async def api() -> AsyncIterator[BotApiServer]:
    """The local Bot API server (a plain group for agents)."""
    server = BotApiServer()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(api: BotApiServer, triage: Triage, tmp_path: Path) -> AsyncIterator[Harness]:
    """The real bot, polling the local server, on a fresh database, at a weekday 10:00."""
    settings = settings_for(tmp_path / "helpdesk.sqlite3", api)
    async with running_bot(api, settings, triage, OFFICE_HOURS) as harness:
        yield harness


OFFICE_HOURS = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
AFTER_HOURS = datetime(2026, 11, 21, 2, 10, tzinfo=AMSTERDAM)


@pytest.fixture
async def after_hours_bot(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The real bot at Saturday 02:10, when mayors are sent to the NGB and may page."""
    settings = settings_for(tmp_path / "helpdesk.sqlite3", api)
    async with running_bot(api, settings, triage, AFTER_HOURS) as harness:
        yield harness
