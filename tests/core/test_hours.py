"""Office hours: boundaries, weekends, Dutch holidays, daylight saving, and the next opening."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.core.clock import AMSTERDAM
from bot.core.hours import OfficeHours, weekday_numbers

HOURS = OfficeHours()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        ("2026-11-24T08:59:59", False),
        ("2026-11-24T09:00:00", True),
        ("2026-11-24T16:59:59", True),
        ("2026-11-24T17:00:00", False),
        ("2026-11-21T14:00:00", False),  # Saturday
        ("2026-11-22T11:00:00", False),  # Sunday
        ("2026-12-25T10:00:00", False),  # Eerste Kerstdag
        ("2026-04-06T10:00:00", False),  # Tweede Paasdag
        ("2026-04-27T10:00:00", False),  # Koningsdag 2026, a Monday
        ("2026-04-28T10:00:00", True),
    ],
)
def test_is_open(moment: str, open_: bool) -> None:
    assert HOURS.is_open(at(moment)) is open_


def test_koningsdag_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    # 27 April 2025 was a Sunday: King's Day was Saturday the 26th, so Monday the 28th is open.
    assert HOURS.holiday(date(2025, 4, 26)) is not None
    assert HOURS.holiday(date(2025, 4, 27)) is None
    assert HOURS.is_open(at("2025-04-28T10:00:00"))


def test_holiday_names_are_dutch() -> None:
    assert HOURS.holiday(date(2026, 12, 25)) == "Eerste kerstdag"


def test_open_moment_is_its_own_next_opening() -> None:
    moment = at("2026-11-24T10:00:00")
    assert HOURS.next_opening(moment) == moment


@pytest.mark.parametrize(
    ("moment", "opening"),
    [
        ("2026-11-24T07:30:00", "2026-11-24T09:00:00"),  # same morning
        ("2026-11-24T17:00:00", "2026-11-25T09:00:00"),  # evening → tomorrow
        ("2026-11-21T23:30:00", "2026-11-23T09:00:00"),  # Saturday night → Monday
        ("2026-12-24T18:00:00", "2026-12-28T09:00:00"),  # over Christmas and the weekend
        ("2026-04-26T12:00:00", "2026-04-28T09:00:00"),  # Sunday before Koningsdag
    ],
)
def test_next_opening(moment: str, opening: str) -> None:
    assert HOURS.next_opening(at(moment)) == at(opening)


def test_daylight_saving_changes_keep_local_opening_times() -> None:
    # Clocks go back on Sunday 25 October 2026 at 03:00 CEST → 02:00 CET.
    night = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, during the change
    opening = HOURS.next_opening(night)
    assert opening is not None
    assert opening.astimezone(AMSTERDAM).time() == time(9, 0)
    assert opening.astimezone(UTC) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    # Clocks go forward on 29 March 2026: Monday 30 March opens at 09:00 CEST = 07:00 UTC.
    spring = HOURS.next_opening(datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert spring == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_never_open_when_no_days() -> None:
    closed = OfficeHours(days=frozenset())
    assert not closed.is_open(at("2026-11-24T10:00:00"))
    assert closed.next_opening(at("2026-11-24T10:00:00")) is None


def test_extra_closed_dates_and_holidays_off() -> None:
    hours = OfficeHours(closed_dates=frozenset({date(2026, 12, 24)}), public_holidays=False)
    assert not hours.is_open(at("2026-12-24T10:00:00"))
    assert hours.is_open(at("2026-12-25T10:00:00"))


def test_weekday_names() -> None:
    assert weekday_numbers(["mon", "sun"]) == frozenset({0, 6})
    with pytest.raises(ValueError, match="unknown weekday 'maandag'"):
        weekday_numbers(["maandag"])
