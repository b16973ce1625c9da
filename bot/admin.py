"""Administrator commands over the store: invites, users, the roster and reports."""

from __future__ import annotations

import csv
import io
import math
import secrets
import statistics
from datetime import datetime, timedelta
from pathlib import Path

from bot.core.access import OFFICERS
from bot.core.clock import AMSTERDAM, parse_moment
from bot.core.escalation import State
from bot.core.models import Grant, Member, Role
from bot.core.paging import Pager
from bot.core.roster import Shift, next_shifts, on_duty, uncovered, validate_shift
from bot.errors import UsageError
from bot.store.sqlite import Store

INVITE_BYTES = 12  # 16 URL-safe characters: unguessable, and short enough for a deep link


async def create_invite(store: Store, grant: Grant, now: datetime, valid: timedelta) -> str:
    """Store a new one-time invite and return its code (shown once, kept only hashed)."""
    code = secrets.token_urlsafe(INVITE_BYTES)
    await store.invites.create(code, grant, now, now + valid)
    return code


def invite_link(username: str, code: str) -> str:
    """Return the deep link that redeems a code."""
    return f"https://t.me/{username}?start={code}"


async def list_users(store: Store) -> list[str]:
    """Return one line per active user."""
    members = await store.users.list()
    return [
        f"{m.user_id}\t{m.role.value}\t{m.municipality or '-'}\t{m.name or '-'}\t"
        f"@{m.username or '-'}"
        for m in members
    ] or ["(no users)"]


async def revoke_user(store: Store, pager: Pager, ref: str) -> str:
    """Revoke a user's role; they are a guest from now on, and off every page and shift."""
    async with store.transaction():
        member = await store.users.find(ref)
        if member is None:
            raise UsageError(f"no active user {ref!r} (give a Telegram user id or @username)")
        shifts = await _shifts_ahead(store, member, pager.clock.now())
        await store.users.revoke(member.user_id, pager.clock.now())
        moved = await _stand_down(store, pager, member, shifts, "toegang ingetrokken")
    return f"revoked {member.user_id} ({member.role.value}){moved}"


async def set_role(store: Store, pager: Pager, ref: str, role: Role) -> str:
    """Change a user's role; one who is no longer an officer is off every page and shift."""
    async with store.transaction():
        member = await store.users.find(ref)
        if member is None:
            raise UsageError(f"no active user {ref!r} (give a Telegram user id or @username)")
        shifts = await _shifts_ahead(store, member, pager.clock.now())
        await store.users.set_role(member.user_id, role)
        moved = ""
        if member.role in OFFICERS and role not in OFFICERS:
            moved = await _stand_down(store, pager, member, shifts, f"rol nu {role.value}")
    return f"{member.user_id} is now {role.value}{moved}"


async def _shifts_ahead(store: Store, member: Member, now: datetime) -> list[Shift]:
    """The member's shifts from now for two weeks: what stops counting when they go."""
    shifts = await store.shifts.between(now, now + timedelta(days=14))
    return [s for s in shifts if s.user_id == member.user_id]


async def _stand_down(
    store: Store, pager: Pager, member: Member, shifts: list[Shift], why: str
) -> str:
    # Ended, not hidden: /piket, the roster check and `roster show` then agree at once.
    await store.shifts.end_all(member.user_id, pager.clock.now())
    moved = await pager.stand_down(member, shifts, why)
    counted = f"; {len(shifts)} shift(s) ended" if shifts else ""
    passed = f"; page(s) passed on: {', '.join(f'#{n}' for n in moved)}" if moved else ""
    return counted + passed


async def unanswered_report(store: Store, since: datetime) -> list[str]:
    """Return the questions the FAQ could not answer, oldest first."""
    rows = await store.notes.unanswered_since(since)
    lines = [f"{when:%Y-%m-%d %H:%M}\t{route}\t{text}" for when, route, text in rows]
    return lines or ["(no unanswered questions)"]


async def add_shift(store: Store, ref: str, level: int, start: datetime, end: datetime) -> str:
    """Add a shift for a registered user; raise UsageError with what is expected."""
    member = await store.users.find(ref)
    if member is None:
        raise UsageError(
            f"no registered user {ref!r}: invite them first (python -m bot invite create "
            "--role duty_officer), then give their Telegram user id or @username"
        )
    problem = _not_on_roster(member) or validate_shift(member.user_id, level, start, end)
    if problem:
        raise UsageError(problem)
    shift_id = await store.shifts.add(
        Shift(user_id=member.user_id, level=level, start=start, end=end)
    )
    return f"shift {shift_id}: {member.label} level {level} {_span(start, end)}"


async def remove_shift(store: Store, shift_id: int) -> str:
    """Remove a shift by id."""
    if not await store.shifts.remove(shift_id):
        raise UsageError(f"no shift with id {shift_id} (see: python -m bot roster show)")
    return f"shift {shift_id} removed"


async def show_roster(store: Store, at: datetime) -> list[str]:
    """Describe who is on duty at a moment and the shifts of the next 24 hours."""
    shifts = await store.shifts.between(at, at + timedelta(hours=24))
    names = {m.user_id: m.label for m in await store.users.list()}
    lines = [f"on duty at {at.astimezone(AMSTERDAM):%Y-%m-%d %H:%M %Z}:"]
    current = on_duty(shifts, at)
    lines += [_shift_line(s, names) for s in current] or ["  nobody"]
    lines.append("next 24 hours:")
    lines += [_shift_line(s, names) for s in next_shifts(shifts, at, timedelta(hours=24))] or [
        "  nothing planned"
    ]
    gap = uncovered(shifts, at)
    if gap:
        lines.append(f"WARNING: nobody on duty from {_span(*gap)}")
    return lines


