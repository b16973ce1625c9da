"""The texts users see, per language, loaded from `bot/data/texts.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from importlib import resources
from typing import Any

LANGUAGES = ("nl", "en")


def language_of(code: str | None) -> str:
    """Map a Telegram language code to a language we write: English for 'en*', else Dutch."""
    return "en" if code and code.lower().startswith("en") else "nl"


class Texts:
    """Look up a text by key and language, and fill in its placeholders."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self._table = table

    @classmethod
    def bundled(cls) -> Texts:
        """Load the texts shipped with the package."""
        raw = resources.files("bot.data").joinpath("texts.toml").read_text(encoding="utf-8")
        return cls(tomllib.loads(raw))

    def get(self, key: str, language: str, **values: object) -> str:
        """Return text `key` in `language` (Dutch when missing), with values filled in."""
        entry = self._table[key]
        template = entry.get(language) or entry["nl"]
        return str(template).format(**values) if values else str(template)

    def month_year(self, day: date, language: str) -> str:
        """Return e.g. 'januari 2016' for a date."""
        months = self._table["months"].get(language) or self._table["months"]["nl"]
        return f"{months[day.month - 1]} {day.year}"

    def weekday(self, day: date, language: str) -> str:
        """Return the weekday name of a date, e.g. 'maandag'."""
        names = self._table["weekdays"].get(language) or self._table["weekdays"]["nl"]
        return str(names[day.weekday()])

    def day_month(self, day: date, language: str) -> str:
        """Return e.g. '24 november' (nl) or 'November 24' (en)."""
        months = self._table["months"].get(language) or self._table["months"]["nl"]
        if language == "en":
            return f"{months[day.month - 1]} {day.day}"
        return f"{day.day} {months[day.month - 1]}"
