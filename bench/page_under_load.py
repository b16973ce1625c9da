"""Paging under load and through an outage, with Telegram's rate limits on.

The real Application polls the local Bot API server (tests/botapi.py) in the same process
and keeps a real SQLite file; python-telegram-bot's AIORateLimiter paces it as in
production: 30 messages a second in all, 20 a minute to a group (subclassed here only to
note when each send asks for a slot and gets one; the server, likewise, notes when
getUpdates hands each update out).

1. Under load: Saturday 02:10 (after hours), a duty officer on shift, 20 registered staff
   each sending an FAQ question every 100-200 ms for the whole run (about 130 a second,
   far more than the 30 a second the bot may send, so their replies pile up in the
   outbox), and 500 posts for the agents' group put in the outbox first. Meanwhile,
   every 2.5 s from 3 s into the flood (or once the one before is done, if later), a
   mayor (each a fresh escalation) reports a crisis and presses "Piket inschakelen" on
   the reply; a leg that takes over 10 s counts as not delivered. Measured: (a) from the
   mayor's message queued at the server to the reply with the paging button arriving
   there; (b) from the press queued to the page ("🚨 PIKETOPROEP") arriving at the
   officer. Each is split into: waiting at the server until getUpdates hands the update
   out; from there until the send asks the rate limiter for a slot (inbox, handler,
   outbox, lane); the wait for the slot; the HTTP call.
   Then the same with the 20 users at about 25 a second in all, which the bot can answer.
   Both with the limits per user lifted (as if many users each kept within them); then the
   first flood once more with the limits on ([limits] defaults), as few users flooding meet
   them: told once, then left alone, so their replies no longer pile up.
2. Through an outage: every sendMessage fails for 10 s ("502", and once more as "drop":
   the connection closed without an answer); a mayor reports a crisis as it starts.
   Measured: how long after the outage clears the crisis reply reaches the server.

Run: .venv/bin/python bench/page_under_load.py [pages] [outages per kind]
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import ROOT, bundled_faq

sys.path.insert(0, str(ROOT))

from telegram.ext import AIORateLimiter

import bot.adapters.telegram.application as application
from bot.config import Settings
from bot.core.limits import Limits
from bot.core.models import Inquiry, Outgoing, Role, User
from bot.core.triage import Triage
from bot.store.sqlite import Store
from bot.wiring import build_triage
from tests.botapi import GROUP_ID, BotApiServer, Person, Sent
from tests.conftest import AFTER_HOURS
from tests.harness import Harness, running_bot, settings_for

# The flood as many users each within their limits would make it (the worst case); the last
# run has the limits on, as a few users flooding would meet them.
UNLIMITED = Limits(10_000, 10_000, 10_000, 10_000, 10_000)
PAGES = int(sys.argv[1]) if len(sys.argv) > 1 else 12
OUTAGES = int(sys.argv[2]) if len(sys.argv) > 2 else 3
FLOODERS = 20
FLOOD_GAP = (0.1, 0.2)  # seconds between one flooder's messages: ~130 a second in all
# The same 20 users at ~25 a second in all: no more than Telegram lets the bot answer.
PACED_GAP = (0.7, 0.9)
BACKLOG = 500  # posts queued for the agents' group
WARM_UP = 3.0  # seconds of flood before the first page
# A page starts every so many seconds (or when the one before is done, if later), so the
# flood lasts as long whatever the pages take: about 30 s, and 12 s at the paced rate.
SPACING = 2.5
PACED_SPACING = 0.75
OUTAGE = 10.0
CRISIS = "Er staan nu 200 boze mensen bij de opvang en het loopt uit de hand"
OFFICER = Person(id=2, first_name="O")
WAIT = 10.0  # seconds a leg may take before it counts as not delivered
TARGET = 1.0
TARGET_OUTAGE = 5.0


@dataclass
class Ask:
    """One sendMessage as the rate limiter saw it (perf_counter seconds)."""

    chat_id: int
    text: str
    asked: float  # the send asked the limiter for a slot
    admitted: float | None = None  # the limiter let it go to Telegram


ASKS: list[Ask] = []


class TimedLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, unchanged, noting when each send asks for a slot and gets one."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if endpoint != "sendMessage":
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        ask = Ask(int(data["chat_id"]), str(data.get("text", "")), time.perf_counter())
        ASKS.append(ask)

        async def admitted(*a: Any, **k: Any) -> Any:
            ask.admitted = time.perf_counter()
            return await callback(*a, **k)

        return await super().process_request(
            admitted, args, kwargs, endpoint, data, rate_limit_args
        )


# Only the bench's process sees this: the Application is built with the timed limiter.
application.AIORateLimiter = TimedLimiter  # type: ignore[misc]


def is_page(sent: Sent) -> bool:
    return sent.text.startswith("🚨 PIKETOPROEP")


def has_page_button(sent: Sent) -> bool:
    return any("Piket" in label for label, _ in sent.buttons)


def mayor_name(n: int) -> str:
    return f"Burgemeester {n:03d}"  # no name is part of another


def ask_for(chat_id: int, text: str, since: float) -> Ask | None:
    """The last sendMessage of `text` to a chat that asked for a slot after `since`."""
    found = [a for a in ASKS if a.chat_id == chat_id and a.text == text and a.asked >= since]
    return found[-1] if found else None


class TimedServer(BotApiServer):
    """The fake Bot API server, unchanged, noting when getUpdates first hands out an update."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched_at: dict[int, float] = {}  # update id -> perf_counter

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        updates = await super()._api_getupdates(params)
        now = time.perf_counter()
        for update in updates:
            self.fetched_at.setdefault(update["update_id"], now)
        return updates

    def last_update(self) -> int:
        """The id of the update queued last."""
        return int(self.history[-1]["update_id"])


