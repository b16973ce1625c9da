"""Hypothesis fuzzing of the real bot over HTTP: any text, button data and command argument."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.core.escalation import Policy
from bot.core.models import Role
from bot.core.triage import Triage
from tests.botapi import GROUP_ID, TELEGRAM_MAX_TEXT, BotApiServer, Person, Sent
from tests.conftest import AFTER_HOURS
from tests.harness import Harness, running_bot, settings_for

_T = TypeVar("_T")

GUEST = Person(id=801, first_name="G")
ENGLISH = Person(id=802, first_name="E", language_code="en")
STAFF = Person(id=803, first_name="S", username="staff_f")
MAYOR = Person(id=804, first_name="M", username="mayor_f")
OFFICER = Person(id=805, first_name="O", username="piket_f1")  # on shift, paged for #1
SPARE = Person(id=806, first_name="P", username="piket_f2")  # off shift, offered #1's shift
AGENT = Person(id=807, first_name="H", username="agent_f")
ADMIN = Person(id=808, first_name="A", username="admin_f")
PEOPLE = (GUEST, ENGLISH, STAFF, MAYOR, OFFICER, SPARE, AGENT, ADMIN)
CRISIS = "Er staan nu 200 boze mensen bij de opvang en het loopt uit de hand"
QUESTION = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"

# Everything a handler may write. The inbox and outbox change with every update, and the
# once-a-day roster alert is the sweep's; none of them hold power or state.
STATE_TABLES = (
    "users",
    "invites",
    "tickets",
    "ticket_messages",
    "feedback",
    "unanswered",
    "drafts",
    "shifts",
    "handovers",
    "escalations",
    "escalation_events",
)
# A /crisis legitimately opens a ticket and keeps the question; it must touch nothing else.
CRISIS_MAY_ADD = ("tickets", "ticket_messages", "unanswered", "drafts")
WAIT = 15.0  # seconds: a 100 kB text goes out in 25 chunks, which is slow but not this slow
FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples on every run and in CI
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# --- strategies ----------------------------------------------------------------------------

# Every code point, control characters and lone surrogates too: Telegram passes those on.
ANY_CHAR = st.characters(exclude_categories=())
ODD_TEXTS = st.sampled_from(
    [
        "",
        " ",
        "\n\t  \r\n",
        "\u200b\u200d\ufeff",
        "\x00",
        "\x1b[31mrood\x1b[0m",
        "\ud800",
        "\udfff\ud800",
        "👨‍👩‍👧‍👦🏳️‍🌈" * 3,
        "e\u0301" * 40,
        "\u202eoverride",
        "wat is het gzza",
        "🚨 Crisis",
        "/",
        "/start",
        "@otav_test_bot",
        CRISIS,
    ]
)


class Huge(str):
    """A 100 kB text that shows itself briefly in a falsifying example."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Huge({self[:4]!r}… {len(self)} characters)"


