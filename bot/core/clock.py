"""Time for the core: the Amsterdam zone, a settable clock, and parsing moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def parse_moment(text: str, zone: ZoneInfo = AMSTERDAM) -> datetime:
    """Parse ISO-8601 with or without an offset (without: local time in `zone`)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"expected a time in ISO-8601 such as 2026-11-21T23:30 or "
            f"2026-11-21T23:30+01:00, got {text!r}"
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


class SystemClock:
    """The real time, timezone-aware."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until it is set or advanced: for tests and the console."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        """Return the clock's time."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self._now += delta


def later(now: datetime, delay: timedelta) -> datetime:
    """Return the moment `delay` of real time after `now`.

    Adding to an Amsterdam-local time would add wall-clock time: on the night the clocks go
    back, a five-minute deadline would fall an hour and five minutes later.
    """
    return now.astimezone(UTC) + delay
