"""Rendering for Telegram: tappable Dutch numbers, and texts split within Telegram's limit."""

from __future__ import annotations

import pytest

from bot.adapters.telegram.render import MAX_TEXT, chunks, dialable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Bel de NGB-helplijn: 070-373 8080.", "Bel de NGB-helplijn: +31 70 373 8080."),
        ("mobiel 06-12345678", "mobiel +31 6 12345678"),
        ("Direct gevaar? Bel 112.", "Direct gevaar? Bel 112."),
        ("stand 2026-11-24", "stand 2026-11-24"),
        ("al internationaal: +31 70 373 8080", "al internationaal: +31 70 373 8080"),
    ],
)
def test_dutch_numbers_are_written_so_telegram_links_them(text: str, shown: str) -> None:
    assert dialable(text) == shown


def test_a_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"regel {n} " + "x" * 90 for n in range(100))
    parts = chunks(text)
    assert len(parts) == 3 and all(len(p) <= MAX_TEXT for p in parts)
    assert "\n".join(parts) == text
