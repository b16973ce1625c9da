"""Ids: a record's number from button data or a command argument, within what SQLite can
hold, and the names of FAQ entries and themes, which button data carries."""

from __future__ import annotations

import re

_MAX = 2**63 - 1
# An entry's or theme's name: lowercase words joined by '-', short enough that every button
# carrying it ("fb:<name>:down") fits in Telegram's 64 bytes.
_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
NAME_MAX = 48


def is_name(text: str) -> bool:
    """Tell whether `text` is a valid FAQ entry or theme name."""
    return len(text) <= NAME_MAX and _NAME.fullmatch(text) is not None


def small_id(text: str) -> int | None:
    """Return the positive whole number in `text` ('12', '#12'), or None if there is none."""
    digits = text.strip().lstrip("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    number = int(digits)
    return number if 0 < number <= _MAX else None
