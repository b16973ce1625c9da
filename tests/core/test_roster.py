"""The duty roster: shifts, who is on duty, the frozen plan, gaps (across DST) and handovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import AMSTERDAM
from bot.core.roster import (
    Plan,
    Responder,
    Shift,
    build_plan,
    handover,
    next_shifts,
    on_duty,
    uncovered,
    validate_shift,
)

ANNA = Responder(user_id=11, chat_id=111, name="Anna")
BRAM = Responder(user_id=22, chat_id=222, name="Bram")
COR = Responder(user_id=33, chat_id=333, name="Cor")
PEOPLE = {r.user_id: r for r in (ANNA, BRAM, COR)}


def at(text: str) -> datetime:
    """A wall-clock time in Amsterdam (fold=0, as parse_moment gives)."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def shift(user_id: int, level: int, start: str, end: str) -> Shift:
    return Shift(user_id=user_id, level=level, start=at(start), end=at(end))


DAY = shift(11, 1, "2026-11-21T08:00", "2026-11-21T20:00")
NIGHT = shift(11, 1, "2026-11-21T20:00", "2026-11-22T08:00")
BACKUP = shift(22, 2, "2026-11-21T12:00", "2026-11-22T12:00")
COORDINATOR = shift(33, 3, "2026-11-21T00:00", "2026-11-23T00:00")
ROSTER = (DAY, NIGHT, BACKUP, COORDINATOR)


@pytest.mark.parametrize(
    ("moment", "covered"),
    [
        ("2026-11-21T07:59:59", False),
        ("2026-11-21T08:00:00", True),  # start inclusive
        ("2026-11-21T19:59:59", True),
        ("2026-11-21T20:00:00", False),  # end exclusive
    ],
)
def test_shift_covers_start_inclusive_end_exclusive(moment: str, covered: bool) -> None:
    assert DAY.covers(at(moment)) is covered


def test_on_duty_sorts_by_level_and_filters_by_level() -> None:
    moment = at("2026-11-21T20:00")
    assert on_duty(reversed(ROSTER), moment) == [NIGHT, BACKUP, COORDINATOR]
    assert on_duty(ROSTER, moment, level=2) == [BACKUP]
    assert on_duty(ROSTER, at("2026-11-23T00:00")) == []


def test_next_shifts_lists_later_starts_within_the_window_in_order() -> None:
    moment = at("2026-11-21T08:00")  # DAY starts now: on duty, not "next"
    assert next_shifts(ROSTER, moment, timedelta(hours=12)) == [BACKUP]  # NIGHT at 20:00 excluded
    assert next_shifts(ROSTER, moment, timedelta(hours=13)) == [BACKUP, NIGHT]


def test_build_plan_freezes_one_level_per_rank_without_duplicates_or_strangers() -> None:
    double = shift(11, 1, "2026-11-21T18:00", "2026-11-21T22:00")  # Anna twice on level 1
    stranger = shift(99, 1, "2026-11-21T00:00", "2026-11-22T00:00")  # not a known member
    plan = build_plan((*ROSTER, double, stranger), at("2026-11-21T21:00"), PEOPLE)
    assert plan == Plan(levels=((ANNA,), (BRAM,), (COR,)))
    assert build_plan(ROSTER, at("2026-11-21T09:00"), PEOPLE) == Plan(levels=((ANNA,), (), (COR,)))
    assert build_plan(ROSTER, at("2026-11-24T09:00"), PEOPLE) == Plan(levels=((), (), ()))


def test_plan_levels_skip_empty_ranks() -> None:
    plan = Plan(levels=((), (BRAM,), (), (COR,)))
    assert (plan.first_level(), plan.next_level(2), plan.next_level(4), plan.last_level()) == (
        2,
        4,
        None,
        4,
    )
    assert plan.responders(0) == plan.responders(5) == ()
    assert Plan(levels=((), ())).first_level() is None
    assert Plan(levels=((), ())).last_level() is None


def test_plan_paged_up_to_lists_each_person_once_and_find_gives_the_lowest_level() -> None:
    plan = Plan(levels=((ANNA,), (BRAM, ANNA), (COR,)))
    assert plan.paged_up_to(0) == ()
    assert plan.paged_up_to(2) == (ANNA, BRAM)
    assert plan.paged_up_to(3) == (ANNA, BRAM, COR)
    assert plan.find(11) == (1, ANNA)
    assert plan.find(33) == (3, COR)
    assert plan.find(99) is None


@pytest.mark.parametrize(
    ("shifts", "gap"),
    [
        ((), ("2026-11-21T08:00", "2026-11-22T08:00")),
        ((DAY, NIGHT), None),
        ((NIGHT, DAY), None),  # order of the input does not matter
        ((DAY,), ("2026-11-21T20:00", "2026-11-22T08:00")),  # gap at the end
        ((NIGHT,), ("2026-11-21T08:00", "2026-11-21T20:00")),  # gap right now
        ((DAY, BACKUP), None),  # BACKUP (level 2) carries on after DAY ends
        ((COORDINATOR,), None),  # any level counts as covered
        (
            (shift(11, 1, "2026-11-21T06:00", "2026-11-21T10:00"), NIGHT),  # started before `at`
            ("2026-11-21T10:00", "2026-11-21T20:00"),
        ),
        (
            (DAY, shift(22, 1, "2026-11-22T10:00", "2026-11-22T18:00")),  # after the window
            ("2026-11-21T20:00", "2026-11-22T08:00"),
        ),
        (
            (DAY, shift(22, 2, "2026-11-22T02:00", "2026-11-22T09:00")),  # overlaps window end
            ("2026-11-21T20:00", "2026-11-22T02:00"),
        ),
    ],
)
def test_uncovered_finds_the_first_gap_in_the_next_24_hours(
    shifts: tuple[Shift, ...], gap: tuple[str, str] | None
) -> None:
    expected = None if gap is None else (at(gap[0]), at(gap[1]))
    assert uncovered(shifts, at("2026-11-21T08:00")) == expected