# 100 kB, far over what Telegram takes in one message (and cut so that a pair may split).
HUGE_TEXTS = st.sampled_from(
    ["a", "😀", "wat is gzza ", "\x00", "\ud83d", "e\u0301", "\n", "🙈 "]
).map(lambda unit: Huge((unit * (100_000 // len(unit) + 1))[:100_000]))
TEXTS = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    ODD_TEXTS,
    st.lists(ODD_TEXTS, max_size=4).map(" ".join),
    HUGE_TEXTS,
)

ARGS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    # Numbers as forgers write them, and the characters that broke things before.
    st.sampled_from(["1", "2", "0", "-1", "#1", " 1", "1 ", "01", "1.0", "1e3", "٣", "１", "1:1"]),
    st.sampled_from(["9" * 25, "", "\ud800", "a\udfffb", "\x00", "\u2028", "\u200b1", "🙈"]),
    st.text(ANY_CHAR, max_size=12),
)
EXTRAS = st.one_of(
    st.sampled_from(["up", "down", "UP", "up ", "", "maybe", "up:up"]), st.text(max_size=4)
)
KINDS = (
    "ack",
    "pass",
    "resolve",
    "escfb",
    "ho",
    "claim",
    "faq",
    "theme",
    "fb",
    "done",
    "page",
    "calm",
)


def _shaped(kind: str, arg: str, extra: str | None, sep: str) -> str:
    return kind + sep + arg + ("" if extra is None else sep + extra)


def _mutate(data: str, how: int, char: str) -> str:
    """Small corruptions a forger or a garbling client would make."""
    if how == 0:
        return data.upper()
    if how == 1:
        return char + data
    if how == 2:
        return data + char
    if how == 3:
        return data.replace(":", char)
    return data[: max(len(data) - 1, 0)]


REAL_SHAPES = st.builds(
    _shaped,
    st.sampled_from(KINDS),
    ARGS,
    st.none() | EXTRAS,
    st.sampled_from([":", ":", "::", " : "]),
)
BARE = st.sampled_from(["page", "forget", "human", "themes", "crisis", "share_phone"])
CALLBACK_DATA = st.one_of(
    st.text(ANY_CHAR, max_size=64),
    REAL_SHAPES,
    st.builds(_mutate, REAL_SHAPES | BARE, st.integers(0, 4), ANY_CHAR),
    st.builds(_mutate, BARE, st.integers(0, 4), ANY_CHAR),
    st.sampled_from(["fb:gzza:UP", "fb: gzza:up", "fb:gzza:up ", "fb:GZZA:up", "fb:gzza"]),
).filter(lambda data: len(data.encode("utf-8", "surrogatepass")) <= 64)  # Telegram's limit

COMMAND_ARGS = st.one_of(
    ARGS,
    REAL_SHAPES,
    st.sampled_from(
        ["1 reden", "1 " + "x" * 5000, "@piket_f1", "@PIKET_F2 ", "@", "@@piket_f2", "805", "-806"]
    ),
    st.text(ANY_CHAR, max_size=200),
    HUGE_TEXTS,
)
PRIVATE_COMMANDS = ("start", "doorzetten", "annuleer", "overdracht", "afgehandeld", "crisis")


# --- the bot, on an event loop of its own -------------------------------------------------


class World:
    """The real Application and the fake Telegram, running on a loop in a background thread.

    Hypothesis runs synchronous tests only; the tests hand the loop coroutines and poll the
    server's records and the database (read-only) from the test's own thread.
    """

    def __init__(self, triage: Triage, database: Path) -> None:
        self.triage = triage
        self.database = database
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.api = BotApiServer()
        self.bot: Harness | None = None
        self.errors: list[logging.LogRecord] = []
        self._handler = _ErrorCollector(self.errors)
        self._stack = AsyncExitStack()
        self._db: sqlite3.Connection | None = None

    # lifecycle

    def start(self) -> None:
        logging.getLogger().addHandler(self._handler)
        self.thread.start()
        self.run(self._open())
        self._db = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=5)

    def stop(self) -> None:
        if self._db is not None:
            self._db.close()
        try:
            self.run(self._close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()
            logging.getLogger().removeHandler(self._handler)

    async def _open(self) -> None:
        await self.api.start()
        # Pages that never time out and a shift that never ends: the clock moves an hour per
        # example (see `fresh_window`), and the world must stay as `_populate` left it.
        never = timedelta(days=3650)
        settings_ = replace(
            settings_for(self.database, self.api),
            paging=Policy(ack_timeout=never, resolve_reminder=never),
        )
        self.bot = await self._stack.enter_async_context(
            running_bot(self.api, settings_, self.triage, AFTER_HOURS)
        )
        # Telegram paces a group at 20 messages a minute and the rate limiter keeps to it;
        # the fuzz posts hundreds of follow-ups there, which is not what it is testing.
        limiter: Any = self.bot.app.bot.rate_limiter
        limiter._group_max_rate, limiter._group_time_period = 10_000, 1

    async def _close(self) -> None:
        await self._stack.aclose()
        await self.api.stop()

    def run(self, coroutine: Awaitable[_T], timeout: float = 60) -> _T:
        """Run a coroutine on the bot's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self.loop).result(timeout)

    def call(self, work: Callable[[], _T]) -> _T:
        """Run plain code on the loop: the fake server's events are not thread-safe."""

        async def wrapped() -> _T:
            return work()

        return self.run(wrapped())

    def fresh_window(self) -> None:
        """Move the bot's clock an hour on, so that no example counts against another's
        limits (questions a minute, tickets and invite codes an hour, per user)."""
        self.call(lambda: self.harness.clock.advance(timedelta(minutes=61)))

    def night(self) -> None:
        """Move the bot's clock on to the next Saturday 02:10, after hours like the start."""
        clock = self.harness.clock
        weeks = (clock.now() - AFTER_HOURS) // timedelta(weeks=1) + 1
        self.call(lambda: clock.set(AFTER_HOURS + timedelta(weeks=weeks)))

    @property
    def harness(self) -> Harness:
        assert self.bot is not None
        return self.bot

    # acting as users

    def say(self, person: Person, text: str, *, chat_id: int | None = None) -> None:
        """Send a message and wait until the bot handled it and delivered what it queued."""

        def push() -> int:
            self.api.say(person, text, chat_id=chat_id)
            return int(self.api.history[-1]["update_id"])

        self.settle(self.call(push))

    def press(self, person: Person, message: Sent, data: str) -> str:
        """Press a button; wait until it was answered and everything it queued went out."""

        def push() -> tuple[str, int]:
            query = self.api.press(person, message, data)
            return query, int(self.api.history[-1]["update_id"])

        query, update_id = self.call(push)
        self.until(
            lambda: any(a.get("callback_query_id") == query for a in self.api.callback_answers),
            f"the press {data!r} by {person.id} was never answered",
        )
        self.settle(update_id)
        return query

    def ask(self, person: Person, text: str) -> Sent:
        """Say something and return the bot's last message to that person."""
        mark = len(self.api.sent)
        self.say(person, text)
        replies = [s for s in self.api.sent[mark:] if s.chat_id == person.id]
        assert replies, f"no answer to {text[:80]!r}"
        return replies[-1]

    # waiting and looking

    def until(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(what)
            time.sleep(0.005)

    def settle(self, update_id: int) -> None:
        """Wait until an update is marked handled and the outbox holds nothing to send."""
        self.until(lambda: self._handled(update_id), f"update {update_id} was never handled")
        self.until(self._drained, f"the outbox was not delivered: {self._stuck()}")

    def _handled(self, update_id: int) -> bool:
        row = self.sql("SELECT handled_at FROM inbox WHERE update_id = ?", update_id)
        return bool(row and row[0][0])

    def _drained(self) -> bool:
        pending = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL"
        return bool(self.sql(pending)[0][0] == 0)

    def _stuck(self) -> list[Any]:
        return self.sql("SELECT chat_id, attempts, error FROM outbox WHERE sent_at IS NULL")

    def sql(self, query: str, *params: Any) -> list[Any]:
        assert self._db is not None
        return self._db.execute(query, params).fetchall()

    def snapshot(self, tables: tuple[str, ...] = STATE_TABLES) -> dict[str, list[Any]]:
        return {t: self.sql(f"SELECT * FROM {t} ORDER BY rowid") for t in tables}

    def unchanged_since(self, before: dict[str, list[Any]]) -> None:
        """Assert that no state table changed; drafts may only shrink (the purge job)."""
        after = self.snapshot(tuple(before))
        if "drafts" in before:
            assert set(after.pop("drafts")) <= set(before["drafts"]), "a draft was written"
        assert after == {t: rows for t, rows in before.items() if t != "drafts"}

    def mark(self) -> tuple[int, int, int]:
        return len(self.api.sent), len(self.api.calls), len(self.errors)

    def check(self, mark: tuple[int, int, int], *, answered: int | None = None) -> None:
        """Nothing logged as an error since `mark`, every request valid, and an answer."""
        sent, calls, errors = mark
        logged = [f"{r.name}: {r.getMessage()}" for r in self.errors[errors:]]
        assert not logged, f"errors logged: {logged}"
        invalid = [p for method, params in self.api.calls[calls:] for p in refusals(method, params)]
        assert not invalid, f"Telegram would refuse: {invalid}"
        if answered is not None:
            assert any(s.chat_id == answered for s in self.api.sent[sent:]), "no answer"

    def last_to(self, chat_id: int) -> Sent:
        return self.api.to(chat_id)[-1]


class _ErrorCollector(logging.Handler):
    """Keeps every ERROR (or worse) of the bot and of python-telegram-bot."""

    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in ("bot", "telegram"):
            self.into.append(record)


async def _as_coroutine(awaitable: Awaitable[_T]) -> _T:
    return await awaitable


def refusals(method: str, params: dict[str, Any]) -> list[str]:
    """Return why Telegram would refuse a request (the fake server checks fewer things)."""
    method = method.lower()
    problems: list[str] = []
    if method in ("sendmessage", "editmessagetext"):
        text = str(params.get("text") or "")
        if not text.strip():
            problems.append(f"{method}: empty text")
        if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
            problems.append(f"{method}: a lone surrogate is not UTF-8")
        elif len(text.encode("utf-16-le")) // 2 > TELEGRAM_MAX_TEXT:
            problems.append(f"{method}: text over {TELEGRAM_MAX_TEXT} UTF-16 units")
        problems += _markup_refusals(params.get("reply_markup"))
    elif method == "answercallbackquery":
        if not params.get("callback_query_id"):
            problems.append("answerCallbackQuery without a query id")
        if len(str(params.get("text") or "")) > 200:
            problems.append("answerCallbackQuery: toast over 200 characters")
    return problems


def _markup_refusals(raw: Any) -> list[str]:
    if raw is None:
        return []
    markup = json.loads(raw) if isinstance(raw, str) else raw
    problems: list[str] = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                problems.append("inline button without a label")
            if data is not None and not 1 <= len(data.encode("utf-8", "surrogatepass")) <= 64:
                problems.append(f"callback data {data!r} not 1-64 bytes")
    for row in markup.get("keyboard", []):
        for button in row:
            if not (button.get("text") if isinstance(button, dict) else button):
                problems.append("keyboard button without a label")
    return problems


# --- the world the fuzz runs in -----------------------------------------------------------


def _populate(world: World) -> None:
    """Every role, one open ticket (#1), one page (#1) and one hand-over offer (#1)."""
    bot = world.harness
    for person, role, place, name in (
        (STAFF, Role.STAFF, "Brummen", "Staf F"),
        (MAYOR, Role.MAYOR, "Brummen", "Burgemeester F"),
        (OFFICER, Role.DUTY_OFFICER, None, "Piket F1"),
        (SPARE, Role.DUTY_OFFICER, None, "Piket F2"),
        (AGENT, Role.AGENT, None, "Helpdesk F"),
        (ADMIN, Role.ADMIN, None, "Beheer F"),
    ):
        world.run(bot.register(person, role, place, name=name))
    world.run(bot.shift(OFFICER, 1, hours=24 * 3650))
    world.ask(STAFF, QUESTION)
    assert world.last_to(GROUP_ID).data("Oppakken") == "claim:1"
    crisis = world.ask(MAYOR, CRISIS)
    world.press(MAYOR, crisis, crisis.data("Piket"))
    assert world.last_to(OFFICER.id).data("Aannemen") == "ack:1"
    world.ask(OFFICER, "/overdracht @piket_f2")
    assert world.last_to(SPARE.id).data("Overnemen") == "ho:1"
    world.ask(GUEST, "wat is het gzza")
    world.ask(ENGLISH, "what is gzza")


@pytest.fixture(scope="module")
def world(triage: Triage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One populated bot for the module: setting it up costs more than many examples."""
    made = World(triage, tmp_path_factory.mktemp("fuzz") / "helpdesk.sqlite3")
    made.start()
    try:
        _populate(made)
        yield made
    finally:
        made.stop()


def may_act(person: Person, where: str, data: str, entries: frozenset[str]) -> bool:
    """Tell whether a press may change state: a button this person could really be given.

    Conservative: an officer's page buttons count whatever number they carry.
    """
    kind, _, rest = data.partition(":")
    if where == "group":
        return kind == "claim" and person in (AGENT, ADMIN)
    if data in ("page", "human", "forget"):  # asking for a page, a person, or erasure
        return True
    entry, _, verdict = rest.partition(":")
    if kind == "fb" and entry in entries and verdict in ("up", "down"):
        return True
    return (
        (kind in ("ack", "pass", "resolve") and person == OFFICER)
        or (kind == "escfb" and person == MAYOR)
        or (kind == "ho" and person == SPARE)
        or (kind == "done" and person == STAFF)  # ticket #1 is theirs
        or (kind == "page" and person == MAYOR)  # a forged offer number only says so
        or kind == "calm"  # whoever reported a crisis here may withdraw their own
    )


# --- the properties -----------------------------------------------------------------------


@settings(FUZZ, max_examples=100)
@given(person=st.sampled_from(PEOPLE), text=TEXTS)
def test_any_text_gets_a_valid_answer(world: World, person: Person, text: str) -> None:
    world.fresh_window()
    mark = world.mark()
    world.say(person, text)
    world.check(mark, answered=person.id)


@settings(FUZZ, max_examples=150)
@given(
    where=st.sampled_from(["private", "group"]),
    person=st.sampled_from(PEOPLE),
    data=CALLBACK_DATA,
)
def test_forged_button_press_changes_nothing(
    world: World, where: str, person: Person, data: str
) -> None:
    entries = frozenset(e.id for e in world.triage.faq.entries)
    assume(not may_act(person, where, data, entries))
    message = world.last_to(person.id if where == "private" else GROUP_ID)
    world.fresh_window()
    before = world.snapshot()
    mark = world.mark()
    world.press(person, message, data)
    world.check(mark)
    world.unchanged_since(before)


def _may_command(person: Person, command: str, arg: str) -> bool:
    """Tell whether a command with this argument may change state for this person."""
    first = (arg.split() or [""])[0].lstrip("@").lower()
    return (
        (command in ("doorzetten", "annuleer") and person == OFFICER)  # paged for #1
        or (command == "annuleer" and person == ADMIN)
        or (command == "overdracht" and person == OFFICER and first in ("piket_f2", "806"))
        or (command == "sluit" and person in (AGENT, ADMIN) and any(c.isdigit() for c in arg))
    )


@settings(FUZZ, max_examples=120)
@given(
    command=st.sampled_from((*PRIVATE_COMMANDS, "sluit")),
    person=st.sampled_from(PEOPLE),
    arg=COMMAND_ARGS,
)
def test_command_arguments_are_answered_and_forge_nothing(
    world: World, command: str, person: Person, arg: str
) -> None:
    assume(not _may_command(person, command, arg))
    chat = GROUP_ID if command == "sluit" else person.id
    tables = tuple(t for t in STATE_TABLES if t not in CRISIS_MAY_ADD)
    world.fresh_window()
    before = world.snapshot()
    mark = world.mark()
    world.say(person, f"/{command} {arg}", chat_id=chat)
    world.check(mark, answered=chat)
    if command != "crisis":
        world.unchanged_since(before)
        return
    world.unchanged_since({t: before[t] for t in tables})
    after = world.snapshot()
    # New rows, but those there were (who holds a ticket, open or not) stay put.
    for table in ("tickets", "ticket_messages", "unanswered"):
        assert after[table][: len(before[table])] == before[table]


# --- replayed buttons (these run last: they move page #1 on) ------------------------------


@settings(FUZZ, max_examples=8)
@given(
    # A new guest each time: one who reported a crisis has a ticket that takes the question.
    user_id=st.integers(9000, 9999),
    language=st.sampled_from(["nl", "en"]),
    verdict=st.sampled_from(["👍", "👎"]),
)
def test_replayed_feedback_counts_once(
    world: World, user_id: int, language: str, verdict: str
) -> None:
    person = Person(id=user_id, language_code=language)
    world.fresh_window()
    answer = world.ask(person, "what is gzza" if language == "en" else "wat is het gzza")
    data = answer.data(verdict)
    counted = world.sql("SELECT count(*) FROM feedback")[0][0]
    mark = world.mark()
    for _ in range(3):
        world.press(person, answer, data)
    world.check(mark)
    assert world.sql("SELECT count(*) FROM feedback")[0][0] == counted + 1


def _open_page(world: World) -> Sent:
    """Return the duty officer's page for the mayor's open escalation, paging anew if none."""
    if not world.sql("SELECT id FROM escalations WHERE state IN ('triggered', 'acknowledged')"):
        world.night()  # a mayor may page only after hours
        crisis = world.ask(MAYOR, CRISIS)
        world.press(MAYOR, crisis, crisis.data("Piket"))
    pages = world.api.to(OFFICER.id)
    return next(s for s in reversed(pages) if any(d.startswith("ack:") for _, d in s.buttons))


@settings(FUZZ, max_examples=6)
@given(presses=st.integers(2, 4), stale=st.sampled_from(["Aannemen", "Doorzetten"]))
def test_replayed_page_buttons_count_once_and_expire(
    world: World, presses: int, stale: str
) -> None:
    world.fresh_window()
    page = _open_page(world)
    number = int(page.data("Aannemen").partition(":")[2])
    mark = world.mark()
    for _ in range(presses):
        world.press(OFFICER, page, page.data("Aannemen"))
    world.check(mark)
    # A second press by the holder is logged as "again" in the audit trail; it acts once.
    acks = "SELECT count(*) FROM escalation_events WHERE escalation_id = ? AND event = 'ack'"
    assert world.sql(acks + " AND detail != 'again'", number)[0][0] == 1
    told = [s for s in world.api.sent[mark[0] :] if s.chat_id == MAYOR.id]
    assert len([s for s in told if "aangenomen" in s.text]) == 1
    world.say(OFFICER, "/afgehandeld fuzz")
    before = world.snapshot(("escalations", "escalation_events", "shifts"))
    mark = world.mark()
    world.press(OFFICER, page, page.data(stale))  # an old page's button, after it closed
    world.check(mark)
    world.unchanged_since(before)
