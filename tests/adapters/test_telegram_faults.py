"""Telegram failing, a flood, a locked database, a failing handler: what users still receive."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import pytest

from bot.adapters.telegram.frontend import Frontend
from bot.core.models import Outgoing, Role
from bot.store.sqlite import Store
from tests.adapters.test_telegram_helpdesk import is_ticket
from tests.adapters.test_telegram_paging import CRISIS, MAYOR, OFFICER, STAFF, is_page, staffed
from tests.botapi import GROUP_ID, Person, Sent
from tests.harness import Harness

QUESTION = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"


def has_page_button(sent: Sent) -> bool:
    return any("Piket" in label for label, _ in sent.buttons)


def frontend_of(bot: Harness) -> Frontend:
    """The handlers' object behind the running Application."""
    callback: Any = bot.app.handlers[-1][0].callback  # the frontend's own `once`
    frontend = callback.__self__
    assert isinstance(frontend, Frontend)
    return frontend


async def outbox_rows(bot: Harness, where: str) -> int:
    store = await Store.open(bot.settings.database)
    try:
        async with store.db.execute(f"SELECT count(*) FROM outbox WHERE {where}") as cursor:
            row = await cursor.fetchone()
    finally:
        await store.close()
    return int(row[0]) if row else 0


async def drained(bot: Harness, limit: float = 20) -> None:
    """Wait until the outbox has delivered (or given up) everything."""
    deadline = time.monotonic() + limit
    while await outbox_rows(bot, "sent_at IS NULL AND failed_at IS NULL"):
        assert time.monotonic() < deadline, "the outbox did not drain"
        await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("kind", "chat"),
    [("429", "mayor"), ("500", None), ("502", None), ("drop", None), ("slow", None)],
)
async def test_a_crisis_and_a_ticket_during_a_telegram_fault_arrive_after_it(
    after_hours_bot: Harness, kind: Any, chat: str | None
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(STAFF, Role.STAFF, "Brummen")
    mark = len(bot.api.sent)
    window = 2.0
    # "slow": Telegram takes each message but answers after the client gave up waiting.
    bot.api.fault(kind, window, chat_id=MAYOR.id if chat else None, retry_after=1, delay=6.0)
    started = time.monotonic()
    bot.api.say(MAYOR, CRISIS)
    bot.api.say(STAFF, QUESTION)
    reply = await bot.api.wait_for(MAYOR.id, has_page_button, after=mark, timeout=20)
    assert reply.text.startswith("Direct gevaar? Bel 112.")
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    await bot.api.wait_for(OFFICER.id, is_page, after=mark, timeout=20)
    await bot.api.wait_for(GROUP_ID, is_ticket, after=mark, timeout=20)
    await bot.api.wait_for(STAFF.id, lambda s: "#1" in s.text, after=mark, timeout=20)
    # All of it within seconds of the fault clearing, not a back-off minute later.
    assert time.monotonic() - (started + window) < 8
    assert bot.api.faulted, "the fault never hit"
    assert [f for f in bot.api.faulted if f[1] == kind]
    await drained(bot)
    await asyncio.sleep(1.0)  # a double would arrive by now
    doubles = bot.api.duplicates()
    if kind == "slow":
        # Taken, but the answer lost: sent again, once (the next try waits longer).
        counts = [s.text for s in bot.api.sent[mark:]]
        assert all(counts.count(text) <= 2 for text in doubles)
    else:
        assert doubles == []


async def test_a_chat_keeps_its_order_across_a_retry_after(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    bot.api.fault("429", 1.5, chat_id=OFFICER.id, retry_after=1)
    reply = await bot.ask(MAYOR, CRISIS, match=has_page_button)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    await bot.api.wait_for(MAYOR.id, lambda s: "opgeroepen" in s.text, after=mark)
    bot.api.say(MAYOR, "Update: de politie vraagt om extra opvang voor de kinderen")
    relay = await bot.api.wait_for(OFFICER.id, lambda s: "Update" in s.text, timeout=15)
    page = await bot.api.wait_for(OFFICER.id, is_page, timeout=15)
    assert page.message_id < relay.message_id, "the relay overtook the page it belongs to"


async def test_a_page_does_not_wait_for_the_agents_group(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    # The agents' group is told to wait half a minute, with a backlog queued for it.
    bot.api.fault("429", 30, chat_id=GROUP_ID, retry_after=30)
    store = await Store.open(bot.settings.database)
    try:
        async with store.transaction():
            for n in range(50):
                post = Outgoing(GROUP_ID, f"backlog {n}", f"backlog:{n}", urgent=n % 2 == 0)
                await store.outbox.put(post, bot.clock.now())
    finally:
        await store.close()
    await bot.api.until(lambda: bool(bot.api.faulted))
    reply = await bot.ask(MAYOR, CRISIS, match=has_page_button)
    mark = len(bot.api.sent)
    query = bot.api.press(MAYOR, reply, reply.data("Piket"))
    page = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    assert page.received_at - bot.api.pressed_at[query] < 1.0
    assert not [s for s in bot.api.to(GROUP_ID) if s.text.startswith("backlog")]
    bot.api.clear_faults()


async def test_a_flood_during_an_outage_is_answered_once_with_bounded_tasks(
    bot: Harness,
) -> None:
    users = [Person(id=700 + n, first_name="F") for n in range(20)]
    for person in users:
        await bot.register(person, Role.STAFF, "Brummen")
    bot.api.fault("500", 2.0)
    mark = len(bot.api.sent)
    for question in ("wat doet het otav", "wat is het gzza", "hallo"):
        for person in users:
            bot.api.say(person, question)
    most = 0
    deadline = asyncio.get_running_loop().time() + 20
    while len(bot.api.sent[mark:]) < 60 and asyncio.get_running_loop().time() < deadline:
        most = max(most, len(lanes()))
        await asyncio.sleep(0.02)
    await asyncio.sleep(1.0)
    for person in users:
        assert len([s for s in bot.api.sent[mark:] if s.chat_id == person.id]) == 3
    assert bot.api.duplicates() == []
    # One delivery task per chat at most (routine chats share eight); none left afterwards.
    assert 0 < most <= 8, most
    assert lanes() == []


def lanes() -> list[asyncio.Task[Any]]:
    """The courier's delivery tasks running now."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("courier-lane")]


async def test_long_texts_are_split_as_telegram_counts_and_nothing_is_refused(
    bot: Harness,
) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    question = "Mag dit? " + "😀" * 2500  # 2,509 characters, 5,009 UTF-16 units
    mark = len(bot.api.sent)
    reply = await bot.ask(STAFF, question, match=lambda s: "#1" in s.text)
    assert "#1" in reply.text
    await bot.api.until(lambda: len([s for s in bot.api.to(GROUP_ID)]) >= 2, limit=10)
    follow = "a " * 2600  # 5,200 units: two messages
    bot.api.say(STAFF, follow)
    await bot.api.until(lambda: len(bot.api.to(GROUP_ID)) >= 4, limit=10)
    posted = "".join(s.text for s in bot.api.sent[mark:] if s.chat_id == GROUP_ID)
    assert posted.count("😀") == 2500
    assert posted.count("a") >= 2600
    assert await outbox_rows(bot, "failed_at IS NOT NULL") == 0


async def test_a_locked_database_says_so_and_loses_nothing(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(STAFF, Role.STAFF, "Brummen")
    # Another process holds the write lock for longer than the bot waits for it.
    other = sqlite3.connect(bot.settings.database, timeout=10, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    mark = len(bot.api.sent)
    try:
        bot.api.say(MAYOR, CRISIS)
        bot.api.say(STAFF, QUESTION)
        busy = await bot.api.wait_for(MAYOR.id, lambda s: "storing" in s.text, after=mark)
        assert "112" in busy.text and "+31 70 373 8080" in busy.text
        await bot.api.wait_for(STAFF.id, lambda s: "storing" in s.text, after=mark)
        assert not [s for s in bot.api.sent[mark:] if has_page_button(s)]
    finally:
        other.rollback()
        other.close()
    reply = await bot.api.wait_for(MAYOR.id, has_page_button, after=mark, timeout=15)
    await bot.api.wait_for(GROUP_ID, is_ticket, after=mark, timeout=15)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    await bot.api.wait_for(OFFICER.id, is_page, after=mark, timeout=15)
    await asyncio.sleep(1.0)
    assert bot.api.duplicates() == []
    assert len([s for s in bot.api.to(MAYOR.id)[0:] if "storing" in s.text]) == 1


async def test_a_failing_handler_changes_nothing_and_apologises_once(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    outbox = frontend_of(bot).store.outbox
    put = outbox.put

    async def failing_put(message: Outgoing, now: Any) -> bool:
        if message.purpose == "ticket":
            raise RuntimeError("injected")
        return await put(message, now)

    monkeypatch.setattr(outbox, "put", failing_put)
    mark = len(bot.api.sent)
    bot.api.say(STAFF, QUESTION)
    apology = await bot.api.wait_for(STAFF.id, after=mark)
    assert apology.text.startswith("Sorry")
    await asyncio.sleep(0.5)
    assert len(bot.api.to(STAFF.id)[-1:]) == 1 and len(bot.api.sent[mark:]) == 1
    store = await Store.open(bot.settings.database)
    try:
        async with store.db.execute("SELECT count(*) FROM tickets") as cursor:
            row = await cursor.fetchone()
    finally:
        await store.close()
    assert row is not None and row[0] == 0, "the ticket nobody would see was kept"
    monkeypatch.undo()
    reply = await bot.ask(STAFF, QUESTION, match=lambda s: "#" in s.text)
    assert "#1" in reply.text


async def test_follow_ups_queued_for_a_waiting_group_go_as_one_message(bot: Harness) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    await bot.ask(STAFF, QUESTION, match=lambda s: "#1" in s.text)
    await bot.api.wait_for(GROUP_ID, is_ticket)
    bot.api.fault("429", 1.0, chat_id=GROUP_ID, retry_after=2)
    mark = len(bot.api.sent)
    words = ("een", "twee", "drie", "vier", "vijf")
    for word in words:
        bot.api.say(STAFF, f"nog een vraag ({word}): mag de kantine van de sporthal ook mee")
    await bot.api.until(lambda: len(bot.api.to(STAFF.id)) >= 7, limit=10)
    await drained(bot)
    posts = [s for s in bot.api.sent[mark:] if s.chat_id == GROUP_ID]
    assert len(posts) < 5, "five follow-ups, five posts: nothing was joined"
    joined = "\n".join(p.text for p in posts)
    assert all(f"({word})" in joined for word in words)
    assert joined.index("(een)") < joined.index("(vijf)")
    # An agent answering the joined post still reaches the asker.
    await bot.register(Person(id=650, first_name="A"), Role.AGENT, name="Helpdesk A")
    mark = len(bot.api.sent)
    bot.api.say(Person(id=650), "Prima, dat kan.", chat_id=GROUP_ID, reply_to=posts[-1])
    relayed = await bot.api.wait_for(STAFF.id, after=mark)
    assert "Prima, dat kan." in relayed.text


async def test_a_relay_telegram_refuses_tells_the_mayor_it_did_not_arrive(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    mark = len(bot.api.sent)
    reply = await bot.ask(MAYOR, CRISIS, match=has_page_button)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    first = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    await drained(bot)
    # The relay is the only message the mayor's text causes, and Telegram refuses it.
    bot.api.fail("sendMessage", 400, times=1)
    mark = len(bot.api.sent)
    bot.api.say(MAYOR, "De ME is onderweg, wat raadt u aan?")
    told = await bot.api.wait_for(MAYOR.id, lambda s: "niet aangekomen" in s.text, after=mark)
    assert "112" in told.text
    assert not [s for s in bot.api.sent[mark:] if s.chat_id == OFFICER.id]


async def test_a_reply_is_not_sent_before_its_transaction_commits(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    inbox = frontend_of(bot).store.inbox
    mark_handled = inbox.mark
    calls = 0

    async def slow_failing_mark(update_id: int, now: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:  # the reply is queued by now, in a transaction still open
            frontend_of(bot).courier.kick()
            await asyncio.sleep(0.5)
            raise RuntimeError("injected")
        await mark_handled(update_id, now)

    monkeypatch.setattr(inbox, "mark", slow_failing_mark)
    mark = len(bot.api.sent)
    bot.api.say(STAFF, "wat is het gzza")
    first = await bot.api.wait_for(STAFF.id, after=mark)
    await asyncio.sleep(0.5)
    assert first.text.startswith("Sorry"), "a reply that was rolled back went out"
    assert len(bot.api.sent[mark:]) == 1


async def test_a_chat_keeps_its_order_through_a_locked_database(bot: Harness) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    other = sqlite3.connect(bot.settings.database, timeout=1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    mark = len(bot.api.sent)
    try:
        bot.api.say(STAFF, QUESTION)
        await bot.api.wait_for(STAFF.id, lambda s: "storing" in s.text, after=mark)
        await asyncio.sleep(5)  # long enough for handling it to fail, more than once
    finally:
        other.rollback()
        other.close()
    # The database is free again, and the next message comes at once.
    bot.api.say(STAFF, "nog een vraag erbij: mag de kantine van de sporthal ook mee")
    await bot.api.wait_for(STAFF.id, lambda s: "Toegevoegd aan je vraag #1" in s.text, timeout=15)
    post = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert QUESTION in post.text, "the follow-up overtook the question it follows"


async def test_a_lone_surrogate_and_a_button_without_a_message_are_answered(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    reply = await bot.ask(STAFF, "wat is het gzza \ud800")
    assert "GZZA" in reply.text or "gzza" in reply.text.lower()
    bot.api._push(
        {
            "callback_query": {
                "id": "inline-1",
                "from": STAFF.as_json(),
                "chat_instance": "ci",
                "inline_message_id": "elsewhere",
                "data": "page",
            }
        }
    )
    await bot.api.until(
        lambda: any(a.get("callback_query_id") == "inline-1" for a in bot.api.callback_answers)
    )
    assert "Traceback" not in caplog.text and "error while handling" not in caplog.text