@dataclass
class Leg:
    """One measured delivery, split where the time went (seconds)."""

    total: float
    server: float  # queued at the server until getUpdates handed it out
    bot: float  # fetched until the send asks the limiter: inbox, handler, outbox, lane
    limiter: float  # waiting for a slot in the rate limiter
    http: float  # the call to the server


def leg(api: TimedServer, update_id: int, start: float, sent: Sent) -> Leg:
    total = sent.received_at - start
    fetched = api.fetched_at.get(update_id, float("nan"))
    timed = ask_for(sent.chat_id, sent.text, start)
    if timed is None or timed.admitted is None:
        nan = float("nan")
        return Leg(total, fetched - start, nan, nan, nan)
    return Leg(
        total=total,
        server=fetched - start,
        bot=timed.asked - fetched,
        limiter=timed.admitted - timed.asked,
        http=sent.received_at - timed.admitted,
    )


MISSED = Leg(*(float("inf"),) * 5)  # nothing arrived within WAIT


def faq_questions(triage: Triage) -> list[str]:
    """FAQ questions a registered staff member gets answered from the FAQ after hours."""
    staff = User(role=Role.STAFF, municipality="Brummen", verified=True)
    return [
        e.question
        for e in bundled_faq().entries
        if triage.decide(Inquiry(e.question, staff, AFTER_HOURS)).route == "answer"
    ]


async def pending(bot: Harness, chat_id: int | None = None) -> int:
    """Outbox rows not yet sent (to one chat, or to all)."""
    store = await Store.open(bot.settings.database)
    try:
        where = "sent_at IS NULL AND failed_at IS NULL"
        args: tuple[int, ...] = ()
        if chat_id is not None:
            where += " AND chat_id = ?"
            args = (chat_id,)
        async with store.db.execute(f"SELECT count(*) FROM outbox WHERE {where}", args) as cur:
            row = await cur.fetchone()
    finally:
        await store.close()
    return int(row[0]) if row else 0


