"""The user-facing texts: every one in Dutch, English ones with the same placeholders."""

from __future__ import annotations

import string

from bot.core.texts import Texts

TEXTS = Texts.bundled()


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_text_has_dutch_and_matching_english_placeholders() -> None:
    table = TEXTS._table
    for key, entry in table.items():
        if key in ("months", "weekdays"):
            continue
        assert entry.get("nl"), key
        if "en" in entry:
            assert placeholders(entry["en"]) == placeholders(entry["nl"]), key


def test_crisis_texts_start_with_the_emergency_line() -> None:
    assert TEXTS.get("crisis_first", "nl", emergency="112") == "Direct gevaar? Bel 112."
    assert TEXTS.get("crisis_first", "en", emergency="112") == "Immediate danger? Call 112."
