"""Turn desk replies into Telegram message parts: text chunks and keyboards."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.core.actions import MAX_BYTES, SharePhone, encode
from bot.core.models import Button, Outgoing, Reply
from bot.core.text import units

log = logging.getLogger(__name__)

# Telegram's limit, counted in UTF-16 code units (an emoji is two).
MAX_TEXT = 4096
# Buttons with labels this short share a row (👍 / 👎); longer ones get a row each.
_SHORT_LABEL = 16

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None

# A Dutch number as people write it: 070-373 8080, 06-12345678.
_DUTCH_NUMBER = re.compile(r"(?<![\d+])0(\d{1,3})-(\d{3} \d{4}|\d{6,8})(?!\d)")


def dialable(text: str) -> str:
    """Write Dutch phone numbers internationally, so Telegram makes them tappable.

    Telegram links a number only in international form (+31 70 373 8080); a mayor at 02:00
    should be able to tap the NGB helpline, not copy it.
    """
    return _DUTCH_NUMBER.sub(r"+31 \1 \2", text)


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split text into pieces Telegram accepts, preferring paragraph and line breaks."""
    text = dialable(text) or "…"
    pieces: list[str] = []
    while units(text) > limit:
        fits = _fitting(text, limit)
        # The last paragraph break in the second half, else the last line break, else space.
        breaks = (text.rfind(sep, 0, fits) for sep in ("\n\n", "\n", " "))
        cut = next((b for b in breaks if b > fits // 2), fits)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def _fitting(text: str, limit: int) -> int:
    """Return how many characters of text fit in `limit` UTF-16 units (at least one)."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return max(index, 1)
    return len(text)


def inline_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """Lay out buttons, short ones side by side; drop any whose data Telegram would refuse."""
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        data = encode(button.action)
        if len(data.encode()) > MAX_BYTES:
            log.error("button data too long, left out: %r", data)
            continue
        key = InlineKeyboardButton(button.label, callback_data=data)
        last = rows[-1] if rows else None
        if last and len(last) == 1 and _short(last[0].text) and _short(button.label):
            last.append(key)
        else:
            rows.append([key])
    return InlineKeyboardMarkup(rows) if rows else None


def markup_for(reply: Reply) -> Markup:
    """Return the keyboard for a reply: inline buttons, else persistent quick replies."""
    return _markup(reply.buttons, reply.keyboard)


def markup_for_message(message: Outgoing) -> Markup:
    """Return the keyboard for an outbox message, as for a reply."""
    return _markup(message.buttons, message.keyboard)


def _markup(buttons: Sequence[Button], keyboard: Sequence[Button]) -> Markup:
    if buttons:
        return inline_keyboard(buttons)
    if keyboard:
        keys = [
            [KeyboardButton(b.label, request_contact=isinstance(b.action, SharePhone))]
            for b in keyboard
        ]
        return ReplyKeyboardMarkup(keys, resize_keyboard=True, is_persistent=True)
    return None


def _short(label: str) -> bool:
    return len(label) <= _SHORT_LABEL