async def lanes_query(bot: Harness) -> float:
    """Seconds one Outbox.lanes() takes (the courier's look at the queue, on every kick:
    after each handled update, after each lane, and every 0.5 s), median of five."""
    store = await Store.open(bot.settings.database)
    try:
        took = []
        for _ in range(5):
            started = time.perf_counter()
            await store.outbox.lanes(datetime.now(UTC), ())
            took.append(time.perf_counter() - started)
    finally:
        await store.close()
    return statistics.median(took)


async def queue_backlog(bot: Harness) -> None:
    store = await Store.open(bot.settings.database)
    try:
        async with store.transaction():
            for n in range(BACKLOG):
                post = Outgoing(GROUP_ID, f"backlog {n}: een melding voor de helpdesk", f"bl:{n}")
                await store.outbox.put(post, bot.clock.now())
    finally:
        await store.close()


@dataclass
class LoadResult:
    gap: tuple[float, float]
    replies: list[Leg]
    pages: list[Leg]
    asked: int
    delivered: int
    seconds: float
    group_sent: int
    group_left: int
    outbox_left: int
    at: list[float]  # seconds into the flood each crisis was sent
    updates_waiting: list[int]  # at the server, as each crisis was sent
    outbox_waiting: list[int]  # unsent outbox rows, as each crisis was sent
    intake: list[float]  # updates handed out by getUpdates per second, 5 s at a time
    lanes: float = 0.0  # seconds one Outbox.lanes() query takes over the unsent rows left
    limits: Limits = UNLIMITED


async def under_load(
    triage: Triage, gap: tuple[float, float], spacing: float, limits: Limits
) -> LoadResult:
    api = TimedServer()
    await api.start()
    rng = random.Random(7)
    questions = faq_questions(triage)
    with tempfile.TemporaryDirectory() as folder:
        settings = replace(settings_for(Path(folder) / "bench.sqlite3", api), limits=limits)
        assert settings.telegram.rate_limit == Settings().telegram.rate_limit == 30
        async with running_bot(api, settings, triage, AFTER_HOURS) as bot:
            await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket")
            await bot.shift(OFFICER, 1, hours=48)
            mayors = [Person(id=1000 + n, first_name="M") for n in range(PAGES)]
            for n, mayor in enumerate(mayors):
                await bot.register(mayor, Role.MAYOR, "Brummen", name=mayor_name(n))
            flooders = [Person(id=3000 + n, first_name="F") for n in range(FLOODERS)]
            for person in flooders:
                await bot.register(person, Role.STAFF, "Brummen")
            await queue_backlog(bot)
            stop = asyncio.Event()
            asked = [0]

            async def flood(n: int, person: Person) -> None:
                i = n
                while not stop.is_set():
                    api.say(person, questions[i % len(questions)])
                    asked[0] += 1
                    i += 1
                    await asyncio.sleep(rng.uniform(*gap))

            mark = len(api.sent)
            group_before = len(api.to(GROUP_ID))
            started = time.perf_counter()
            tasks = [asyncio.create_task(flood(n, p)) for n, p in enumerate(flooders)]
            await asyncio.sleep(WARM_UP)
            result = LoadResult(gap, [], [], 0, 0, 0.0, 0, 0, 0, [], [], [], [], limits=limits)
            for k, mayor in enumerate(mayors):
                due = started + WARM_UP + k * spacing
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                result.outbox_waiting.append(await pending(bot))
                result.at.append(time.perf_counter() - started)
                result.updates_waiting.append(len(api.updates))
                await one_page(api, mayor, mayor_name(k), result)
            stop.set()
            await asyncio.gather(*tasks)
            ended = time.perf_counter()
            flood_ids = {p.id for p in flooders}
            result.delivered = sum(
                1
                for s in api.sent[mark:]
                if s.chat_id in flood_ids and started <= s.received_at <= ended
            )
            result.asked = asked[0]
            fetched = sorted(t - started for t in api.fetched_at.values() if t >= started)
            result.intake = [
                sum(1 for t in fetched if k <= t < k + 5) / 5
                for k in range(0, int(ended - started) - 4, 5)
            ]
            result.seconds = ended - started
            result.group_sent = len(api.to(GROUP_ID)) - group_before
            result.group_left = await pending(bot, GROUP_ID)
            result.outbox_left = await pending(bot)
            result.lanes = await lanes_query(bot)
    await api.stop()
    return result


