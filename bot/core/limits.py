"""Limits per user: how many questions, tickets and invite attempts fit in a window."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)

_MINUTE = timedelta(minutes=1)
_HOUR = timedelta(hours=1)


class Kind(StrEnum):
    """What is counted."""

    QUESTION = "question"  # a text to the desk (not a page, not a relay)
    TICKET = "ticket"  # a routine ticket opened for the helpdesk
    CRISIS = "crisis"  # an urgent crisis ticket (never a mayor's page)
    INVITE = "invite"  # a wrong invite code


class Verdict(StrEnum):
    """How an attempt stands against its limit."""

    OK = "ok"
    FIRST_OVER = "first_over"  # the first one past the limit: say so, once
    OVER = "over"  # past it again: quietly left alone


@dataclass(frozen=True)
class Limits:
    """The limits, per user; a mayor's page and an officer's press are never limited."""

    questions_per_minute: int = 20
    tickets_per_hour: int = 10
    guest_tickets_per_hour: int = 3
    # At least 1: a first crisis report always goes through.
    crisis_tickets_per_hour: int = 3
    # After this many wrong codes in an hour, no code is tried until the hour is over.
    invite_attempts_per_hour: int = 5


@dataclass(frozen=True)
class Window:
    """At most `count` attempts in any stretch of `per`."""

    count: int
    per: timedelta


def window(limits: Limits, kind: Kind, *, guest: bool = False) -> Window:
    """Return the window for a kind of attempt; guests get fewer tickets."""
    if kind is Kind.QUESTION:
        return Window(limits.questions_per_minute, _MINUTE)
    if kind is Kind.TICKET:
        return Window(limits.guest_tickets_per_hour if guest else limits.tickets_per_hour, _HOUR)
    if kind is Kind.CRISIS:
        count = limits.crisis_tickets_per_hour
        return Window(min(count, limits.guest_tickets_per_hour) if guest else count, _HOUR)
    return Window(limits.invite_attempts_per_hour, _HOUR)


def verdict(limit: Window, used: int) -> Verdict:
    """Judge the next attempt, given how many the window already holds."""
    if used < limit.count:
        return Verdict.OK
    return Verdict.FIRST_OVER if used == limit.count else Verdict.OVER


class AttemptRepo(Protocol):
    """Counted attempts: who, what and when, nothing else."""

    async def count(self, user_id: int, kind: str, since: datetime) -> int: ...
    async def add(self, user_id: int, kind: str, now: datetime) -> None: ...
    async def add_and_count(
        self, user_id: int, kind: str, now: datetime, since: datetime
    ) -> int: ...
    async def purge(self, before: datetime) -> int: ...


class Limiter:
    """Count attempts per user and judge them against the limits."""

    def __init__(self, limits: Limits, attempts: AttemptRepo) -> None:
        self.limits = limits
        self.attempts = attempts

    async def check(
        self, user_id: int, kind: Kind, now: datetime, *, guest: bool = False
    ) -> Verdict:
        """Judge a next attempt (without counting it); log the first one over the limit."""
        limit = window(self.limits, kind, guest=guest)
        used = await self.attempts.count(user_id, kind.value, now - limit.per)
        return self._judged(user_id, kind, limit, used)

    def _judged(self, user_id: int, kind: Kind, limit: Window, used: int) -> Verdict:
        judged = verdict(limit, used)
        if judged is Verdict.FIRST_OVER:
            log.warning(
                "user %d is over the %s limit (%d per %s)",
                user_id,
                kind.value,
                limit.count,
                limit.per,
            )
        return judged

    async def note(
        self, user_id: int, kind: Kind, now: datetime, *, guest: bool = False
    ) -> Verdict:
        """Count an attempt and judge it: past the limit it still counts, so a flood stays
        held back until it stops."""
        limit = window(self.limits, kind, guest=guest)
        used = await self.attempts.add_and_count(user_id, kind.value, now, now - limit.per) - 1
        return self._judged(user_id, kind, limit, used)

    async def count(self, user_id: int, kind: Kind, now: datetime) -> None:
        """Count an attempt."""
        await self.attempts.add(user_id, kind.value, now)