def test_uncovered_respects_the_window_length() -> None:
    assert uncovered((DAY,), at("2026-11-21T08:00"), timedelta(hours=12)) is None
    assert uncovered((DAY,), at("2026-11-21T08:00"), timedelta(hours=13)) == (
        at("2026-11-21T20:00"),
        at("2026-11-21T21:00"),
    )


def test_uncovered_across_the_autumn_clock_change_continuous_local_shifts() -> None:
    # Night of 25 Oct 2026: 03:00 CEST becomes 02:00 CET, so this night lasts 15 real hours.
    evening = shift(11, 1, "2026-10-24T18:00", "2026-10-25T09:00")
    morning = shift(22, 1, "2026-10-25T09:00", "2026-10-25T19:00")
    now = utc(at("2026-10-24T18:00"))
    assert utc(evening.end) - utc(evening.start) == timedelta(hours=16)
    assert uncovered((evening, morning), now) is None
    assert uncovered((evening,), now) == (evening.end, now + timedelta(hours=24))
    assert utc(now + timedelta(hours=24)) == utc(at("2026-10-25T17:00"))  # 17:00 CET


def test_uncovered_gap_over_the_repeated_hour_lasts_two_real_hours() -> None:
    # 02:00 CEST (00:00 UTC) to 03:00 CET (02:00 UTC): one hour on the wall clock, two real.
    before = shift(11, 1, "2026-10-24T18:00", "2026-10-25T02:00")
    after = shift(22, 1, "2026-10-25T03:00", "2026-10-25T20:00")
    gap = uncovered((before, after), utc(at("2026-10-24T18:00")))
    assert gap is not None
    assert gap == (before.end, after.start)
    assert (utc(gap[0]), utc(gap[1])) == (
        datetime(2026, 10, 25, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 2, tzinfo=UTC),
    )


def test_uncovered_across_the_spring_clock_change_with_a_utc_moment() -> None:
    # 29 Mar 2026: 02:00 CET becomes 03:00 CEST. Noon to noon is only 23 real hours.
    now = utc(at("2026-03-28T12:00"))
    noon_to_noon = shift(11, 1, "2026-03-28T12:00", "2026-03-29T12:00")
    assert uncovered((noon_to_noon,), now) == (noon_to_noon.end, at("2026-03-29T13:00"))
    longer = shift(11, 1, "2026-03-28T12:00", "2026-03-29T13:00")
    assert uncovered((longer,), now) is None


def test_uncovered_spring_forward_window_is_24_real_hours_with_a_local_moment() -> None:
    now = at("2026-03-28T12:00")
    noon_to_noon = shift(11, 1, "2026-03-28T12:00", "2026-03-29T12:00")  # 23 real hours
    assert uncovered((noon_to_noon,), now) is not None


@pytest.mark.parametrize(
    ("user_id", "level", "start", "end", "problem"),
    [
        (11, 1, at("2026-11-21T08:00"), at("2026-11-21T20:00"), None),
        (11, 3, at("2026-03-29T01:00"), at("2026-03-29T04:00"), None),  # over the DST jump
        (11, 0, at("2026-11-21T08:00"), at("2026-11-21T20:00"), "level must be 1, 2 or 3"),
        (11, 4, at("2026-11-21T08:00"), at("2026-11-21T20:00"), "level must be 1, 2 or 3"),
        (
            11,
            1,
            datetime(2026, 11, 21, 8),
            at("2026-11-21T20:00"),
            "times must include a timezone",
        ),
        (
            11,
            1,
            at("2026-11-21T08:00"),
            datetime(2026, 11, 21, 20),
            "times must include a timezone",
        ),
        (
            11,
            1,
            at("2026-11-21T08:00"),
            at("2026-11-21T08:00"),
            "the shift must end after it starts",
        ),
        (
            11,
            1,
            at("2026-11-21T20:00"),
            at("2026-11-21T08:00"),
            "the shift must end after it starts",
        ),
        (0, 1, at("2026-11-21T08:00"), at("2026-11-21T20:00"), "a shift needs a user"),
    ],
)
def test_validate_shift(
    user_id: int, level: int, start: datetime, end: datetime, problem: str | None
) -> None:
    assert validate_shift(user_id, level, start, end) == problem


def test_handover_cuts_the_givers_current_shifts_and_gives_the_rest_away() -> None:
    moment = at("2026-11-21T23:30")
    later = shift(11, 1, "2026-11-23T08:00", "2026-11-23T20:00")  # not current: stays
    shortened, taken = handover((*ROSTER, later), from_user=11, to_user=22, at=moment)
    assert shortened == [Shift(11, 1, NIGHT.start, moment)]
    assert taken == [Shift(22, 1, moment, NIGHT.end)]


def test_handover_keeps_the_level_of_each_shift_taken_over() -> None:
    moment = at("2026-11-22T10:00")
    shortened, taken = handover(ROSTER, from_user=33, to_user=11, at=moment)
    assert shortened == [Shift(33, 3, COORDINATOR.start, moment)]
    assert taken == [Shift(11, 3, moment, COORDINATOR.end)]


def test_handover_by_someone_not_on_duty_changes_nothing() -> None:
    assert handover(ROSTER, from_user=22, to_user=11, at=at("2026-11-21T09:00")) == ([], [])