def read_roster_file(path: Path) -> str:
    """Read a roster CSV; raise UsageError naming the file when it cannot be read."""
    try:
        # utf-8-sig: a CSV saved by Excel starts with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None


async def import_roster(store: Store, path: Path, text: str) -> str:
    """Import shifts from a CSV (user,level,from,to); a bad row imports nothing."""
    header = text.partition("\n")[0]
    # A Dutch Excel saves with semicolons.
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in header else ",")
    columns = set(reader.fieldnames or [])
    missing, extra = _COLUMNS - columns, columns - _COLUMNS
    if missing or extra:
        raise UsageError(
            f"{path}:1: the header must be user,level,from,to"
            f" (missing {sorted(missing)}, unknown {sorted(extra)}); nothing was imported"
        )
    shifts = [await _csv_shift(store, path, reader.line_num, row) for row in reader]
    if not shifts:
        return f"{path}: no shifts in the file; nothing was imported"
    known = await store.shifts.between(min(s.start for s in shifts), max(s.end for s in shifts))
    seen = {(k.user_id, k.level, k.start, k.end) for k in known}
    new = [s for s in shifts if (s.user_id, s.level, s.start, s.end) not in seen]
    count = await store.shifts.add_all(new)
    skipped = len(shifts) - len(new)
    again = f" ({skipped} already on the roster, skipped)" if skipped else ""
    return f"imported {count} shifts from {path}{again}"


async def _csv_shift(store: Store, path: Path, line: int, row: dict[str, str]) -> Shift:
    def fail(reason: str) -> UsageError:
        return UsageError(f"{path}:{line}: {reason}; nothing was imported")

    member = await store.users.find((row.get("user") or "").strip())
    if member is None:
        raise fail(f"unknown user {row.get('user')!r} (invite them first)")
    try:
        level = int(row.get("level") or "")
        start, end = parse_moment(row.get("from") or ""), parse_moment(row.get("to") or "")
    except ValueError as exc:
        raise fail(str(exc) if "ISO" in str(exc) else "level must be 1, 2 or 3") from None
    problem = _not_on_roster(member) or validate_shift(member.user_id, level, start, end)
    if problem:
        raise fail(problem)
    return Shift(user_id=member.user_id, level=level, start=start, end=end)


_COLUMNS = frozenset({"user", "level", "from", "to"})


def _not_on_roster(member: Member) -> str | None:
    """Only duty officers and administrators may be paged and acknowledge."""
    if member.role in OFFICERS:
        return None
    return (
        f"{member.label} is {member.role.value}: only a duty_officer or admin can be on the"
        f" roster (python -m bot users set-role {member.user_id} duty_officer)"
    )


def _shift_line(shift: Shift, names: dict[int, str]) -> str:
    who = names.get(shift.user_id, str(shift.user_id))
    return f"  [{shift.id}] level {shift.level}: {who}, {_span(shift.start, shift.end)}"


def _span(start: datetime, end: datetime) -> str:
    a, b = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}"


async def escalation_report(store: Store, since: datetime, as_csv: bool) -> list[str]:
    """Each escalation with time to acknowledge and resolve; then median and 90th percentile."""
    rows = await store.escalations.since(since)
    # Only a resolved escalation has a time to resolve; a cancelled one just ended.
    resolved = {e.id: e.closed_at for e in rows if e.state is State.RESOLVED and e.closed_at}
    acks = [(e.acked_at - e.created_at).total_seconds() for e in rows if e.acked_at]
    closes = [(resolved[e.id] - e.created_at).total_seconds() for e in rows if e.id in resolved]
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["id", "created", "municipality", "state", "ack_seconds", "resolve_seconds"]
        )
        for e in rows:
            writer.writerow(
                [
                    e.id,
                    e.created_at.astimezone(AMSTERDAM).isoformat(),
                    e.municipality,
                    e.state.value,
                    _seconds(e.created_at, e.acked_at),
                    _seconds(e.created_at, resolved.get(e.id)),
                ]
            )
        return out.getvalue().splitlines()
    lines = [
        f"#{e.id} {e.created_at.astimezone(AMSTERDAM):%Y-%m-%d %H:%M} {e.municipality} "
        f"{e.state.value}: ack {_minutes(e.created_at, e.acked_at)}, "
        f"resolved {_minutes(e.created_at, resolved.get(e.id))}"
        for e in rows
    ] or ["(no escalations)"]
    lines.append(f"time to acknowledge: {_summary(acks)}")
    lines.append(f"time to resolve: {_summary(closes)}")
    return lines


def _seconds(start: datetime, end: datetime | None) -> str:
    return f"{(end - start).total_seconds():.0f}" if end else ""


def _minutes(start: datetime, end: datetime | None) -> str:
    return f"{(end - start).total_seconds() / 60:.1f} min" if end else "-"


def _summary(values: list[float]) -> str:
    if not values:
        return "no data"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]
    return (
        f"median {statistics.median(ordered) / 60:.1f} min, 90th percentile {p90 / 60:.1f} min "
        f"(n={len(ordered)})"
    )
