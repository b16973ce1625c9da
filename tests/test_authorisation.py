"""Every command and button against every kind of user: allowed or refused, nothing else.

The expected table below is written out by hand, apart from bot/core/access.py, so the test
fails when either drifts. Each case runs on its own copy of one prepared database: a world
with an open page, a page held, a handled page, an open ticket and a hand-over offer.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.core.access import RULES, Act
from bot.core.actions import Ack, decode
from bot.core.clock import ManualClock
from bot.core.desk import Desk
from bot.core.models import Grant, Member, Role, Sender
from bot.core.roster import Shift
from bot.core.settings import HelpdeskSettings
from bot.core.triage import Triage
from bot.store.sqlite import Store
from bot.wiring import build_desk
from tests.conftest import AFTER_HOURS

GROUP = -100123
INVITE = "uitnodiging-voor-staf"
QUESTION = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"
ANSWERED = "wat is het gzza"
OFFER = 5  # every persona's kept question carries page offer number 5


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    role: Role | None  # None: never registered
    username: str


PERSONAS = (
    Persona("guest", 1001, None, "gast"),
    Persona("staff", 1002, Role.STAFF, "staf"),
    Persona("mayor", 1003, Role.MAYOR, "burgemeester"),
    Persona("deputy", 1004, Role.DEPUTY_MAYOR, "loco"),
    Persona("officer_on", 1005, Role.DUTY_OFFICER, "piket_aan"),
    Persona("officer_off", 1006, Role.DUTY_OFFICER, "piket_uit"),
    Persona("agent", 1007, Role.AGENT, "agent"),
    Persona("admin", 1008, Role.ADMIN, "beheer"),
    Persona("revoked", 1009, Role.DUTY_OFFICER, "ingetrokken"),  # on shift and paged, then revoked
)
BY_KEY = {p.key: p for p in PERSONAS}
ASKER, MAYOR_A, MAYOR_B = 990, 991, 992  # not personas: own the ticket and the other pages

# Who may, in this world. Refused means: a polite reply, and no state changed.
EXPECTED: dict[Act, set[str]] = {
    Act.START: {
        "guest",
        "staff",
        "mayor",
        "deputy",
        "officer_on",
        "officer_off",
        "agent",
        "revoked",
    },
    Act.HELP: {p.key for p in PERSONAS},
    Act.BROWSE: {p.key for p in PERSONAS},
    Act.ASK: {p.key for p in PERSONAS},
    Act.CRISIS: {p.key for p in PERSONAS},
    Act.FEEDBACK: {p.key for p in PERSONAS},
    Act.ASK_PERSON: {"staff", "mayor", "deputy", "officer_on", "officer_off", "agent", "admin"},
    # Ticket #1 is the asker's: nobody else closes it (the asker's own press: the Telegram
    # test of an open ticket).
    Act.CLOSE_OWN: set(),
    # The same ticket is no urgent one of theirs: nobody withdraws it.
    Act.NOT_URGENT: set(),
    Act.MY_DATA: {p.key for p in PERSONAS},
    Act.FORGET: {p.key for p in PERSONAS},
    Act.SHARE_PHONE: {"mayor", "deputy"},
    Act.PAGE: {"mayor", "deputy"},
    Act.PAGE_FEEDBACK: {"mayor"},  # page #3 is the mayor's, handled
    Act.ACK: {"officer_on"},  # page #1 went to officer_on (and to the revoked officer)
    Act.PASS: {"officer_on"},
    Act.RESOLVE: {"officer_on"},
    Act.CANCEL: {"officer_on", "admin"},
    Act.RELAY: {"officer_on"},  # holds page #2
    Act.ON_DUTY: {"officer_on", "officer_off", "agent", "admin"},
    Act.HANDOVER: {"officer_on"},  # the only officer on shift
    Act.ACCEPT_HANDOVER: {"officer_off"},  # offer #1: officer_on to officer_off
    Act.TEST_PAGE: {"officer_on", "officer_off", "admin"},
    Act.CLAIM: {"agent", "admin"},
    Act.AGENT_REPLY: {"agent", "admin"},
    Act.CLOSE: {"agent", "admin"},
}
# What a forged or refused action must leave alone, whatever the reply says.
POWER = (
    "users",
    "invites",
    "shifts",
    "handovers",
    "escalations",
    "escalation_events",
    "tickets",
    "ticket_messages",
    "feedback",
    "alerts",
)
# How a read-only action says no (the others are judged by what they changed).
REFUSALS = ("Dit is alleen voor", "Alleen een aangemelde", "Deze knop is verlopen")


@dataclass
class World:
    store: Store
    desk: Desk
    path: Path

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.path) as db:
            return list(db.execute(sql, args))

    def one(self, sql: str, *args: Any) -> Any:
        found = self.rows(sql, *args)
        return found[0][0] if found else None


@dataclass(frozen=True)
class Outcome:
    texts: tuple[str, ...]

    @property
    def refused(self) -> bool:
        return any(mark in t for t in self.texts for mark in REFUSALS)


Run = Callable[[World, Persona], Awaitable[Outcome]]
Effect = Callable[[World, Persona, Outcome], bool]


def sender(p: Persona) -> Sender:
    return Sender(user_id=p.user_id, chat_id=p.user_id, username=p.username)


async def member(w: World, p: Persona) -> Member | None:
    return (await w.desk.reception.identify(sender(p)))[0]


async def press(w: World, p: Persona, data: str, on: int | None = 77) -> Outcome:
    answer = await w.desk.press(sender(p), decode(data), on)
    return Outcome((*(r.text for r in answer.replies), answer.toast or ""))


async def say(w: World, p: Persona, text: str, *, crisis: bool = False) -> Outcome:
    return Outcome(tuple(r.text for r in await w.desk.message(sender(p), text, crisis=crisis)))


async def group_press(w: World, p: Persona, data: str) -> Outcome:
    answer = await w.desk.agents.press(replace(sender(p), chat_id=GROUP), decode(data))
    return Outcome((answer.toast or "",))


def reply(text: str | None) -> Outcome:
    return Outcome((text or "",))


async def run_start(w: World, p: Persona) -> Outcome:
    return Outcome(tuple(r.text for r in await w.desk.reception.start(sender(p), INVITE)))


async def run_help(w: World, p: Persona) -> Outcome:
    _, user = await w.desk.reception.identify(sender(p))
    return reply(w.desk.reception.help(user).text)


async def run_my_data(w: World, p: Persona) -> Outcome:
    return reply((await w.desk.privacy.my_data(sender(p))).text)


async def run_share_phone(w: World, p: Persona) -> Outcome:
    return reply((await w.desk.crisis.share_phone(sender(p), p.user_id, "+31612345678")).text)


async def run_cancel(w: World, p: Persona) -> Outcome:
    return reply((await w.desk.officers.cancel_command(await member(w, p), "1", "nl")).text)


async def run_pass(w: World, p: Persona) -> Outcome:
    out = await w.desk.officers.pass_command(await member(w, p), "1 geen bereik", "nl")
    return reply(out.text)


async def run_resolve(w: World, p: Persona) -> Outcome:
    out = await w.desk.officers.resolve_command(await member(w, p), "klaar", "nl")
    return reply(out.text if out else None)


async def run_on_duty(w: World, p: Persona) -> Outcome:
    return reply((await w.desk.duty.on_duty(await member(w, p), "nl")).text)


async def run_handover(w: World, p: Persona) -> Outcome:
    out = await w.desk.duty.offer_handover(await member(w, p), "@piket_uit")
    return reply(out.text)


async def run_test_page(w: World, p: Persona) -> Outcome:
    out = await w.desk.pager.test_page(await member(w, p), "nl")
    return reply(out.text if out else None)


async def run_agent_reply(w: World, p: Persona) -> Outcome:
    out = await w.desk.agents.message(
        replace(sender(p), chat_id=GROUP),
        "Wij bellen u.",
        message_id=9001,
        thread_id=None,
        reply_to=500,
    )
    return Outcome(tuple(r.text for r in out))


async def run_close(w: World, p: Persona) -> Outcome:
    out = await w.desk.agents.close(
        replace(sender(p), chat_id=GROUP), "1", thread_id=None, reply_to=None
    )
    return Outcome(tuple(r.text for r in out))


def esc(w: World, column: str, escalation: int) -> Any:
    return w.one(f"SELECT {column} FROM escalations WHERE id = ?", escalation)


def answered(w: World, p: Persona, out: Outcome) -> bool:
    return bool("".join(out.texts).strip()) and not out.refused


def drafted(w: World, p: Persona) -> bool:
    return bool(w.one("SELECT question FROM drafts WHERE user_id = ?", p.user_id) == QUESTION)


def relayed_to(w: World, chat_id: int) -> bool:
    return bool(
        w.one("SELECT count(*) FROM outbox WHERE purpose = 'relay' AND chat_id = ?", chat_id)
    )


def count(w: World, sql: str, *args: Any) -> int:
    return int(w.one(sql, *args) or 0)


# Each action, as its commands and buttons reach the core, with what it does when allowed.
CASES: dict[Act, list[tuple[Run, Effect]]] = {
    Act.START: [
        (
            run_start,
            lambda w, p, o: (
                w.one("SELECT role FROM users WHERE user_id = ? AND revoked_at IS NULL", p.user_id)
                == "staff"
            ),
        )
    ],
    Act.HELP: [(run_help, answered)],
    Act.BROWSE: [(lambda w, p: press(w, p, "themes"), answered)],
    Act.ASK: [
        (
            lambda w, p: say(w, p, QUESTION),
            # officer_on holds page #2: what they type goes to that mayor.
            lambda w, p, o: (answered(w, p, o) and drafted(w, p)) or relayed_to(w, MAYOR_B),
        )
    ],
    Act.CRISIS: [
        (
            lambda w, p: say(w, p, "Er is brand in het azc", crisis=True),
            lambda w, p, o: o.texts[0].startswith("Direct gevaar? Bel 112."),
        )
    ],
    Act.FEEDBACK: [
        (
            lambda w, p: press(w, p, "fb:gzza:up"),
            lambda w, p, o: count(w, "SELECT count(*) FROM feedback") == 1,
        )
    ],
    Act.ASK_PERSON: [
        (
            lambda w, p: press(w, p, "human"),
            lambda w, p, o: (
                count(w, "SELECT count(*) FROM tickets WHERE user_id = ?", p.user_id) == 1
            ),
        )
    ],
    Act.CLOSE_OWN: [
        (
            lambda w, p: press(w, p, "done:1"),
            lambda w, p, o: w.one("SELECT status FROM tickets WHERE id = 1") == "closed",
        )
    ],
    Act.NOT_URGENT: [
        (
            lambda w, p: press(w, p, "calm:1"),
            lambda w, p, o: w.one("SELECT status FROM tickets WHERE id = 1") == "closed",
        )
    ],
    Act.MY_DATA: [(run_my_data, answered)],
    Act.FORGET: [
        (
            lambda w, p: press(w, p, "forget"),
            lambda w, p, o: (
                count(w, "SELECT count(*) FROM drafts WHERE user_id = ?", p.user_id) == 0
            ),
        )
    ],
    Act.SHARE_PHONE: [
        (
            run_share_phone,
            lambda w, p, o: (
                w.one("SELECT phone FROM drafts WHERE user_id = ?", p.user_id) is not None
            ),
        )
    ],
    Act.PAGE: [
        (
            lambda w, p: press(w, p, f"page:{OFFER}"),
            lambda w, p, o: (
                count(
                    w,
                    "SELECT count(*) FROM escalations WHERE mayor_id = ? AND state != 'resolved'",
                    p.user_id,
                )
                == 1
            ),
        )
    ],
    Act.PAGE_FEEDBACK: [
        (lambda w, p: press(w, p, "escfb:3:up"), lambda w, p, o: esc(w, "helpful", 3) == 1)
    ],
    Act.ACK: [
        (lambda w, p: press(w, p, "ack:1"), lambda w, p, o: esc(w, "state", 1) == "acknowledged")
    ],
    Act.PASS: [
        (lambda w, p: press(w, p, "pass:1"), lambda w, p, o: passed(w)),
        (run_pass, lambda w, p, o: passed(w)),
    ],
    Act.RESOLVE: [
        (lambda w, p: press(w, p, "resolve:1"), lambda w, p, o: esc(w, "state", 1) == "resolved"),
        (run_resolve, lambda w, p, o: esc(w, "state", 2) == "resolved"),
    ],
    Act.CANCEL: [(run_cancel, lambda w, p, o: esc(w, "state", 1) == "cancelled")],
    Act.RELAY: [(lambda w, p: say(w, p, ANSWERED), lambda w, p, o: relayed_to(w, MAYOR_B))],
    Act.ON_DUTY: [(run_on_duty, answered)],
    Act.HANDOVER: [(run_handover, lambda w, p, o: count(w, "SELECT count(*) FROM handovers") == 2)],
    Act.ACCEPT_HANDOVER: [
        (
            lambda w, p: press(w, p, "ho:1"),
            lambda w, p, o: w.one("SELECT accepted_at FROM handovers WHERE id = 1") is not None,
        )
    ],
    Act.TEST_PAGE: [
        (
            run_test_page,
            lambda w, p, o: count(w, "SELECT count(*) FROM escalations WHERE test = 1") == 1,
        )
    ],
    Act.CLAIM: [
        (
            lambda w, p: group_press(w, p, "claim:1"),
            lambda w, p, o: w.one("SELECT agent_id FROM tickets WHERE id = 1") == p.user_id,
        )
    ],
    Act.AGENT_REPLY: [
        (
            run_agent_reply,
            lambda w, p, o: (
                count(w, "SELECT count(*) FROM ticket_messages WHERE sender = 'agent'") == 1
            ),
        )
    ],
    Act.CLOSE: [
        (run_close, lambda w, p, o: w.one("SELECT status FROM tickets WHERE id = 1") == "closed")
    ],
}


def passed(w: World) -> bool:
    return count(w, "SELECT count(*) FROM escalation_events WHERE event = 'pass'") == 1


def snapshot(w: World) -> dict[str, list[tuple[Any, ...]]]:
    return {t: w.rows(f"SELECT * FROM {t} ORDER BY rowid") for t in POWER}


async def build_world(path: Path, triage: Triage) -> None:
    """The prepared world every case starts from."""
    store = await Store.open(path)
    clock = ManualClock(AFTER_HOURS)
    desk = desk_over(store, clock, triage)
    now = clock.now()
    async with store.transaction():
        for p in PERSONAS:
            if p.role is not None:
                await store.users.save(
                    Member(p.user_id, p.user_id, p.role, "Brummen", p.key, p.username), now
                )
        for user_id, role in ((ASKER, Role.STAFF), (MAYOR_A, Role.MAYOR), (MAYOR_B, Role.MAYOR)):
            await store.users.save(Member(user_id, user_id, role, "Brummen", f"u{user_id}"), now)
        for p in (BY_KEY["officer_on"], BY_KEY["revoked"]):
            start = now - timedelta(hours=1)
            await store.shifts.add(Shift(p.user_id, 1, start, start + timedelta(hours=12)))
        ticket = await store.tickets.create(
            user_id=ASKER, chat_id=ASKER, question=QUESTION, language="nl", urgent=False, now=now
        )
        await store.tickets.posted(ticket.id, 500, None)
        pager = desk.pager
        on, gone = await store.users.get(1005), await store.users.get(1009)
        assert on is not None and gone is not None
        for mayor in (MAYOR_A, MAYOR_B, BY_KEY["mayor"].user_id):
            who = await store.users.get(mayor)
            assert who is not None
            assert await pager.page(who, "Er is onrust bij de opvang") is None
        await pager.press(on, on.user_id, Ack(2))
        await pager.press(gone, gone.user_id, Ack(3))
        await desk.officers.resolve_command(gone, "", "nl")
        await desk.duty.offer_handover(on, "@piket_uit")
        await store.invites.create(
            INVITE, Grant(Role.STAFF, "Brummen", None), now, now + timedelta(days=7)
        )
        for p in PERSONAS:
            await store.drafts.remember(p.user_id, QUESTION, now)
        await store.db.execute("UPDATE drafts SET offer = ?", (OFFER,))
        # Revoked behind paging's back: still on page #1's plan, so only the role says no.
        await store.db.execute(
            "UPDATE users SET revoked_at = ? WHERE user_id = 1009", (now.isoformat(),)
        )
        await store.db.execute("DELETE FROM outbox")
    await store.close()


def desk_over(store: Store, clock: ManualClock, triage: Triage) -> Desk:
    settings = replace(Settings(), helpdesk=HelpdeskSettings(chat_id=GROUP))
    return build_desk(store, settings, triage, clock)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, triage: Triage) -> Path:
    import asyncio

    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    asyncio.run(build_world(path, triage))
    return path


def test_the_expected_table_covers_every_action_in_the_rules() -> None:
    assert set(EXPECTED) == set(RULES) == set(CASES)


@pytest.mark.parametrize("act", list(Act), ids=str)
async def test_every_user_may_or_may_not(
    act: Act, template: Path, triage: Triage, tmp_path: Path
) -> None:
    wrong: list[str] = []
    for number, (run, effect) in enumerate(CASES[act]):
        for persona in PERSONAS:
            path = tmp_path / f"{number}-{persona.key}.sqlite3"
            shutil.copy(template, path)
            problem = await one_case(
                path, triage, persona, run, effect, persona.key in EXPECTED[act]
            )
            if problem:
                wrong.append(f"{act} #{number} {persona.key}: {problem}")
    assert not wrong, "\n".join(wrong)


async def one_case(
    path: Path, triage: Triage, persona: Persona, run: Run, effect: Effect, allowed: bool
) -> str | None:
    """Run one action as one user on a fresh copy; say what is wrong, None if nothing."""
    store = await Store.open(path)
    world = World(store, desk_over(store, ManualClock(AFTER_HOURS), triage), path)
    try:
        before = snapshot(world)
        async with store.transaction():
            outcome = await run(world, persona)
    finally:
        await store.close()
    if effect(world, persona, outcome) != allowed:
        return f"expected {'allowed' if allowed else 'refused'}, got {outcome.texts}"
    if allowed:
        return None
    changed = [t for t, rows in snapshot(world).items() if rows != before[t]]
    if changed:
        return f"refused, yet changed {changed}"
    if not "".join(outcome.texts).strip():
        return "refused without a word"
    return None
