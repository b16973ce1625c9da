"""The paging state machine: pure transitions that say what to keep and what to send.

triggered ──ack──▶ acknowledged ──resolve──▶ resolved
    │  ▲                │
timeout│ └──pass────────┘            any open state ──cancel──▶ cancelled
    ▼
(next level) … after the last level ──▶ exhausted ──ack──▶ acknowledged
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.actions import Ack, Action, PageFeedback, PassOn, Resolve
from bot.core.clock import later
from bot.core.roster import Plan, Responder


class State(StrEnum):
    """Where an escalation stands."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    EXHAUSTED = "exhausted"
    CANCELLED = "cancelled"


OPEN = frozenset({State.TRIGGERED, State.ACKNOWLEDGED, State.EXHAUSTED})


@dataclass(frozen=True)
class Policy:
    """How long each level has to acknowledge, and when a holder is reminded."""

    ack_timeout: timedelta = timedelta(minutes=5)
    resolve_reminder: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Escalation:
    """A page for the flying brigade, with its frozen plan and its next deadline."""

    id: int
    mayor_id: int
    mayor_chat: int
    mayor_name: str
    municipality: str
    message: str
    phone: str | None
    plan: Plan
    state: State
    level: int
    deadline: datetime | None
    created_at: datetime
    test: bool = False
    holder: int | None = None
    holder_name: str | None = None
    acked_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Tell whether the escalation still needs someone."""
        return self.state in OPEN


@dataclass(frozen=True)
class Notice:
    """A message a transition wants sent; the text is looked up by key elsewhere."""

    chat_id: int
    key: str
    values: Mapping[str, str] = field(default_factory=dict)
    buttons: tuple[tuple[str, Action], ...] = ()
    dedupe: str = ""
    to_admins: bool = False


@dataclass(frozen=True)
class Transition:
    """The escalation after an event, what to send, and what the audit trail records."""

    escalation: Escalation
    notices: tuple[Notice, ...]
    event: str
    actor: int | None
    detail: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why an event was refused: a text key, and who holds the escalation."""

    reason: str
    holder_name: str | None = None


def start(
    *,
    id: int,
    mayor_id: int,
    mayor_chat: int,
    mayor_name: str,
    municipality: str,
    message: str,
    phone: str | None,
    plan: Plan,
    now: datetime,
    policy: Policy,
    test: bool = False,
) -> Transition:
    """Open an escalation and page its first level; exhausted at once if nobody is on it."""
    esc = Escalation(
        id=id,
        mayor_id=mayor_id,
        mayor_chat=mayor_chat,
        mayor_name=mayor_name,
        municipality=municipality,
        message=message,
        phone=phone,
        plan=plan,
        state=State.TRIGGERED,
        level=0,
        deadline=None,
        created_at=now,
        test=test,
    )
    first = plan.first_level()
    if first is None:
        return _exhaust(esc, now, None, "page", "nobody on the roster")
    paged = replace(esc, level=first, deadline=later(now, policy.ack_timeout))
    notices = (*_pages(paged, first), _to_mayor(paged, "mayor_paged", names=_names(plan, first)))
    return Transition(paged, notices, "page", mayor_id)


def acknowledge(
    esc: Escalation, by: int, now: datetime, policy: Policy | None = None
) -> Transition | Refusal:
    """Claim the escalation: the first press wins, later presses are told who has it."""
    if not esc.is_open:
        return Refusal("closed", esc.holder_name)
    responder = _paged(esc, by)
    if responder is None:
        return Refusal("not_in_plan")
    if esc.state is State.ACKNOWLEDGED:
        if esc.holder == by:
            return Transition(esc, (), "ack", by, "again")
        return Refusal("already_taken", esc.holder_name)
    reminder = (policy or Policy()).resolve_reminder
    held = replace(
        esc,
        state=State.ACKNOWLEDGED,
        holder=by,
        holder_name=responder.name,
        acked_at=now,
        deadline=later(now, reminder),
    )
    notices = [_to_mayor(held, "mayor_acked", name=responder.name)]
    notices += [
        _notice(held, r, "taken", name=responder.name)
        for r in esc.plan.paged_up_to(esc.level)
        if r.user_id != by
    ]
    return Transition(held, tuple(notices), "ack", by)


