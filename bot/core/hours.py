"""Office hours: open or closed at a moment, and when the helpdesk opens next."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

from bot.core.clock import AMSTERDAM

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead next_opening looks: a year covers every holiday pattern.
_HORIZON_DAYS = 370


@dataclass(frozen=True)
class OfficeHours:
    """When the helpdesk is staffed; `days` may be empty (never open)."""

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    zone: ZoneInfo = AMSTERDAM
    public_holidays: bool = True
    closed_dates: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays("NL", language="nl")

    def holiday(self, day: date) -> str | None:
        """Return the name of the Dutch public holiday on `day`, if it is one we close on."""
        if not self.public_holidays:
            return None
        name = self._holidays.get(day)
        return str(name) if name else None

    def is_open_day(self, day: date) -> bool:
        """Tell whether the helpdesk opens at all on this date."""
        return (
            day.weekday() in self.days
            and day not in self.closed_dates
            and self.holiday(day) is None
        )

    def is_open(self, moment: datetime) -> bool:
        """Tell whether the helpdesk is open at a timezone-aware moment."""
        local = moment.astimezone(self.zone)
        return self.is_open_day(local.date()) and self.opens <= local.time() < self.closes

    def next_opening(self, moment: datetime) -> datetime | None:
        """Return when the helpdesk next opens after `moment` (now, if open); None if never."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if self.is_open_day(day):
                opening = datetime.combine(day, self.opens, tzinfo=self.zone)
                if opening > moment:
                    return opening
        return None


def weekday_numbers(names: Collection[str]) -> frozenset[int]:
    """Map weekday names ('mon'…'sun') to numbers; raise ValueError for an unknown one."""
    unknown = [n for n in names if n not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(n) for n in names)