async def one_page(api: TimedServer, mayor: Person, name: str, result: LoadResult) -> None:
    """A mayor reports a crisis and presses "Piket inschakelen"; note both legs (a leg that
    takes longer than WAIT counts as not delivered, and the next mayor goes on)."""
    here = len(api.sent)
    message_id = api.say(mayor, CRISIS)
    update_id = api.last_update()
    try:
        reply = await api.wait_for(mayor.id, has_page_button, after=here, timeout=WAIT)
    except AssertionError:
        result.replies.append(MISSED)
        return
    result.replies.append(leg(api, update_id, api.pushed_at[message_id], reply))
    here = len(api.sent)
    query = api.press(mayor, reply, reply.data("Piket"))
    update_id = api.last_update()
    try:
        page = await api.wait_for(
            OFFICER.id, lambda s: is_page(s) and name in s.text, after=here, timeout=WAIT
        )
    except AssertionError:
        result.pages.append(MISSED)
        return
    result.pages.append(leg(api, update_id, api.pressed_at[query], page))
    # The mayor's own confirmation, so that one page's tail does not overlap the next.
    with contextlib.suppress(AssertionError):
        await api.wait_for(mayor.id, lambda s: "opgeroepen" in s.text, after=here, timeout=WAIT)


@dataclass
class Outage:
    kind: str
    late: float  # seconds from the outage clearing to the crisis reply at the server
    failed: int  # sendMessage calls to the mayor that met the fault
    replies: int  # crisis replies the mayor got (1: no double)


async def through_outages(triage: Triage) -> list[Outage]:
    api = TimedServer()
    await api.start()
    results: list[Outage] = []
    kinds = ["502"] * OUTAGES + ["drop"] * OUTAGES
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder) / "bench.sqlite3", api)
        async with running_bot(api, settings, triage, AFTER_HOURS) as bot:
            await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket")
            await bot.shift(OFFICER, 1, hours=48)
            mayors = [Person(id=5000 + n, first_name="M") for n in range(len(kinds))]
            for n, mayor in enumerate(mayors):
                await bot.register(mayor, Role.MAYOR, "Brummen", name=mayor_name(n))
            for kind, mayor in zip(kinds, mayors, strict=True):
                mark = len(api.sent)
                faulted = len(api.faulted)
                clears = time.perf_counter() + OUTAGE
                api.fault(kind, OUTAGE, method="sendMessage")  # type: ignore[arg-type]
                api.say(mayor, CRISIS)
                try:
                    reply = await api.wait_for(
                        mayor.id, has_page_button, after=mark, timeout=OUTAGE + WAIT
                    )
                    late = reply.received_at - clears
                except AssertionError:
                    late = float("inf")
                await asyncio.sleep(1.0)  # a double would arrive by now
                failed = sum(1 for f in api.faulted[faulted:] if f[2] == mayor.id)
                got = sum(1 for s in api.to(mayor.id) if has_page_button(s))
                results.append(Outage(kind, late, failed, got))
    await api.stop()
    return results


def _ms(seconds: float, digits: int = 0) -> str:
    return "not delivered" if seconds == float("inf") else f"{seconds * 1000:.{digits}f} ms"


def _row(label: str, values: list[float], target: float) -> str:
    worst = max(values)
    verdict = "met" if worst <= target else "MISSED"
    return (
        f"| {label} | {_ms(statistics.median(values))} | {_ms(worst)} | ≤ {target:g} s: {verdict} |"
    )