def timeout(esc: Escalation, now: datetime, policy: Policy | None = None) -> Transition | Refusal:
    """Advance an escalation whose deadline passed: next level, re-page, or remind."""
    if not esc.is_open or esc.deadline is None or now < esc.deadline:
        return Refusal("nothing_due")
    rules = policy or Policy()
    late = f"late {(now - esc.deadline).total_seconds():.1f}s"
    if esc.test:
        return _end_test(esc, now, late)
    if esc.state is State.ACKNOWLEDGED:
        reminded = replace(esc, deadline=later(now, rules.resolve_reminder))
        holder = esc.plan.find(esc.holder or 0)
        notices = (_notice(reminded, holder[1], "remind"),) if holder else ()
        return Transition(reminded, notices, "remind", None, late)
    if esc.state is State.EXHAUSTED:
        repaged = replace(esc, deadline=later(now, rules.ack_timeout))
        if esc.plan.last_level() is None:
            return Transition(repaged, (), "recheck", None, f"{late}; nobody on the roster")
        return Transition(repaged, _pages(repaged, esc.level), "repage", None, late)
    return _escalate(esc, now, rules, None, "timeout", late)


def restaff(
    esc: Escalation, plan: Plan, now: datetime, policy: Policy | None = None
) -> Transition | Refusal:
    """Page the roster of now for an escalation that began with nobody on its plan.

    The one exception to the frozen plan: a plan with nobody on it has nobody to redirect,
    and a mayor who was told nobody could be reached should still get the first officer
    who comes on duty.
    """
    first = plan.first_level()
    if not esc.is_open or esc.plan.first_level() is not None or first is None:
        return Refusal("nothing_due")
    rules = policy or Policy()
    paged = replace(
        esc, plan=plan, state=State.TRIGGERED, level=first, deadline=later(now, rules.ack_timeout)
    )
    notices = (*_pages(paged, first), _to_mayor(paged, "mayor_paged", names=_names(plan, first)))
    return Transition(paged, notices, "restaff", None, "someone came on duty")


def pass_on(
    esc: Escalation, by: int, reason: str, now: datetime, policy: Policy | None = None
) -> Transition | Refusal:
    """Hand the escalation to the next level, with a reason."""
    if not esc.is_open:
        return Refusal("closed", esc.holder_name)
    if _paged(esc, by) is None:
        return Refusal("not_in_plan")
    if esc.state is State.ACKNOWLEDGED and esc.holder != by:
        return Refusal("not_holder", esc.holder_name)
    released = replace(esc, state=State.TRIGGERED, holder=None, holder_name=None, acked_at=None)
    return _escalate(released, now, policy or Policy(), by, "pass", reason)


def resolve(esc: Escalation, by: int, note: str, now: datetime) -> Transition | Refusal:
    """Close the escalation as handled; the mayor is asked whether it helped."""
    if not esc.is_open:
        return Refusal("closed", esc.holder_name)
    if esc.state is State.ACKNOWLEDGED and esc.holder != by:
        return Refusal("not_holder", esc.holder_name)
    if _paged(esc, by) is None:
        return Refusal("not_in_plan")
    done = replace(esc, state=State.RESOLVED, closed_at=now, deadline=None)
    feedback = (
        ("button_helpful", PageFeedback(esc.id, helpful=True)),
        ("button_not_helpful", PageFeedback(esc.id, helpful=False)),
    )
    notices = [_to_mayor(done, "mayor_resolved", buttons=feedback, note=note)]
    notices += [
        _notice(done, r, "officer_closed")
        for r in esc.plan.paged_up_to(esc.level)
        if r.user_id != by
    ]
    return Transition(done, tuple(notices), "resolve", by, note)


def withdraw(
    esc: Escalation, user_id: int, reason: str, now: datetime, policy: Policy | None = None
) -> Transition | Refusal:
    """Take someone who may no longer be paged (revoked, or no longer an officer) off an open
    escalation: it goes on to the next level at once when they held it or were the only one
    paged; they hear nothing more of it either way."""
    if not esc.is_open:
        return Refusal("closed", esc.holder_name)
    if esc.plan.find(user_id) is None:
        return Refusal("not_in_plan")
    rest = replace(esc, plan=esc.plan.without(user_id))
    if esc.test:
        # A test page is the officer's own: it ends quietly, with no alarm for anyone.
        ended = replace(rest, state=State.CANCELLED, closed_at=now, deadline=None)
        return Transition(ended, (), "withdraw", None, reason)
    held = esc.state is State.ACKNOWLEDGED and esc.holder == user_id
    alone = esc.state is State.TRIGGERED and not rest.plan.responders(esc.level)
    if not (held or alone):
        return Transition(rest, (), "withdraw", None, reason)
    released = replace(rest, state=State.TRIGGERED, holder=None, holder_name=None, acked_at=None)
    moved = _escalate(released, now, policy or Policy(), None, "withdraw", reason)
    # Not "nobody has taken it yet": the mayor may have been talking with them.
    notices = tuple(
        replace(n, key="mayor_withdrawn") if n.key == "mayor_next_level" else n
        for n in moved.notices
    )
    return replace(moved, notices=notices)


