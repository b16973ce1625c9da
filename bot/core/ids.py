"""Read a record id from button data or a command argument, within what SQLite can hold."""

from __future__ import annotations

_MAX = 2**63 - 1


def small_id(text: str) -> int | None:
    """Return the positive whole number in `text` ('12', '#12'), or None if there is none."""
    digits = text.strip().lstrip("#")
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return None
    number = int(digits)
    return number if 0 < number <= _MAX else None
