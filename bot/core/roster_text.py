"""How the roster reads in a message: a shift's line, a moment, who the administrators are."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from bot.core.clock import AMSTERDAM
from bot.core.models import Member, Role
from bot.core.roster import Shift
from bot.core.texts import Texts


class _Members(Protocol):
    async def members(self) -> list[Member]: ...


async def admins(store: _Members) -> list[Member]:
    """The administrators, who hear of roster gaps and of pages nobody took."""
    return [m for m in await store.members() if m.role is Role.ADMIN]


def shift_line(texts: Texts, shift: Shift, names: Mapping[int, str], language: str) -> str:
    """One line of a roster: level, who, from and until."""
    who = names.get(shift.user_id, str(shift.user_id))
    start, end = when(shift.start), when(shift.end)
    return texts.get("roster_line", language, level=shift.level, who=who, start=start, end=end)


def when(moment: datetime) -> str:
    """A moment as the roster shows it; day and month in figures, the same in both languages."""
    return f"{moment.astimezone(AMSTERDAM):%d-%m %H:%M}"