def _rate(gap: tuple[float, float], limits: Limits = UNLIMITED) -> str:
    held = "" if limits is UNLIMITED else ", limits per user on"
    return f"{FLOODERS} users, one message every {gap[0] * 1000:.0f}-{gap[1] * 1000:.0f} ms{held}"


def _split(label: str, legs: list[Leg]) -> None:
    def part(pick: Callable[[Leg], float]) -> str:
        values = [pick(x) for x in legs if x is not MISSED]
        if not values:
            return "-"
        return f"median {_ms(statistics.median(values))}, worst {_ms(max(values))}"

    print(f"  {label}:")
    print(f"    waiting at the server for getUpdates:           {part(lambda x: x.server)}")
    print(f"    fetched to send (inbox, handler, outbox, lane): {part(lambda x: x.bot)}")
    print(f"    waiting in the rate limiter:                    {part(lambda x: x.limiter)}")
    print(f"    HTTP call to the server:                        {part(lambda x: x.http)}")
    print("    each: " + ", ".join(_ms(x.total) for x in legs))


def _report(load: LoadResult) -> None:
    print(f"\n{_rate(load.gap, load.limits)}:")
    print(
        f"  offered {load.asked} questions in {load.seconds:.1f} s "
        f"({load.asked / load.seconds:.0f}/s); {load.delivered} flood replies delivered "
        f"({load.delivered / load.seconds:.1f}/s; Telegram lets a bot send 30/s in all)."
    )
    print(
        f"  agents' group: {BACKLOG} posts queued, {load.group_sent} sent meanwhile, "
        f"{load.group_left} left (paced at 20 a minute); unsent outbox rows at the end: "
        f"{load.outbox_left}; one Outbox.lanes() over them, on its own: {_ms(load.lanes, 1)}."
    )
    print(
        "  updates handed out by getUpdates per second, 5 s at a time: "
        + ", ".join(f"{r:.0f}" for r in load.intake)
    )
    print("  each crisis: seconds into the flood, updates waiting at the server, unsent rows:")
    rows = zip(load.at, load.updates_waiting, load.outbox_waiting, strict=True)
    print("    " + ", ".join(f"{t:.0f} s {u}/{o}" for t, u, o in rows))
    _split("crisis to reply with the page button", load.replies)
    _split("press to page at the officer", load.pages)


async def main() -> None:
    logging.getLogger("bot.adapters.telegram.courier").setLevel(logging.ERROR)  # outage noise
    triage = build_triage(Settings())
    runs = (
        (FLOOD_GAP, SPACING, UNLIMITED),
        (PACED_GAP, PACED_SPACING, UNLIMITED),
        (FLOOD_GAP, SPACING, Limits()),
    )
    loads = [await under_load(triage, gap, spacing, limits) for gap, spacing, limits in runs]
    outages = await through_outages(triage)

    print("| measure | median | worst | target |\n|---|---|---|---|")
    for load in loads:
        n = len(load.replies)
        rate = _rate(load.gap, load.limits)
        print(_row(f"{rate}: crisis to reply ({n}x)", [x.total for x in load.replies], TARGET))
        n = len(load.pages)
        print(_row(f"{rate}: press to page ({n}x)", [x.total for x in load.pages], TARGET))
    for kind in ("502", "drop"):
        late = [o.late for o in outages if o.kind == kind]
        label = f'crisis reply after a {OUTAGE:g} s "{kind}" outage clears ({len(late)}x)'
        print(_row(label, late, TARGET_OUTAGE))
    for load in loads:
        _report(load)
    print("\nOutages (after clearing; sends to the mayor that met the fault; replies received):")
    for o in outages:
        print(f"  {o.kind:>4}: {_ms(o.late)}, {o.failed} failed, {o.replies} received")


if __name__ == "__main__":
    asyncio.run(main())