def cancel(esc: Escalation, by: int, by_admin: bool, now: datetime) -> Transition | Refusal:
    """Withdraw the escalation (an administrator, or someone it was paged to)."""
    if not esc.is_open:
        return Refusal("closed", esc.holder_name)
    if not by_admin and _paged(esc, by) is None:
        return Refusal("not_allowed")
    done = replace(esc, state=State.CANCELLED, closed_at=now, deadline=None)
    notices = [_to_mayor(done, "mayor_cancelled")]
    notices += [_notice(done, r, "officer_cancelled") for r in esc.plan.paged_up_to(esc.level)]
    return Transition(done, tuple(notices), "cancel", by)


def _escalate(
    esc: Escalation, now: datetime, policy: Policy, actor: int | None, event: str, detail: str
) -> Transition:
    """Page the next level with someone on it; past the last level, exhaust."""
    following = esc.plan.next_level(esc.level)
    if following is None:
        return _exhaust(esc, now, actor, event, detail, policy)
    moved = replace(esc, level=following, deadline=later(now, policy.ack_timeout))
    notices = list(_pages(moved, following))
    if event == "pass":
        notices += [
            _notice(moved, r, "officer_passed", reason=detail)
            for r in moved.plan.responders(following)
        ]
    notices.append(_to_mayor(moved, "mayor_next_level", names=_names(esc.plan, following)))
    return Transition(moved, tuple(notices), event, actor, detail)


def _end_test(esc: Escalation, now: datetime, late: str) -> Transition:
    """A test page ends at its first deadline: it has shown what it can, and must never
    escalate to others or alert administrators."""
    taken = esc.state is State.ACKNOWLEDGED
    done = replace(
        esc,
        state=State.RESOLVED if taken else State.CANCELLED,
        closed_at=now,
        deadline=None,
    )
    key = "test_done" if taken else "test_expired"
    notices = tuple(_notice(done, r, key) for r in esc.plan.paged_up_to(esc.level))
    return Transition(done, notices, "timeout", None, late)


def _exhaust(
    esc: Escalation,
    now: datetime,
    actor: int | None,
    event: str,
    detail: str,
    policy: Policy | None = None,
) -> Transition:
    """Nobody acknowledged: tell the mayor at once, alert administrators, keep re-paging."""
    last = esc.plan.last_level()
    # Also with nobody on the plan: at the deadline the roster is looked at again (restaff).
    deadline = later(now, (policy or Policy()).ack_timeout)
    done = replace(esc, state=State.EXHAUSTED, level=last or 0, deadline=deadline)
    notices = [_to_mayor(done, "mayor_exhausted" if last else "mayor_nobody")]
    notices.append(
        Notice(0, "admins_exhausted", _values(done), dedupe=_key(done, "admins", 0), to_admins=True)
    )
    if last:
        notices += _pages(done, last)
    return Transition(done, tuple(notices), event, actor, detail)


def _pages(esc: Escalation, level: int) -> tuple[Notice, ...]:
    buttons = (
        ("button_ack", Ack(esc.id)),
        ("button_pass", PassOn(esc.id)),
        ("button_resolve", Resolve(esc.id)),
    )
    return tuple(
        _notice(esc, r, "page", buttons=buttons, level=str(level))
        for r in esc.plan.responders(level)
    )


def _notice(
    esc: Escalation,
    to: Responder,
    key: str,
    buttons: tuple[tuple[str, Action], ...] = (),
    **values: str,
) -> Notice:
    return Notice(to.chat_id, key, {**_values(esc), **values}, buttons, _key(esc, key, to.user_id))


def _to_mayor(
    esc: Escalation, key: str, buttons: tuple[tuple[str, Action], ...] = (), **values: str
) -> Notice:
    return Notice(
        esc.mayor_chat, key, {**_values(esc), **values}, buttons, _key(esc, key, esc.mayor_id)
    )


def _values(esc: Escalation) -> dict[str, str]:
    return {
        "id": str(esc.id),
        "mayor_name": esc.mayor_name,
        "municipality": esc.municipality,
        "message": esc.message,
        "phone": esc.phone or "-",
        "level": str(esc.level),
        "name": esc.holder_name or "",
    }


def _key(esc: Escalation, what: str, recipient: int) -> str:
    """A dedupe key: the same for a retried transition, new for every later one."""
    deadline = esc.deadline.isoformat() if esc.deadline else "-"
    return f"esc:{esc.id}:{what}:{esc.state.value}:{esc.level}:{recipient}:{deadline}"


def _names(plan: Plan, level: int) -> str:
    return ", ".join(r.name for r in plan.responders(level))


def _paged(esc: Escalation, user_id: int) -> Responder | None:
    return next((r for r in esc.plan.paged_up_to(esc.level) if r.user_id == user_id), None)
