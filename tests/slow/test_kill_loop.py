"""SIGKILL the real `python -m bot run` at random moments of a scripted session, 80 times.

A seeded script plays a helpdesk night: municipal staff ask questions the FAQ cannot
answer (the first opens a ticket in the agents' group, the rest are follow-ups), a mayor
reports crises after hours and presses "Piket inschakelen", the duty officer takes the
page ([Aannemen]), mayor and officer write to each other through the bot, and the officer
closes it with /afgehandeld. Steps are queued at the local Bot API server in bursts while
the bot runs, and at a random moment of each burst the process is killed with SIGKILL:
0-400 ms after the burst began, right after one of its pushes, or 0-8 ms after the bot
took one of its updates (when it is being handled and answered). The database is then
looked at from outside (work in flight, integrity) and the process started again.

What is asserted does not depend on timing: nothing lost (every update handled, every
question in exactly one ticket row and at the agents', every relay delivered), nothing
done twice (one escalation per page press, one event per transition), every deadline
fired. The one thing allowed twice is the known at-least-once case: a message Telegram
took just before a kill, sent again after the restart. A copy is accepted as that case
only when it was the last message its chat got before a kill, since each chat's lane
sends nothing else until the delivery is recorded.

The seed is printed; run again with KILL_LOOP_SEED=<seed> (and KILL_LOOP_KILLS=<n>).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.config import load_settings
from bot.core.clock import AMSTERDAM
from bot.core.models import Inquiry, Role, Route, User
from bot.core.triage import Triage
from bot.wiring import build_triage
from tests.botapi import GROUP_ID, BotApiServer, Person, Sent
from tests.process import BotProcess, on_shift, register, write_config

SEED = int(os.environ.get("KILL_LOOP_SEED", "20261121"))
KILLS = int(os.environ.get("KILL_LOOP_KILLS", "80"))
IN_FLIGHT_MIN = 20  # kills that must find kept-but-unhandled updates or unsent messages
ACK_TIMEOUT = 3.0  # seconds, as in the config below
STEP_WAIT = 40.0  # what a step waits for (a button it presses, a relay handled)
SETTLE_WAIT = 60.0
DEADLINE_SLACK = 3.0  # "fired": no open deadline further in the past than this
EARLY = 0.25  # a sweep event this much before its deadline counts as fired early
DRAIN = 0.03  # after SIGKILL: the server quiet this long has read all the process sent

STAFF = tuple(Person(id=7101 + i, first_name=f"Medewerker{i}") for i in range(6))
MAYOR = Person(id=7201, first_name="Burgemeester")
OFFICER = Person(id=7301, first_name="Piket")
BACKUP = Person(id=7302, first_name="Achterwacht")
MUNICIPALITY = "Brummen"

_THINGS = (
    "kantine",
    "fietsenstalling",
    "printer",
    "koffieautomaat",
    "parkeerplaats",
    "vergaderzaal",
    "kerstpakket",
    "telefooncentrale",
    "brievenbus",
    "plantenbak",
    "zonnescherm",
    "archiefkast",
    "sleutelkastje",
    "beamer",
    "garderobe",
    "dakgoot",
)
_VERBS = ("verplaatsen", "schilderen", "repareren", "vervangen", "opruimen", "reserveren")
_DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag")
_MONTHS = ("maart", "april", "mei", "juni")
_PLACES = ("de opvang", "het azc", "het gemeentehuis", "de sporthal", "het station")
_SWEEP_EVENTS = frozenset({"timeout", "repage", "remind", "recheck"})
_OPEN_STATES = ("triggered", "exhausted")


def query(database: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the bot's database from outside, read-only, as an operator would."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql, args).fetchall()
    finally:
        connection.close()


@dataclass
class Step:
    """One thing a user does: queued at the server once `ready` holds."""

    what: str
    push: Callable[[], None]
    ready: Callable[[], bool] = lambda: True
    needs: str = ""  # what `ready` waits for, for a failure message


@dataclass
class Cycle:
    """One crisis of the mayor, from report to /afgehandeld."""

    number: int
    crisis: str
    mark: int = 0  # len(api.sent) when the crisis was queued
    offer: Sent | None = None
    pressed: bool = False
    page: Sent | None = None
    escalation: int | None = None
    updates: list[int] = field(default_factory=list)  # the mayor's, handled before resolving
    resolve_update: int | None = None

    @property
    def token(self) -> str:
        return f"C{self.number:04d}"


@dataclass(frozen=True)
class Kill:
    """What one SIGKILL interrupted."""

    kind: str  # "delay", "push" or "taken": see Session.round
    mid_burst: bool
    unhandled: int  # inbox rows kept but not handled
    unsent: int  # outbox rows neither sent nor given up

    @property
    def in_flight(self) -> bool:
        return self.unhandled > 0 or self.unsent > 0


class Session:
    """The scripted session, the kills, and what is checked after each and at the end."""

    def __init__(self, api: BotApiServer, bot: BotProcess, triage: Triage, seed: int) -> None:
        self.api = api
        self.bot = bot
        self.triage = triage
        self.seed = seed
        self.script_rng = random.Random(seed)  # what is said: the same on every run
        self.timing_rng = random.Random(seed ^ 0x5EED)  # bursts, gaps and kill delays
        self.now = datetime.now(AMSTERDAM)
        self.numbers = itertools.count(1)
        self.questions: dict[str, str] = {}  # token -> staff question
        self.asked_by: dict[int, list[str]] = {}  # staff id -> tokens, in order
        self.to_officer: dict[str, str] = {}  # token -> mayor's relay text
        self.to_mayor: dict[str, str] = {}  # token -> officer's relay text or resolve note
        self.cycles: list[Cycle] = []
        self.cycle_open = False
        self.kills: list[Kill] = []
        self.boundaries: list[float] = []  # perf_counter between a dead process and the next
        self.pending: Step | None = None
        self.doubles: list[tuple[int, int]] = []  # (chat, message id) of copies sent again
        self.mayor_steps = self._mayor_script()
        self.steps = self._script()

    # --- context for failures ---------------------------------------------------------------

    def context(self) -> str:
        log = (
            self.bot.log.read_text(encoding="utf-8", errors="replace")
            if self.bot.log.exists()
            else ""
        )
        # The sweep runs every 0.2 s and the scheduler logs each run: leave those out.
        lines = [line for line in log.splitlines() if "apscheduler" not in line]
        tail = "\n".join(lines[-40:])
        return (
            f"\nseed {self.seed} (KILL_LOOP_SEED={self.seed}), {len(self.kills)} kills, "
            f"folder {self.bot.config.parent}\n--- last lines of bot.log ---\n{tail}"
        )

    # --- the script -----------------------------------------------------------------------

    def _script(self) -> Iterator[Step]:
        """Staff questions and the mayor's cycles, interleaved; the same for every run."""
        rng = self.script_rng
        while True:
            if rng.random() < 0.55:
                person = rng.choice(STAFF)
                token, text = self._staff_question()
                yield Step(f"{token} from {person.id}", partial(self._ask, person, token, text))
            else:
                yield next(self.mayor_steps)

    def _mayor_script(self) -> Iterator[Step]:
        rng = self.script_rng
        previous: Cycle | None = None
        for number in itertools.count(1):
            cycle = Cycle(number, self._crisis_text(number))
            self.cycle_open = True
            yield Step(
                f"crisis {number}",
                partial(self._report, cycle),
                partial(self._closed, previous),
                "the previous crisis's /afgehandeld handled",
            )
            yield Step(
                f"page {number}",
                partial(self._press_page, cycle),
                partial(self._offered, cycle),
                "the offer with the 'Piket inschakelen' button at the mayor",
            )
            if rng.random() < 0.25:  # pressed twice: still one escalation
                yield Step(f"page {number} again", partial(self._press_page, cycle))
            for _ in range(rng.randint(0, 2)):
                yield self._mayor_relay(cycle)
            slow = rng.random() < 0.3  # the officer lets level 2 be paged first
            yield Step(
                f"ack {number}{' after level 2' if slow else ''}",
                partial(self._ack, cycle),
                partial(self._paged, cycle, slow),
                f"the page with [Aannemen] at officer {OFFICER.id}"
                + (" and the mayor told of level 2" if slow else ""),
            )
            later = [self._mayor_relay(cycle) for _ in range(rng.randint(0, 2))]
            later += [self._officer_relay() for _ in range(rng.randint(0, 2))]
            rng.shuffle(later)
            yield from later
            self.cycle_open = False
            yield Step(
                f"resolve {number}",
                partial(self._resolve, cycle),
                partial(self._mayor_done, cycle),
                "every update of the mayor in this crisis handled",
            )
            previous = cycle

    def _staff_question(self) -> tuple[str, str]:
        """A unique question the FAQ cannot answer (checked): it goes to a person."""
        rng = self.script_rng
        user = User(role=Role.STAFF, municipality=MUNICIPALITY, verified=True)
        for _ in range(50):
            token = f"V{next(self.numbers):04d}"
            text = (
                f"Wie mag de {rng.choice(_THINGS)} bij het {rng.choice(_THINGS)} "
                f"{rng.choice(_VERBS)} op {rng.choice(_DAYS)} {rng.randint(2, 28)} "
                f"{rng.choice(_MONTHS)}? (vraag {token})"
            )
            decision = self.triage.decide(Inquiry(text=text, user=user, at=self.now))
            if decision.route is Route.HANDOFF and not decision.crisis:
                return token, text
        raise AssertionError("no question the FAQ cannot answer: change the template")

    def _crisis_text(self, number: int) -> str:
        rng = self.script_rng
        user = User(role=Role.MAYOR, municipality=MUNICIPALITY, verified=True)
        token = f"C{number:04d}"
        text = (
            f"Er is nu onrust bij {rng.choice(_PLACES)} aan de {rng.choice(_THINGS)}straat "
            f"{rng.randint(1, 200)}, de politie is er maar het loopt uit de hand (melding {token})"
        )
        decision = self.triage.decide(Inquiry(text=text, user=user, at=self.now))
        assert decision.route is Route.CRISIS_AFTER_HOURS_MAYOR, (text, decision)
        return text

    def _mayor_relay(self, cycle: Cycle) -> Step:
        token = f"M{next(self.numbers):04d}"
        thing = self.script_rng.choice(_THINGS)
        text = f"Stand van zaken {token}: bij de {thing} staan nog steeds mensen"
        return Step(f"mayor {token}", partial(self._mayor_says, cycle, token, text))

    def _officer_relay(self) -> Step:
        token = f"O{next(self.numbers):04d}"
        minutes = self.script_rng.randint(5, 40)
        text = f"Ik ben onderweg, bericht {token}, over {minutes} minuten bij u"
        return Step(f"officer {token}", partial(self._officer_says, token, text))

    # --- what users do --------------------------------------------------------------------

    def _last_update(self) -> int:
        return int(self.api.history[-1]["update_id"])

    def _ask(self, person: Person, token: str, text: str) -> None:
        self.api.say(person, text)
        self.questions[token] = text
        self.asked_by.setdefault(person.id, []).append(token)

    def _report(self, cycle: Cycle) -> None:
        cycle.mark = len(self.api.sent)
        self.api.say(MAYOR, cycle.crisis)
        cycle.updates.append(self._last_update())
        self.cycles.append(cycle)

    def _press_page(self, cycle: Cycle) -> None:
        assert cycle.offer is not None
        # The button names its offer ("page:<n>"): press what this reply carries.
        data = next(d for _, d in cycle.offer.buttons if d.startswith("page:"))
        self.api.press(MAYOR, cycle.offer, data)
        cycle.updates.append(self._last_update())
        cycle.pressed = True

    def _mayor_says(self, cycle: Cycle, token: str, text: str) -> None:
        self.api.say(MAYOR, text)
        cycle.updates.append(self._last_update())
        self.to_officer[token] = text

    def _ack(self, cycle: Cycle) -> None:
        assert cycle.page is not None
        self.api.press(OFFICER, cycle.page, f"ack:{cycle.escalation}")

    def _officer_says(self, token: str, text: str) -> None:
        self.api.say(OFFICER, text)
        self.to_mayor[token] = text

    def _resolve(self, cycle: Cycle) -> None:
        token = f"R{cycle.number:04d}"
        self.api.say(OFFICER, f"/afgehandeld rust teruggekeerd {token}")
        cycle.resolve_update = self._last_update()
        self.to_mayor[token] = token

    # --- what steps wait for --------------------------------------------------------------

    def _handled(self, update_id: int | None) -> bool:
        rows = query(
            self.bot.database,
            "SELECT 1 FROM inbox WHERE update_id = ? AND handled_at IS NOT NULL",
            (update_id,),
        )
        return bool(rows)

    def _closed(self, previous: Cycle | None) -> bool:
        """The previous crisis is resolved: a new report is a new crisis, not a relay."""
        return previous is None or self._handled(previous.resolve_update)

    def _offered(self, cycle: Cycle) -> bool:
        for sent in self.api.sent[cycle.mark :]:
            if sent.chat_id == MAYOR.id and any(d.startswith("page:") for _, d in sent.buttons):
                cycle.offer = sent
                return True
        return False

    def _paged(self, cycle: Cycle, slow: bool) -> bool:
        if cycle.page is None:
            for sent in self.api.sent[cycle.mark :]:
                acks = [d for _, d in sent.buttons if d.startswith("ack:")]
                if sent.chat_id == OFFICER.id and cycle.token in sent.text and acks:
                    cycle.page, cycle.escalation = sent, int(acks[0].split(":")[1])
                    break
            else:
                return False
        if not slow:
            return True
        told = f"oproep #{cycle.escalation} aangenomen; ik roep nu ook niveau"
        return any(told in s.text for s in self.api.sent[cycle.mark :] if s.chat_id == MAYOR.id)

    def _mayor_done(self, cycle: Cycle) -> bool:
        """Everything the mayor said in this crisis is handled: no relay comes after it."""
        return all(self._handled(u) for u in cycle.updates)

    # --- running it -----------------------------------------------------------------------

    async def setup(self) -> None:
        database = self.bot.database
        for person in STAFF:
            await register(self.api, database, person, Role.STAFF, MUNICIPALITY)
        await register(self.api, database, MAYOR, Role.MAYOR, MUNICIPALITY)
        for person, level in ((OFFICER, 1), (BACKUP, 2)):
            await register(self.api, database, person, Role.DUTY_OFFICER, None)
            await on_shift(database, person, level)

    def _next(self) -> Step:
        if self.pending is None:
            self.pending = next(self.steps)
        return self.pending

    async def _push(self, step: Step) -> None:
        """Queue a step once what it needs is there (the bot runs meanwhile)."""
        deadline = time.monotonic() + STEP_WAIT
        while not step.ready():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"step {step.what!r} waited {STEP_WAIT} s for {step.needs}{self.context()}"
                )
            await asyncio.sleep(0.02)
        step.push()
        self.pending = None

    async def round(self) -> None:
        """A burst of pushes, a SIGKILL at a random moment of it, a restart.

        Three kinds of moment, drawn from the seed: 0-400 ms after the burst began (often
        in its middle); right after one of its pushes; or 0-8 ms after the bot took one
        of its updates (the server saw the next poll confirm it, which comes only once the
        inbox has it), while it is being handled and answered, which takes a few ms.
        """
        rng = self.timing_rng
        size = rng.randint(1, 5)
        gaps = [rng.uniform(0.005, 0.08) for _ in range(size)]
        # Most kills aim at work in flight: only "taken" finds it reliably (see the summary).
        kind = rng.choices(("delay", "push", "taken"), weights=(20, 15, 65))[0]
        after = rng.randrange(size)  # the push that "push" and "taken" kill after
        delay = rng.uniform(0.0, 0.4) if kind == "delay" else rng.uniform(0.0, 0.008)
        first, signal = asyncio.Event(), asyncio.Event()
        pushed: list[int] = []  # update ids

        async def burst() -> None:
            for index in range(size):
                await self._push(self._next())
                pushed.append(self._last_update())
                first.set()
                if index == after:
                    signal.set()
                await asyncio.sleep(gaps[index])

        task = asyncio.create_task(burst())
        await _until(first, task)
        if kind == "delay":
            await asyncio.sleep(delay)
        else:
            await _until(signal, task)
            if kind == "taken":
                await self._taken(pushed[-1])
                await asyncio.sleep(delay)
        mid_burst = not task.done()
        task.cancel()
        (outcome,) = await asyncio.gather(task, return_exceptions=True)
        if isinstance(outcome, Exception):
            raise outcome
        await self._kill(kind, mid_burst)
        await self.bot.start()
        self.check_running("after a restart")

    async def _taken(self, update_id: int, limit: float = 5.0) -> None:
        """Wait until the bot has confirmed an update to the server (kept it in the inbox)."""
        deadline = time.monotonic() + limit
        while any(u["update_id"] == update_id for u in self.api.updates):
            if time.monotonic() > deadline:
                return  # kill anyway: slow is a moment too
            await asyncio.sleep(0.001)

    async def _kill(self, kind: str, mid_burst: bool) -> None:
        await self.bot.kill()
        # What the process sent just before it died may still wait in the server's socket:
        # the line between two processes is drawn once the server has been quiet a moment.
        calls = -1
        while calls != len(self.api.calls):
            calls = len(self.api.calls)
            await asyncio.sleep(DRAIN)
        self.boundaries.append(time.perf_counter())
        database = self.bot.database
        (unhandled,) = query(database, "SELECT count(*) FROM inbox WHERE handled_at IS NULL")[0]
        (unsent,) = query(
            database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )[0]
        integrity = query(database, "PRAGMA integrity_check")
        assert integrity == [("ok",)], (
            f"after kill {len(self.kills) + 1}: {integrity}{self.context()}"
        )
        self.kills.append(Kill(kind, mid_burst, unhandled, unsent))

    def check_running(self, when: str) -> None:
        """The database is sound, and every open deadline has fired (the start-up sweep)."""
        database = self.bot.database
        integrity = query(database, "PRAGMA integrity_check")
        assert integrity == [("ok",)], f"{when} {len(self.kills)}: {integrity}{self.context()}"
        late = self._late_deadlines()
        assert not late, f"{when} {len(self.kills)}: deadlines not fired {late}{self.context()}"

    def _late_deadlines(self) -> list[tuple[Any, ...]]:
        now = datetime.now(UTC)
        rows = query(
            self.bot.database,
            "SELECT id, state, level, deadline FROM escalations WHERE state IN (?, ?)",
            _OPEN_STATES,
        )
        slack = timedelta(seconds=DEADLINE_SLACK)
        return [r for r in rows if r[3] is None or datetime.fromisoformat(r[3]) < now - slack]

    async def finish(self) -> None:
        """No more kills: queue what waits, and see the open crisis through to its end."""
        if self.pending is not None:
            await self._push(self.pending)
        while self.cycle_open:  # until the resolve step has been taken from the script
            await self._push(next(self.mayor_steps))

    async def settle(self) -> None:
        """Wait until every update the server queued is handled and the outbox is empty."""
        deadline = time.monotonic() + SETTLE_WAIT
        while True:
            missing, unsent = self._unfinished()
            if not missing and not unsent:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"not settled in {SETTLE_WAIT} s: updates not handled {missing[:20]}, "
                    f"{unsent} unsent{self.context()}"
                )
            await asyncio.sleep(0.1)

    def _unfinished(self) -> tuple[list[int], int]:
        database = self.bot.database
        handled = {
            r[0]
            for r in query(database, "SELECT update_id FROM inbox WHERE handled_at IS NOT NULL")
        }
        missing = sorted({int(u["update_id"]) for u in self.api.history} - handled)
        (unsent,) = query(
            database, "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        )[0]
        return missing, int(unsent)

    # --- the checks at the end ------------------------------------------------------------

    def check(self) -> list[str]:
        """Return every invariant broken, each a line; also finds the doubles."""
        problems: list[str] = []
        database = self.bot.database
        if query(database, "PRAGMA integrity_check") != [("ok",)]:
            problems.append("integrity_check failed at the end")
        missing, unsent = self._unfinished()
        if missing:
            problems.append(f"updates never handled (lost): {missing}")
        if unsent:
            problems.append(f"{unsent} outbox rows never sent")
        failed = query(
            database, "SELECT id, chat_id, error FROM outbox WHERE failed_at IS NOT NULL"
        )
        if failed:
            problems.append(f"outbox rows given up: {failed}")
        problems += self._check_tickets()
        self.doubles.clear()
        problems += self._check_delivered(GROUP_ID, self.questions, "staff question at the group")
        problems += self._check_delivered(
            OFFICER.id, self.to_officer, "mayor's relay at the officer"
        )
        pages = {c.token: c.crisis for c in self.cycles if c.pressed}
        problems += self._check_delivered(OFFICER.id, pages, "level-1 page at the officer")
        problems += self._check_delivered(MAYOR.id, self.to_mayor, "officer's relay at the mayor")
        problems += self._check_escalations()
        return problems

    def _check_tickets(self) -> list[str]:
        problems = []
        database = self.bot.database
        for token, text in self.questions.items():
            opened = query(database, "SELECT id FROM tickets WHERE question = ?", (text,))
            added = query(
                database,
                "SELECT ticket_id FROM ticket_messages WHERE sender = 'user' AND text = ?",
                (text,),
            )
            if len(opened) + len(added) != 1:
                problems.append(f"{token}: {len(opened)} tickets and {len(added)} follow-ups")
        tickets = query(database, "SELECT user_id, count(*) FROM tickets GROUP BY user_id")
        if sorted(tickets) != sorted((user, 1) for user in self.asked_by):
            problems.append(f"tickets per staff user {tickets}, asked by {sorted(self.asked_by)}")
        return problems

    def _check_delivered(self, chat_id: int, texts: dict[str, str], what: str) -> list[str]:
        """Each token arrives once; an extra copy only as the known at-least-once case."""
        problems = []
        chat = sorted(
            (s for s in self.api.sent if s.chat_id == chat_id and not s.edited),
            key=lambda s: s.received_at,
        )
        for token in texts:
            pattern = re.compile(rf"\b{token}\b")
            copies = [s for s in chat if pattern.search(s.text)]
            if not copies:
                problems.append(f"{what} {token} never arrived")
                continue
            for copy in copies[:-1]:
                if not self._cut_short(copy, chat):
                    problems.append(f"{what} {token} sent twice, not across a kill: {copy.text!r}")
                elif (chat_id, copy.message_id) not in self.doubles:
                    self.doubles.append((chat_id, copy.message_id))
        return problems

    def _cut_short(self, copy: Sent, chat: list[Sent]) -> bool:
        """Tell whether a message was the last its chat got before a process was killed:
        sent, and the process died before it could record that (its lane sends nothing
        else meanwhile), so the next process sends it again."""
        end = next((b for b in self.boundaries if b > copy.received_at), None)
        if end is None:
            return False
        return not any(copy.received_at < s.received_at < end for s in chat)

    def _check_escalations(self) -> list[str]:
        problems = []
        database = self.bot.database
        rows = query(database, "SELECT id, message, state, deadline FROM escalations ORDER BY id")
        pressed = [c for c in self.cycles if c.pressed]
        if len(rows) != len(pressed):
            problems.append(f"{len(rows)} escalations for {len(pressed)} pressed pages")
        for cycle in pressed:
            made = [r for r in rows if r[1] == cycle.crisis]
            if len(made) != 1:
                problems.append(f"crisis {cycle.number}: {len(made)} escalations for its page")
            elif cycle.resolve_update is not None and made[0][2] != "resolved":
                problems.append(f"crisis {cycle.number}: escalation {made[0][0]} is {made[0][2]}")
        late = self._late_deadlines()
        if late:
            problems.append(f"deadlines that never fired: {late}")
        for escalation_id, *_ in rows:
            problems += self._check_events(escalation_id)
        return problems

    def _check_events(self, escalation_id: int) -> list[str]:
        """One event per transition: each once, sweeps spaced by their timeout."""
        events = query(
            self.bot.database,
            "SELECT event, state, level, actor, detail, at FROM escalation_events"
            " WHERE escalation_id = ? ORDER BY id",
            (escalation_id,),
        )
        problems = []
        names = [e[0] for e in events]
        for name in ("page", "ack", "resolve"):
            if names.count(name) != 1:
                problems.append(f"escalation {escalation_id}: {names.count(name)} {name!r} events")
        once = [e[:4] for e in events if e[0] not in _SWEEP_EVENTS]
        if len(once) != len(set(once)):
            problems.append(f"escalation {escalation_id}: a transition recorded twice: {events}")
        timeouts = [e[1:3] for e in events if e[0] == "timeout"]
        if len(timeouts) != len(set(timeouts)):
            problems.append(f"escalation {escalation_id}: a timeout recorded twice: {events}")
        for before, after in itertools.pairwise(events):
            if after[0] not in _SWEEP_EVENTS:
                continue
            waited = (
                datetime.fromisoformat(after[5]) - datetime.fromisoformat(before[5])
            ).total_seconds()
            if before[0] == "ack" or waited < ACK_TIMEOUT - EARLY:
                problems.append(
                    f"escalation {escalation_id}: {after[0]} {waited:.2f} s after {before[0]}"
                )
        return problems

    def summary(self, seconds: float) -> str:
        in_flight = [k for k in self.kills if k.in_flight]
        return (
            f"kill loop, seed {self.seed}: {len(self.kills)} kills in {seconds:.0f} s; "
            f"{len(in_flight)} with work in flight "
            f"({sum(k.unhandled > 0 for k in self.kills)} with unhandled updates, "
            f"{sum(k.unsent > 0 for k in self.kills)} with unsent messages), "
            f"{sum(k.mid_burst for k in self.kills)} mid-burst; by kind "
            + ", ".join(
                f"{kind} {sum(k.in_flight for k in kills)}/{len(kills)}"
                for kind in ("delay", "push", "taken")
                if (kills := [k for k in self.kills if k.kind == kind])
            )
            + "; "
            f"{len(self.api.history)} updates, {len(self.questions)} questions, "
            f"{sum(c.pressed for c in self.cycles)} pages, {len(self.to_officer)} + "
            f"{len(self.to_mayor)} relays and notes; doubles {len(self.doubles)}"
        )


async def _until(event: asyncio.Event, task: asyncio.Task[None]) -> None:
    """Wait for an event; if the task fails first, raise its error."""
    waiter = asyncio.ensure_future(event.wait())
    await asyncio.wait({waiter, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done() and not task.cancelled():
        error = task.exception()
        if error is not None:
            raise error


@pytest.mark.slow
@pytest.mark.timeout(900)  # 80 kills take about two minutes; a slow machine gets room
async def test_sigkill_at_random_moments_loses_nothing_and_does_nothing_twice(
    api: BotApiServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, api, ack_timeout=f"{ACK_TIMEOUT:g}s", sweep="0.2s")
    bot = BotProcess(config, api)
    session = Session(api, bot, build_triage(load_settings(config)), SEED)
    print(f"kill loop: seed {SEED}, {KILLS} kills, folder {tmp_path}")
    began = time.monotonic()
    await bot.start()
    try:
        await session.setup()
        for _ in range(KILLS):
            await session.round()
        await session.finish()
        await session.settle()
        await asyncio.sleep(1.5)  # a message sent twice would arrive by now
        await session.settle()
        session.check_running("at the end, after kill")
    finally:
        await bot.stop()
    problems = session.check()
    summary = session.summary(time.monotonic() - began)
    print(summary)
    # Texts sent twice to one chat, as the server sees them: at the agents', and relays and
    # pages (other texts, such as "Toegevoegd aan je vraag #3", repeat by nature).
    exact = api.duplicates(GROUP_ID) + api.duplicates(OFFICER.id)
    exact += [t for t in api.duplicates(MAYOR.id) if re.search(r"\b[OR]\d{4}\b", t)]
    print(
        f"doubles: {len(session.doubles)} messages sent again across a kill; "
        f"api.duplicates(): {len(exact)}: {[t[:70] for t in exact]}"
    )
    assert not problems, "\n".join(problems) + f"\n{summary}{session.context()}"
    assert len(session.doubles) <= len(session.kills), summary
    assert len(exact) <= len(session.kills), f"{exact}; {summary}"
    in_flight = sum(k.in_flight for k in session.kills)
    assert in_flight >= IN_FLIGHT_MIN, f"only {in_flight} kills found work in flight; {summary}"
