"""The paging state machine: every transition, every refusal, who is told what, and deadlines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.actions import Ack, PageFeedback, PassOn, Resolve
from bot.core.clock import AMSTERDAM
from bot.core.escalation import (
    Escalation,
    Policy,
    Refusal,
    State,
    Transition,
    acknowledge,
    cancel,
    pass_on,
    resolve,
    restaff,
    start,
    timeout,
    withdraw,
)
from bot.core.roster import Plan, Responder, Shift, build_plan

ANNA = Responder(user_id=11, chat_id=111, name="Anna")  # level 1: duty officer
BRAM = Responder(user_id=22, chat_id=222, name="Bram")  # level 2: backup
COR = Responder(user_id=33, chat_id=333, name="Cor")  # level 3: coordinator
PLAN = Plan(levels=((ANNA,), (BRAM,), (COR,)))
MAYOR, MAYOR_CHAT, OUTSIDER = 1, 100, 99
T0 = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
POLICY = Policy(ack_timeout=timedelta(minutes=5), resolve_reminder=timedelta(minutes=30))
MINUTE = timedelta(minutes=1)


def begin(plan: Plan = PLAN, now: datetime = T0) -> Transition:
    return start(
        id=7,
        mayor_id=MAYOR,
        mayor_chat=MAYOR_CHAT,
        mayor_name="Burgemeester Jansen",
        municipality="Zwolle",
        message="Groep voor het gemeentehuis",
        phone="+31612345678",
        plan=plan,
        now=now,
        policy=POLICY,
    )


def ok(outcome: Transition | Refusal) -> Transition:
    assert isinstance(outcome, Transition), outcome
    return outcome


def sent(transition: Transition) -> list[tuple[int, str]]:
    return [(n.chat_id, n.key) for n in transition.notices]


def due(esc: Escalation) -> datetime:
    assert esc.deadline is not None
    return esc.deadline


def triggered(level: int = 1) -> Escalation:
    """A triggered escalation that has timed out up to `level`."""
    esc = begin().escalation
    while esc.level < level:
        esc = ok(timeout(esc, due(esc), POLICY)).escalation
    return esc


def exhausted() -> Escalation:
    esc = triggered(3)
    return ok(timeout(esc, due(esc), POLICY)).escalation


def held() -> Escalation:
    return ok(acknowledge(triggered(), ANNA.user_id, T0 + MINUTE, POLICY)).escalation


def resolved() -> Escalation:
    return ok(resolve(held(), ANNA.user_id, "", T0 + 2 * MINUTE)).escalation


def cancelled() -> Escalation:
    return ok(cancel(triggered(), MAYOR, True, T0 + 2 * MINUTE)).escalation


# --- start -----------------------------------------------------------------------------------


def test_start_pages_level_one_and_tells_the_mayor_who() -> None:
    page = begin()
    esc = page.escalation
    assert (esc.state, esc.level, esc.created_at) == (State.TRIGGERED, 1, T0)
    assert esc.deadline == T0 + 5 * MINUTE
    assert (page.event, page.actor) == ("page", MAYOR)
    assert sent(page) == [(111, "page"), (MAYOR_CHAT, "mayor_paged")]
    officer, mayor = page.notices
    assert officer.values["level"] == "1"
    assert officer.values["phone"] == "+31612345678"
    assert officer.buttons == (
        ("button_ack", Ack(7)),
        ("button_pass", PassOn(7)),
        ("button_resolve", Resolve(7)),
    )
    assert mayor.values["names"] == "Anna"


def test_start_pages_everyone_on_the_lowest_filled_level() -> None:
    page = begin(Plan(levels=((), (BRAM, COR), ())))
    assert page.escalation.level == 2
    assert sent(page) == [(222, "page"), (333, "page"), (MAYOR_CHAT, "mayor_paged")]
    assert page.notices[-1].values["names"] == "Bram, Cor"


@pytest.mark.parametrize("plan", [Plan(levels=()), Plan(levels=((), (), ()))])
def test_start_with_nobody_on_duty_tells_the_mayor_to_call_ngb(plan: Plan) -> None:
    page = begin(plan)
    esc = page.escalation
    assert (esc.state, esc.level, esc.deadline) == (State.EXHAUSTED, 0, T0 + 5 * MINUTE)
    assert sent(page) == [(MAYOR_CHAT, "mayor_nobody"), (0, "admins_exhausted")]
    assert [n.to_admins for n in page.notices] == [False, True]
    # At the deadline, still nobody: look again later, and tell nobody anything new.
    again = ok(timeout(esc, T0 + 5 * MINUTE, POLICY))
    assert (again.event, again.notices, again.escalation.deadline) == (
        "recheck",
        (),
        T0 + 10 * MINUTE,
    )


def test_restaff_pages_whoever_came_on_duty_for_a_page_that_found_nobody() -> None:
    esc = begin(Plan(levels=())).escalation
    now = T0 + 5 * MINUTE
    filled = ok(restaff(esc, Plan(levels=((), (BRAM,))), now, POLICY))
    assert (filled.escalation.state, filled.escalation.level) == (State.TRIGGERED, 2)
    assert filled.escalation.deadline == now + POLICY.ack_timeout
    assert sent(filled) == [(222, "page"), (MAYOR_CHAT, "mayor_paged")]
    assert ok(acknowledge(filled.escalation, BRAM.user_id, now, POLICY)).escalation.holder == 22


def test_restaff_never_redirects_a_plan_that_had_someone_on_it() -> None:
    esc = begin().escalation
    assert restaff(esc, Plan(levels=((BRAM,),)), T0 + MINUTE, POLICY) == Refusal("nothing_due")
    nobody = begin(Plan(levels=())).escalation
    assert restaff(nobody, Plan(levels=()), T0 + MINUTE, POLICY) == Refusal("nothing_due")


def test_the_plan_is_frozen_from_the_roster_at_the_start() -> None:
    shifts = [
        Shift(11, 1, T0 - timedelta(hours=1), T0 + timedelta(hours=1)),
        Shift(22, 1, T0 + timedelta(hours=1), T0 + timedelta(hours=9)),  # takes over later
        Shift(33, 3, T0 - timedelta(hours=1), T0 + timedelta(hours=9)),
    ]
    esc = begin(build_plan(shifts, T0, {r.user_id: r for r in (ANNA, BRAM, COR)})).escalation
    assert esc.plan == Plan(levels=((ANNA,), (), (COR,)))
    # Hours later, after Anna's shift ended: the frozen plan still decides, level 2 is skipped.
    later = ok(timeout(esc, T0 + timedelta(hours=2), POLICY))
    assert later.escalation.level == 3
    assert sent(later) == [(333, "page"), (MAYOR_CHAT, "mayor_next_level")]


# --- timeout ---------------------------------------------------------------------------------


def test_timeout_before_the_deadline_is_refused() -> None:
    esc = triggered()
    assert timeout(esc, due(esc) - timedelta(seconds=1), POLICY) == Refusal("nothing_due")


@pytest.mark.parametrize(("level", "names"), [(1, "Bram"), (2, "Cor")])
def test_timeout_pages_the_next_level_and_tells_the_mayor(level: int, names: str) -> None:
    esc = triggered(level)
    now = due(esc) + timedelta(seconds=30)  # the sweeper may run a little late
    step = ok(timeout(esc, now, POLICY))
    chat = {1: 222, 2: 333}[level]
    assert (step.escalation.state, step.escalation.level) == (State.TRIGGERED, level + 1)
    assert step.escalation.deadline == now + POLICY.ack_timeout
    assert (step.event, step.actor, step.detail) == ("timeout", None, "late 30.0s")
    assert sent(step) == [(chat, "page"), (MAYOR_CHAT, "mayor_next_level")]
    assert step.notices[0].values["level"] == str(level + 1)
    assert step.notices[1].values["names"] == names


def test_timeout_after_the_last_level_exhausts() -> None:
    esc = triggered(3)
    step = ok(timeout(esc, due(esc), POLICY))
    assert (step.escalation.state, step.escalation.level) == (State.EXHAUSTED, 3)
    assert step.escalation.deadline == due(esc) + POLICY.ack_timeout
    assert sent(step) == [(MAYOR_CHAT, "mayor_exhausted"), (0, "admins_exhausted"), (333, "page")]
    assert step.notices[1].to_admins


def test_exhausted_re_pages_the_last_level_every_ack_timeout() -> None:
    esc = exhausted()
    assert timeout(esc, due(esc) - timedelta(seconds=1), POLICY) == Refusal("nothing_due")
    first = ok(timeout(esc, due(esc), POLICY))
    second = ok(timeout(first.escalation, due(first.escalation), POLICY))
    for step, previous in ((first, esc), (second, first.escalation)):
        assert (step.escalation.state, step.escalation.level) == (State.EXHAUSTED, 3)
        assert step.escalation.deadline == due(previous) + POLICY.ack_timeout
        assert step.event == "repage"
        assert sent(step) == [(333, "page")]  # the mayor is not told again
    assert first.notices[0].dedupe != second.notices[0].dedupe


def test_timeout_uses_the_default_policy_when_none_is_given() -> None:
    esc = triggered()
    step = ok(timeout(esc, due(esc)))
    assert step.escalation.deadline == due(esc) + Policy().ack_timeout


# --- acknowledge -----------------------------------------------------------------------------


def test_ack_claims_the_escalation_and_sets_the_resolve_reminder() -> None:
    now = T0 + MINUTE
    step = ok(acknowledge(triggered(), ANNA.user_id, now, POLICY))
    esc = step.escalation
    assert (esc.state, esc.holder, esc.holder_name, esc.acked_at) == (
        State.ACKNOWLEDGED,
        11,
        "Anna",
        now,
    )
    assert esc.deadline == now + POLICY.resolve_reminder
    assert (step.event, step.actor) == ("ack", 11)
    assert sent(step) == [(MAYOR_CHAT, "mayor_acked")]
    assert step.notices[0].values["name"] == "Anna"


def test_ack_without_policy_reminds_after_the_default_30_minutes() -> None:
    step = ok(acknowledge(triggered(), ANNA.user_id, T0))
    assert step.escalation.deadline == T0 + timedelta(minutes=30)


def test_ack_at_a_higher_level_tells_the_lower_levels_it_is_taken() -> None:
    now = T0 + timedelta(minutes=11)
    step = ok(acknowledge(triggered(3), BRAM.user_id, now, POLICY))
    assert step.escalation.level == 3
    assert sent(step) == [(MAYOR_CHAT, "mayor_acked"), (111, "taken"), (333, "taken")]
    assert {n.values["name"] for n in step.notices} == {"Bram"}


def test_an_earlier_level_may_still_ack_after_escalation() -> None:
    step = ok(acknowledge(triggered(2), ANNA.user_id, T0 + 6 * MINUTE, POLICY))
    assert (step.escalation.holder, step.escalation.level) == (11, 2)
    assert sent(step) == [(MAYOR_CHAT, "mayor_acked"), (222, "taken")]


def test_a_late_ack_still_works_when_exhausted() -> None:
    esc = exhausted()
    step = ok(acknowledge(esc, COR.user_id, due(esc), POLICY))
    assert (step.escalation.state, step.escalation.holder) == (State.ACKNOWLEDGED, 33)
    assert step.escalation.deadline == due(esc) + POLICY.resolve_reminder
    assert sent(step) == [(MAYOR_CHAT, "mayor_acked"), (111, "taken"), (222, "taken")]


def test_first_ack_wins_and_a_later_one_is_told_who_has_it() -> None:
    esc = ok(acknowledge(triggered(2), BRAM.user_id, T0 + 6 * MINUTE, POLICY)).escalation
    assert acknowledge(esc, ANNA.user_id, T0 + 7 * MINUTE, POLICY) == Refusal(
        "already_taken", "Bram"
    )


def test_a_second_press_by_the_holder_changes_nothing() -> None:
    esc = held()
    step = ok(acknowledge(esc, ANNA.user_id, T0 + 3 * MINUTE, POLICY))
    assert (step.escalation, step.notices, step.detail) == (esc, (), "again")


@pytest.mark.parametrize(
    "user_id",
    [OUTSIDER, BRAM.user_id],  # Bram is in the plan, but level 2 has not been paged yet
)
def test_ack_by_someone_not_paged_is_refused(user_id: int) -> None:
    assert acknowledge(triggered(1), user_id, T0, POLICY) == Refusal("not_in_plan")


# --- reminder --------------------------------------------------------------------------------


def test_acknowledged_is_not_escalated_when_the_ack_timeout_passes() -> None:
    esc = held()
    assert timeout(esc, T0 + 6 * MINUTE, POLICY) == Refusal("nothing_due")
    assert timeout(esc, due(esc) - timedelta(seconds=1), POLICY) == Refusal("nothing_due")


def test_acknowledged_but_unresolved_reminds_the_holder() -> None:
    esc = held()
    step = ok(timeout(esc, due(esc), POLICY))
    assert step.escalation.state is State.ACKNOWLEDGED
    assert step.escalation.holder == 11
    assert step.escalation.deadline == due(esc) + POLICY.resolve_reminder
    assert (step.event, step.actor) == ("remind", None)
    assert sent(step) == [(111, "remind")]


# --- pass on (Doorzetten) --------------------------------------------------------------------


def test_pass_on_pages_the_next_level_with_the_reason() -> None:
    now = T0 + MINUTE
    step = ok(pass_on(triggered(), ANNA.user_id, "ik sta op de snelweg", now, POLICY))
    assert (step.escalation.state, step.escalation.level) == (State.TRIGGERED, 2)
    assert step.escalation.deadline == now + POLICY.ack_timeout
    assert (step.event, step.actor, step.detail) == ("pass", 11, "ik sta op de snelweg")
    assert sent(step) == [(222, "page"), (222, "officer_passed"), (MAYOR_CHAT, "mayor_next_level")]
    assert step.notices[1].values["reason"] == "ik sta op de snelweg"


def test_the_holder_may_pass_on_and_is_released() -> None:
    step = ok(pass_on(held(), ANNA.user_id, "ziek", T0 + 2 * MINUTE, POLICY))
    esc = step.escalation
    assert (esc.state, esc.level, esc.holder, esc.holder_name, esc.acked_at) == (
        State.TRIGGERED,
        2,
        None,
        None,
        None,
    )


def test_pass_on_from_the_last_level_exhausts() -> None:
    step = ok(pass_on(triggered(3), COR.user_id, "geen bereik", T0 + 11 * MINUTE, POLICY))
    assert (step.escalation.state, step.escalation.level) == (State.EXHAUSTED, 3)
    assert sent(step)[:2] == [(MAYOR_CHAT, "mayor_exhausted"), (0, "admins_exhausted")]


@pytest.mark.parametrize(
    ("esc", "user_id", "refusal"),
    [
        (held, BRAM.user_id, Refusal("not_in_plan")),  # level 2 not paged yet
        (lambda: triggered(1), OUTSIDER, Refusal("not_in_plan")),
        (
            lambda: ok(acknowledge(triggered(2), BRAM.user_id, T0, POLICY)).escalation,
            ANNA.user_id,
            Refusal("not_holder", "Bram"),
        ),
    ],
)
def test_pass_on_refusals(esc: Callable[[], Escalation], user_id: int, refusal: Refusal) -> None:
    assert pass_on(esc(), user_id, "x", T0 + 8 * MINUTE, POLICY) == refusal


# --- resolve ---------------------------------------------------------------------------------


def test_resolve_closes_and_asks_the_mayor_whether_it_helped() -> None:
    now = T0 + timedelta(minutes=20)
    esc = ok(acknowledge(triggered(2), BRAM.user_id, T0 + 6 * MINUTE, POLICY)).escalation
    step = ok(resolve(esc, BRAM.user_id, "politie ter plaatse", now))
    assert (step.escalation.state, step.escalation.closed_at, step.escalation.deadline) == (
        State.RESOLVED,
        now,
        None,
    )
    assert (step.event, step.actor, step.detail) == ("resolve", 22, "politie ter plaatse")
    assert sent(step) == [(MAYOR_CHAT, "mayor_resolved"), (111, "officer_closed")]
    mayor = step.notices[0]
    assert mayor.values["note"] == "politie ter plaatse"
    assert mayor.buttons == (
        ("button_helpful", PageFeedback(7, helpful=True)),
        ("button_not_helpful", PageFeedback(7, helpful=False)),
    )


def test_resolve_straight_from_triggered_is_allowed_for_a_paged_officer() -> None:
    step = ok(resolve(triggered(), ANNA.user_id, "", T0 + MINUTE))
    assert step.escalation.state is State.RESOLVED
    assert sent(step) == [(MAYOR_CHAT, "mayor_resolved")]


@pytest.mark.parametrize(
    ("esc", "user_id", "refusal"),
    [
        (held, BRAM.user_id, Refusal("not_holder", "Anna")),
        (lambda: triggered(1), OUTSIDER, Refusal("not_in_plan")),
        (exhausted, OUTSIDER, Refusal("not_in_plan")),
    ],
)
def test_resolve_refusals(esc: Callable[[], Escalation], user_id: int, refusal: Refusal) -> None:
    assert resolve(esc(), user_id, "", T0 + timedelta(hours=1)) == refusal


# --- cancel ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("esc", "officers"),
    [
        (lambda: triggered(1), [111]),
        (held, [111]),
        (lambda: triggered(2), [111, 222]),
        (exhausted, [111, 222, 333]),
    ],
)
def test_cancel_from_every_open_state_tells_the_mayor_and_everyone_paged(
    esc: Callable[[], Escalation], officers: list[int]
) -> None:
    now = T0 + timedelta(hours=1)
    step = ok(cancel(esc(), ANNA.user_id, False, now))
    assert (step.escalation.state, step.escalation.closed_at, step.escalation.deadline) == (
        State.CANCELLED,
        now,
        None,
    )
    assert (step.event, step.actor) == ("cancel", 11)
    assert sent(step) == [
        (MAYOR_CHAT, "mayor_cancelled"),
        *((chat, "officer_cancelled") for chat in officers),
    ]


def test_only_an_administrator_or_someone_paged_may_cancel() -> None:
    assert cancel(triggered(), OUTSIDER, False, T0) == Refusal("not_allowed")
    step = ok(cancel(triggered(), OUTSIDER, True, T0))
    assert step.escalation.state is State.CANCELLED
    nobody = begin(Plan(levels=())).escalation
    assert ok(cancel(nobody, OUTSIDER, True, T0)).escalation.state is State.CANCELLED


# --- closed states ---------------------------------------------------------------------------


EVENTS: dict[str, Callable[[Escalation, datetime], Transition | Refusal]] = {
    "ack": lambda e, now: acknowledge(e, ANNA.user_id, now, POLICY),
    "pass": lambda e, now: pass_on(e, ANNA.user_id, "x", now, POLICY),
    "resolve": lambda e, now: resolve(e, ANNA.user_id, "", now),
    "cancel": lambda e, now: cancel(e, ANNA.user_id, True, now),
}


@pytest.mark.parametrize(
    ("esc", "holder"), [(resolved, "Anna"), (cancelled, None)], ids=["resolved", "cancelled"]
)
@pytest.mark.parametrize("event", sorted(EVENTS))
def test_closed_escalations_refuse_every_event(
    esc: Callable[[], Escalation], holder: str | None, event: str
) -> None:
    closed = esc()
    later = T0 + timedelta(hours=2)
    assert not closed.is_open
    assert EVENTS[event](closed, later) == Refusal("closed", holder)
    assert timeout(closed, later, POLICY) == Refusal("nothing_due")


@pytest.mark.parametrize(
    ("state", "is_open"),
    [
        (State.TRIGGERED, True),
        (State.ACKNOWLEDGED, True),
        (State.EXHAUSTED, True),
        (State.RESOLVED, False),
        (State.CANCELLED, False),
    ],
)
def test_is_open(state: State, is_open: bool) -> None:
    assert replace(triggered(), state=state).is_open is is_open


# --- daylight saving -------------------------------------------------------------------------


def test_deadline_is_ack_timeout_in_real_time_across_the_autumn_clock_change() -> None:
    now = datetime(2026, 10, 25, 2, 58, tzinfo=AMSTERDAM)  # CEST, 00:58 UTC
    esc = begin(now=now).escalation
    assert due(esc).astimezone(UTC) - now.astimezone(UTC) == POLICY.ack_timeout


def test_a_test_page_ends_at_its_first_deadline_and_never_escalates() -> None:
    test = start(
        id=8,
        mayor_id=ANNA.user_id,
        mayor_chat=ANNA.chat_id,
        mayor_name="Anna",
        municipality="-",
        message="TEST",
        phone=None,
        plan=Plan(levels=((ANNA,),)),
        now=T0,
        policy=POLICY,
        test=True,
    ).escalation
    expired = ok(timeout(test, T0 + 5 * MINUTE, POLICY))
    assert expired.escalation.state is State.CANCELLED
    assert sent(expired) == [(ANNA.chat_id, "test_expired")]
    taken = ok(acknowledge(test, ANNA.user_id, T0 + MINUTE, POLICY)).escalation
    done = ok(timeout(taken, T0 + 31 * MINUTE, POLICY))
    assert done.escalation.state is State.RESOLVED
    assert sent(done) == [(ANNA.chat_id, "test_done")]


def test_withdrawing_the_holder_pages_the_next_level_at_once_and_tells_the_mayor() -> None:
    held = ok(acknowledge(begin().escalation, ANNA.user_id, T0 + MINUTE, POLICY)).escalation
    moved = ok(withdraw(held, ANNA.user_id, "toegang ingetrokken", T0 + 2 * MINUTE, POLICY))
    assert moved.escalation.level == 2 and moved.escalation.holder is None
    assert moved.escalation.plan.find(ANNA.user_id) is None
    assert (BRAM.chat_id, "page") in sent(moved) and (MAYOR_CHAT, "mayor_withdrawn") in sent(moved)


def test_withdrawing_an_officer_from_their_own_test_page_ends_it_quietly() -> None:
    test_page = replace(begin(Plan(levels=((ANNA,),))).escalation, test=True)
    ended = ok(withdraw(test_page, ANNA.user_id, "toegang ingetrokken", T0 + MINUTE, POLICY))
    assert ended.escalation.state is State.CANCELLED and ended.notices == ()
