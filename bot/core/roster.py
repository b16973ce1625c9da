"""The duty roster: shifts, who is on duty when, and the frozen paging plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.clock import later

MAX_LEVEL = 3


@dataclass(frozen=True)
class Shift:
    """A stretch of duty: level 1 = duty officer, 2 = backup, 3 = coordinator."""

    user_id: int
    level: int
    start: datetime
    end: datetime
    id: int | None = None

    def covers(self, at: datetime) -> bool:
        """Tell whether the shift covers a moment (start inclusive, end exclusive)."""
        return self.start <= at < self.end


@dataclass(frozen=True)
class Responder:
    """Someone who can be paged: their user id, chat and the name a mayor sees."""

    user_id: int
    chat_id: int
    name: str


@dataclass(frozen=True)
class Plan:
    """Who is paged at each level, frozen when an escalation starts."""

    levels: tuple[tuple[Responder, ...], ...]

    def responders(self, level: int) -> tuple[Responder, ...]:
        """Return the responders of a level (1-based); () when out of range."""
        return self.levels[level - 1] if 1 <= level <= len(self.levels) else ()

    def next_level(self, after: int) -> int | None:
        """Return the next level above `after` that has someone on it."""
        return next((n for n in range(after + 1, len(self.levels) + 1) if self.responders(n)), None)

    def first_level(self) -> int | None:
        """Return the lowest level with someone on it."""
        return self.next_level(0)

    def last_level(self) -> int | None:
        """Return the highest level with someone on it."""
        filled = [n for n in range(1, len(self.levels) + 1) if self.responders(n)]
        return filled[-1] if filled else None

    def paged_up_to(self, level: int) -> tuple[Responder, ...]:
        """Return everyone on levels 1 to `level`, each once."""
        seen: dict[int, Responder] = {}
        for n in range(1, level + 1):
            for responder in self.responders(n):
                seen.setdefault(responder.user_id, responder)
        return tuple(seen.values())

    def without(self, user_id: int) -> Plan:
        """Return the plan with a user taken off every level."""
        return Plan(tuple(tuple(r for r in level if r.user_id != user_id) for level in self.levels))

    def find(self, user_id: int) -> tuple[int, Responder] | None:
        """Return (level, responder) of a user in the plan, at their lowest level."""
        for n in range(1, len(self.levels) + 1):
            for responder in self.responders(n):
                if responder.user_id == user_id:
                    return n, responder
        return None


@dataclass(frozen=True)
class HandoverOffer:
    """A duty officer's offer of the rest of their shift to one colleague, until it expires."""

    id: int
    giver: int
    taker: int
    expires_at: datetime
    accepted: bool = False


def on_duty(shifts: Iterable[Shift], at: datetime, level: int | None = None) -> list[Shift]:
    """Return the shifts covering a moment, by level then start."""
    found = [s for s in shifts if s.covers(at) and (level is None or s.level == level)]
    return sorted(found, key=lambda s: (s.level, s.start))


def next_shifts(shifts: Iterable[Shift], at: datetime, within: timedelta) -> list[Shift]:
    """Return the shifts starting after a moment and before `within` has passed, by start."""
    return sorted((s for s in shifts if at < s.start < later(at, within)), key=lambda s: s.start)


def build_plan(shifts: Iterable[Shift], at: datetime, people: Mapping[int, Responder]) -> Plan:
    """Freeze who is paged at each level from the shifts covering a moment."""
    current = on_duty(shifts, at)
    levels = []
    for level in range(1, MAX_LEVEL + 1):
        ids = dict.fromkeys(s.user_id for s in current if s.level == level and s.user_id in people)
        levels.append(tuple(people[i] for i in ids))
    return Plan(levels=tuple(levels))


def uncovered(
    shifts: Iterable[Shift], at: datetime, within: timedelta = timedelta(hours=24)
) -> tuple[datetime, datetime] | None:
    """Return the first stretch in [at, at + within) that no shift covers; None if none."""
    end = later(at, within)
    cursor = at
    for shift in sorted(shifts, key=lambda s: s.start):
        if shift.end <= cursor:
            continue
        if shift.start > cursor:
            return cursor, min(shift.start, end)
        cursor = max(cursor, shift.end)
        if cursor >= end:
            return None
    return (cursor, end) if cursor < end else None


def validate_shift(user_id: int, level: int, start: datetime, end: datetime) -> str | None:
    """Return what is wrong with a shift, or None."""
    if level not in range(1, MAX_LEVEL + 1):
        return "level must be 1, 2 or 3"
    if start.tzinfo is None or end.tzinfo is None:
        return "times must include a timezone"
    if end <= start:
        return "the shift must end after it starts"
    if user_id == 0:
        return "a shift needs a user"
    return None


def handover(
    shifts: Sequence[Shift], from_user: int, to_user: int, at: datetime
) -> tuple[list[Shift], list[Shift]]:
    """Cut the giver's shifts at `at` and give the rest to the taker: (shortened, new)."""
    mine = [s for s in shifts if s.user_id == from_user and s.covers(at)]
    shortened = [replace(s, end=at) for s in mine]
    taken = [Shift(user_id=to_user, level=s.level, start=at, end=s.end) for s in mine]
    return shortened, taken
