"""The fake Bot API server itself: timed faults, Telegram's length rule, duplicate counting.

Requests go over real HTTP (httpx, which PTB uses too), so what a test sees is what the bot
would see.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from tests.botapi import TOKEN, BotApiServer, Fault

WINDOW = 0.3  # a fault's stretch in these tests
AFTER = WINDOW + 0.1  # sleep this long to be past it


@pytest.fixture
async def client(api: BotApiServer) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the server's Bot API, with a short read timeout."""
    async with httpx.AsyncClient(base_url=f"{api.base_url}{TOKEN}/", timeout=2.0) as http:
        yield http


async def call(http: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    """Call a Bot API method with form data, as PTB does."""
    return await http.post(method, data={k: str(v) for k, v in params.items()})


async def send(http: httpx.AsyncClient, chat_id: int = 7, text: str = "hi") -> httpx.Response:
    """Send a text message to a chat."""
    return await call(http, "sendMessage", chat_id=chat_id, text=text)


# --- the error kinds ---------------------------------------------------------------------


async def test_429_holds_for_its_window_then_stops(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fault("429", WINDOW, retry_after=3)
    first, second = await send(client), await send(client)
    for response in (first, second):
        assert response.status_code == 429
        assert response.json() == {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 3",
            "parameters": {"retry_after": 3},
        }
    assert api.sent == []
    await asyncio.sleep(AFTER)
    assert (await send(client)).status_code == 200
    assert [s.text for s in api.sent] == ["hi"]
    assert api.faulted == [("sendMessage", "429", 7)] * 2


@pytest.mark.parametrize(
    ("kind", "description"), [("500", "Internal Server Error"), ("502", "Bad Gateway")]
)
async def test_server_errors_hold_for_their_window(
    api: BotApiServer, client: httpx.AsyncClient, kind: str, description: str
) -> None:
    api.fault(kind, WINDOW)  # type: ignore[arg-type]
    response = await send(client)
    assert response.status_code == int(kind)
    assert response.json() == {"ok": False, "error_code": int(kind), "description": description}
    await asyncio.sleep(AFTER)
    assert (await send(client)).status_code == 200
    assert len(api.sent) == 1
    assert api.faulted == [("sendMessage", kind, 7)]


async def test_unknown_kind_is_refused(api: BotApiServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        api.fault("503", WINDOW)  # type: ignore[arg-type]


async def test_clear_faults_ends_them_at_once(api: BotApiServer, client: httpx.AsyncClient) -> None:
    api.fault("500", 60)
    api.fault("drop", 60, chat_id=8)
    assert (await send(client)).status_code == 500
    api.clear_faults()
    assert (await send(client)).status_code == 200
    assert (await send(client, chat_id=8)).status_code == 200


# --- filters -----------------------------------------------------------------------------


async def test_chat_id_filter_hits_only_that_chat(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fault("500", WINDOW, chat_id=7)
    assert (await send(client, chat_id=8)).status_code == 200
    assert (await send(client, chat_id=7)).status_code == 500
    assert (await call(client, "getMe")).status_code == 200  # no chat id: not that chat
    assert [s.chat_id for s in api.sent] == [8]
    assert api.faulted == [("sendMessage", "500", 7)]


async def test_method_filter_is_case_insensitive_and_hits_only_that_method(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    sent = (await send(client)).json()["result"]
    api.fault("502", WINDOW, method="SENDMESSAGE")
    edit = await call(
        client, "editMessageText", chat_id=7, message_id=sent["message_id"], text="new"
    )
    assert edit.status_code == 200
    assert (await send(client)).status_code == 502
    assert api.faulted == [("sendMessage", "502", 7)]


async def test_polling_and_start_up_methods_are_spared_by_default(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fault("500", WINDOW)
    for method in ("getUpdates", "getMe", "setMyCommands", "deleteWebhook"):
        assert (await call(client, method)).status_code == 200, method
    assert (await call(client, "answerCallbackQuery", callback_query_id="q1")).status_code == 500
    assert api.faulted == [("answerCallbackQuery", "500", None)]


async def test_get_updates_can_be_faulted_when_named(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fault("502", WINDOW, method="getUpdates")
    assert (await call(client, "getUpdates", offset=0, timeout=0)).status_code == 502
    assert (await send(client)).status_code == 200  # only getUpdates is hit
    assert api.faulted == [("getUpdates", "502", None)]


async def test_a_fault_does_not_use_up_the_fail_queue(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fail("sendMessage", 500, times=1)
    api.fault("429", WINDOW)
    assert (await send(client)).status_code == 429
    await asyncio.sleep(AFTER)
    assert (await send(client)).status_code == 500  # the queued failure, still there
    assert (await send(client)).status_code == 200


async def test_calls_are_timed_with_the_faults_clock(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    before = time.monotonic()
    await send(client)
    [(at, method)] = api.calls_at
    assert method == "sendMessage" and before <= at <= time.monotonic()


# --- slow and drop -------------------------------------------------------------------------


async def test_slow_carries_out_the_request_but_the_answer_comes_too_late(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    assert Fault("slow", 0).delay > 5  # the default outlasts PTB's 5 s read timeout
    api.fault("slow", WINDOW, delay=1.0)
    with pytest.raises(httpx.ReadTimeout):
        await client.post("sendMessage", data={"chat_id": "7", "text": "lost"}, timeout=0.2)
    assert [s.text for s in api.sent] == ["lost"]  # Telegram took it
    started = time.monotonic()
    late = await send(client, text="late")  # still in the window: held back `delay`
    assert late.status_code == 200 and late.json()["result"]["text"] == "late"
    assert time.monotonic() - started >= 0.9
    await asyncio.sleep(AFTER)
    started = time.monotonic()
    assert (await send(client, text="quick")).status_code == 200
    assert time.monotonic() - started < 0.5
    assert api.duplicates() == []
    assert api.faulted == [("sendMessage", "slow", 7)] * 2


async def test_stop_releases_held_back_answers() -> None:
    server = BotApiServer()
    await server.start()
    server.fault("slow", 60, delay=60)
    async with httpx.AsyncClient(base_url=f"{server.base_url}{TOKEN}/") as http:
        pending = asyncio.create_task(send(http))
        await server.until(lambda: len(server.sent) == 1)
        started = time.monotonic()
        await server.stop()
        assert time.monotonic() - started < 2  # not aiohttp's 60 s wait for the handler
        # aiohttp's shutdown lets the handler finish and writes its answer before closing.
        assert (await pending).status_code == 200


async def test_drop_closes_the_connection_without_an_answer_nor_the_deed(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    api.fault("drop", WINDOW, chat_id=7)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        await send(client)
    assert api.sent == []
    assert api.faulted == [("sendMessage", "drop", 7)]
    assert (await send(client, chat_id=8)).status_code == 200  # the client recovers
    await asyncio.sleep(AFTER)
    assert (await send(client)).status_code == 200
    assert [s.chat_id for s in api.sent] == [8, 7]


async def test_ptb_sees_each_kind_as_telegram_would_make_it(api: BotApiServer) -> None:
    async with Bot(TOKEN, base_url=api.base_url) as bot:  # getMe is spared by faults
        api.fault("429", WINDOW, chat_id=1, retry_after=3)
        api.fault("drop", WINDOW, chat_id=2)
        api.fault("slow", WINDOW, chat_id=3, delay=1.0)
        api.fault("502", WINDOW, chat_id=4)
        with pytest.raises(RetryAfter, match="3"):
            await bot.send_message(1, "a")
        with pytest.raises(NetworkError) as dropped:
            await bot.send_message(2, "b")
        assert not isinstance(dropped.value, TimedOut)
        with pytest.raises(TimedOut):
            await bot.send_message(3, "c", read_timeout=0.2)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(4, "d")
        assert [s.text for s in api.sent] == ["c"]
        assert [kind for _, kind, _ in api.faulted] == ["429", "drop", "slow", "502"]


# --- Telegram's text rules ---------------------------------------------------------------


async def test_length_is_counted_in_utf16_code_units(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    too_long = await send(client, text="😀" * 2100)  # 2,100 code points, 4,200 units
    assert too_long.status_code == 400
    assert too_long.json()["description"] == "Bad Request: message is too long"
    assert (await send(client, text="😀" * 2048)).status_code == 200  # 4,096 units
    assert (await send(client, text="a" * 4096)).status_code == 200
    assert (await send(client, text="a" * 4097)).status_code == 400
    assert [len(s.text) for s in api.sent] == [2048, 4096]


async def test_edits_follow_the_same_length_rule(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    message_id = (await send(client)).json()["result"]["message_id"]

    async def edit(text: str) -> httpx.Response:
        return await call(client, "editMessageText", chat_id=7, message_id=message_id, text=text)

    assert (await edit("😀" * 2100)).json()["description"] == "Bad Request: message is too long"
    assert (await edit("a" * 4096)).status_code == 200
    assert [s.edited for s in api.sent] == [False, True]


@pytest.mark.parametrize("method", ["sendMessage", "editMessageText"])
async def test_empty_text_is_refused(
    api: BotApiServer, client: httpx.AsyncClient, method: str
) -> None:
    response = await call(client, method, chat_id=7, message_id=100, text="")
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: message text is empty"
    assert api.sent == []


# --- duplicates --------------------------------------------------------------------------


async def test_duplicates_are_same_text_to_same_chat_not_edits(
    api: BotApiServer, client: httpx.AsyncClient
) -> None:
    await send(client, 7, "twice")
    await send(client, 7, "twice")
    await send(client, 7, "once")
    message_id = (await send(client, 8, "twice")).json()["result"]["message_id"]
    await call(client, "editMessageText", chat_id=8, message_id=message_id, text="twice")
    await send(client, 9, "also")
    await send(client, 9, "also")
    assert api.duplicates() == ["twice", "also"]
    assert api.duplicates(7) == ["twice"]
    assert api.duplicates(8) == []  # an edit with the same text is not a second message
