"""A small Bot API server on 127.0.0.1 for tests: enough of Telegram to be faithful.

Tests play users (`say`, `press`), and read what the bot sent (`wait_for`). Failures can
be injected per method (`fail`, for the next few calls) or for a stretch of time (`fault`:
429, 500, 502, a lost answer, a dropped connection), to test retries and exactly-once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT = {"id": 1000, "is_bot": True, "first_name": "OTAV helpdesk", "username": "otav_test_bot"}
GROUP_ID = -100123

FaultKind = Literal["429", "500", "502", "slow", "drop"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "slow", "drop")
# Methods a fault leaves alone unless it names them: the bot must keep polling and starting.
UNFAULTED = frozenset({"getupdates", "getme", "setmycommands", "deletewebhook"})
TELEGRAM_MAX_TEXT = 4096  # UTF-16 code units, as Telegram counts


@dataclass(frozen=True)
class Person:
    """A Telegram user played by a test."""

    id: int
    first_name: str = "Test"
    username: str | None = None
    language_code: str = "nl"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        data["language_code"] = self.language_code
        return data


@dataclass
class Sent:
    """A message the bot sent (or edited)."""

    chat_id: int
    message_id: int
    text: str
    markup: dict[str, Any] | None = None
    thread_id: int | None = None
    reply_to: int | None = None
    received_at: float = field(default_factory=time.perf_counter)
    edited: bool = False  # an editMessageText, not a new message

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """Return (label, callback data) of inline buttons."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    @property
    def keyboard(self) -> list[str]:
        """Return the labels of a reply keyboard."""
        rows = (self.markup or {}).get("keyboard", [])
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]

    def data(self, label_part: str) -> str:
        """Return the callback data of the button whose label contains `label_part`."""
        for label, data in self.buttons:
            if label_part in label:
                return data
        raise AssertionError(f"no button with {label_part!r} in {self.buttons}")


@dataclass(frozen=True)
class Fault:
    """A failure that every matching request meets until `until` (time.monotonic)."""

    kind: FaultKind
    until: float
    chat_id: int | None = None
    method: str | None = None  # lower case; None: all but UNFAULTED
    retry_after: int = 1
    delay: float = 10.0

    def matches(self, method: str, chat_id: int | None, now: float) -> bool:
        """Tell whether a request of `method` to `chat_id` meets this fault at `now`."""
        if now >= self.until:
            return False
        if self.chat_id is not None and chat_id != self.chat_id:
            return False
        if self.method is None:
            return method.lower() not in UNFAULTED
        return method.lower() == self.method


class BotApiServer:
    """The fake Telegram: an aiohttp app with an update queue and a record of sent messages."""

    def __init__(self, *, forum: bool = False) -> None:
        self.forum = forum
        self.updates: list[dict[str, Any]] = []
        self.sent: list[Sent] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.blocked: set[int] = set()
        self.closed_topics: list[int] = []
        self.left_chats: list[int] = []
        self.history: list[dict[str, Any]] = []  # every update ever queued
        self.pushed_at: dict[int, float] = {}  # message id -> when a test queued it
        self.pressed_at: dict[str, float] = {}  # query id -> when a test queued the press
        self.failures: dict[str, list[tuple[int, int | None]]] = {}
        self.faults: list[Fault] = []
        self.faulted: list[tuple[str, str, int | None]] = []  # (method, kind, chat id)
        self.calls_at: list[tuple[float, str]] = []  # (time.monotonic(), method), as faults
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._thread_ids = itertools.count(5000)
        self._new_update = asyncio.Event()
        self._new_sent = asyncio.Event()
        self._stopping = asyncio.Event()  # lets held-back "slow" answers go at once on stop
        self._polls_released = False  # the bot is stopping: long polls answer at once
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._stopping.clear()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert isinstance(server, asyncio.Server) and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    def release_polls(self, released: bool = True) -> None:
        """Answer the bot's waiting long poll at once, and the ones after it, while it stops
        (else stopping waits for the poll's timeout); False: long polls wait again."""
        self._polls_released = released
        if released:
            self._new_update.set()

    async def stop(self) -> None:
        # A "slow" handler still holding its answer would keep cleanup() waiting (aiohttp
        # waits for running handlers), so release them first.
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests do -----------------------------------------------------------------

    def say(
        self,
        person: Person,
        text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: Sent | None = None,
    ) -> int:
        """Queue a text message from a person; return its message id."""
        message_id = next(self._message_ids)
        chat = self._chat(chat_id or person.id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": person.as_json(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            message["reply_to_message"] = self._as_message(reply_to)
        self.pushed_at[message_id] = time.perf_counter()
        self._push({"message": message})
        return message_id

    def add_bot(self, person: Person, chat_id: int, status: str = "member") -> None:
        """Queue the update Telegram sends when a person adds the bot to a group (or, in a
        private chat, unblocks it: status "member", or blocks it: "kicked")."""
        member = {"user": BOT, "status": status}
        self._push(
            {
                "my_chat_member": {
                    "chat": self._chat(chat_id),
                    "from": person.as_json(),
                    "date": int(time.time()),
                    "old_chat_member": {"user": BOT, "status": "left"},
                    "new_chat_member": member,
                }
            }
        )

    def share_contact(self, person: Person, phone: str, *, own: bool = True) -> None:
        """Queue a shared contact: the person's own number, or someone else's."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": person.first_name}
        if own:
            contact["user_id"] = person.id
        self._push_private(person, contact=contact)

    def send_photo(self, person: Person) -> None:
        """Queue a photo without caption."""
        photo = [{"file_id": "x", "file_unique_id": "x", "width": 1, "height": 1}]
        self._push_private(person, photo=photo)

    def _push_private(self, person: Person, **content: Any) -> None:
        """Queue a message without text from a person in their private chat."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(person.id),
            "from": person.as_json(),
            **content,
        }
        self._push({"message": message})

    def press(self, person: Person, message: Sent, data: str) -> str:
        """Queue a button press on a message the bot sent; return the query id."""
        query_id = f"q{next(self._update_ids)}"
        self.pressed_at[query_id] = time.perf_counter()
        self._push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": person.as_json(),
                    "chat_instance": "ci",
                    "message": self._as_message(message),
                    "data": data,
                }
            }
        )
        return query_id

    async def wait_for(
        self,
        chat_id: int,
        match: Callable[[Sent], bool] = lambda s: True,
        *,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the search, not for one call
    ) -> Sent:
        """Wait for a message to a chat (from index `after` in `sent`) that matches."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for sent in self.sent[after:]:
                if sent.chat_id == chat_id and match(sent):
                    return sent
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                seen = [(s.chat_id, s.text[:80]) for s in self.sent[after:]]
                raise AssertionError(f"nothing matching for chat {chat_id}; sent: {seen}")
            self._new_sent.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_sent.wait(), remaining)

    async def until(self, condition: Callable[[], bool], limit: float = 5.0) -> None:
        """Wait until a condition about the server's records holds."""
        deadline = asyncio.get_running_loop().time() + limit
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.02)

    def answered(self, part: str) -> bool:
        """Tell whether a button press was answered with a toast containing `part`."""
        return any(part in (a.get("text") or "") for a in self.callback_answers)

    def to(self, chat_id: int) -> list[Sent]:
        """Return everything sent to a chat so far."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def fail(
        self, method: str, status: int, times: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the next `times` calls of a method fail with an HTTP status."""
        self.failures.setdefault(method.lower(), []).extend([(status, retry_after)] * times)

    def fault(
        self,
        kind: FaultKind,
        seconds: float,
        *,
        chat_id: int | None = None,
        method: str | None = None,
        retry_after: int = 1,
        delay: float = 10.0,  # more than PTB's default 5 s read timeout
    ) -> None:
        """Make every matching request meet `kind` for the next `seconds`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {FAULT_KINDS}")
        self.faults.append(
            Fault(
                kind=kind,
                until=time.monotonic() + seconds,
                chat_id=chat_id,
                method=method.lower() if method else None,
                retry_after=retry_after,
                delay=delay,
            )
        )

    def clear_faults(self) -> None:
        """End all faults now."""
        self.faults.clear()

    def duplicates(self, chat_id: int | None = None) -> list[str]:
        """Return texts sent (not edited) more than once to one chat, once per chat."""
        counts = Counter(
            (s.chat_id, s.text)
            for s in self.sent
            if not s.edited and (chat_id is None or s.chat_id == chat_id)
        )
        return [text for (_, text), n in counts.items() if n > 1]

    # --- the Bot API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        params = await _params(request)
        self.calls.append((method, params))
        self.calls_at.append((time.monotonic(), method))
        # A timed fault goes first: during an outage the `fail` queue is not used up.
        fault = self._fault_for(method, params)
        if fault is not None:
            self.faulted.append((method, fault.kind, _chat_id(params)))
            if fault.kind == "drop":
                return _drop(request)
            if fault.kind != "slow":
                return _fault_error(fault)
        queued = self.failures.get(method.lower())
        if queued:
            status, retry_after = queued.pop(0)
            text = "Too Many Requests" if status == 429 else "Internal"
            response = _error(status, text, retry_after)
        else:
            response = await self._carry_out(method, params)
        if fault is not None:  # "slow": Telegram did it, but the answer comes too late
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.delay)
        return response

    async def _carry_out(self, method: str, params: dict[str, Any]) -> web.Response:
        handler = getattr(self, f"_api_{method.lower()}", None)
        if handler is None:
            return _ok(True)
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.Response):
            return result
        return _ok(result)

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        now = time.monotonic()
        self.faults = [f for f in self.faults if f.until > now]  # forget ended ones
        chat_id = _chat_id(params)
        return next((f for f in self.faults if f.matches(method, chat_id, now)), None)

    def _api_getme(self, params: dict[str, Any]) -> Any:
        return {
            **BOT,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }

    async def _api_getupdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0 and not self._polls_released:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), min(timeout, 1.0))
        return [u for u in self.updates if u["update_id"] >= offset][:100]

    def _api_sendmessage(self, params: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        text = str(params.get("text") or "")
        refused = _refuse_text(text)
        if refused is not None:
            return refused
        markup = _json(params.get("reply_markup"))
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        reply = _json(params.get("reply_parameters")) or {}
        thread = params.get("message_thread_id")
        sent = Sent(
            chat_id=chat_id,
            message_id=next(self._message_ids),
            text=text,
            markup=markup,
            thread_id=int(thread) if thread else None,
            reply_to=reply.get("message_id"),
        )
        self.sent.append(sent)
        self._new_sent.set()
        return self._as_message(sent)

    def _api_editmessagetext(self, params: dict[str, Any]) -> Any:
        text = str(params.get("text") or "")
        refused = _refuse_text(text)
        if refused is not None:
            return refused
        sent = Sent(
            chat_id=int(params["chat_id"]),
            message_id=int(params["message_id"]),
            text=text,
            markup=_json(params.get("reply_markup")),
            edited=True,
        )
        self.sent.append(sent)
        self._new_sent.set()
        return self._as_message(sent)

    def _api_answercallbackquery(self, params: dict[str, Any]) -> Any:
        self.callback_answers.append(params)
        return True

    def _api_createforumtopic(self, params: dict[str, Any]) -> Any:
        return {
            "message_thread_id": next(self._thread_ids),
            "name": params["name"],
            "icon_color": 7322096,
        }

    def _api_leavechat(self, params: dict[str, Any]) -> Any:
        self.left_chats.append(int(params["chat_id"]))
        return True

    def _api_closeforumtopic(self, params: dict[str, Any]) -> Any:
        self.closed_topics.append(int(params["message_thread_id"]))
        return True

    # --- inside ----------------------------------------------------------------------------

    def resend_last(self) -> None:
        """Queue the last update again with its own id, as Telegram does for an update that
        the bot never confirmed (it was killed before its next poll)."""
        self.updates.append(self.history[-1])
        self._new_update.set()

    def _push(self, update: dict[str, Any]) -> None:
        update["update_id"] = next(self._update_ids)
        self.history.append(update)
        self.updates.append(update)
        self._new_update.set()

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id == GROUP_ID:
            return {
                "id": chat_id,
                "type": "supergroup",
                "title": "Helpdesk",
                "is_forum": self.forum,
            }
        if chat_id < 0:  # any other group: a region chat, or one the bot was added to
            return {"id": chat_id, "type": "group", "title": "Een groep"}
        return {"id": chat_id, "type": "private", "first_name": "Test"}

    def _as_message(self, sent: Sent) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": self._chat(sent.chat_id),
            "from": BOT,
            "text": sent.text,
        }
        if sent.markup and "inline_keyboard" in sent.markup:  # as Telegram: only inline ones
            message["reply_markup"] = sent.markup
        if sent.thread_id:
            message["message_thread_id"] = sent.thread_id
            message["is_topic_message"] = True
        return message


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update(await request.post())
    return params


def _json(value: Any) -> Any:
    if value is None or isinstance(value, dict | list):
        return value
    return json.loads(value)


def _chat_id(params: dict[str, Any]) -> int | None:
    """Return the request's numeric chat id (form data sends it as a string), if any."""
    try:
        return int(params["chat_id"])
    except (KeyError, TypeError, ValueError):  # absent, or an "@channel" name
        return None


def _refuse_text(text: str) -> web.Response | None:
    """Refuse a message text as Telegram does: empty, or over 4096 UTF-16 code units."""
    if not text:
        return _error(400, "Bad Request: message text is empty")
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
    if len(text.encode("utf-16-le")) // 2 > TELEGRAM_MAX_TEXT:
        return _error(400, "Bad Request: message is too long")
    return None


def _fault_error(fault: Fault) -> web.Response:
    """Return the HTTP error of a "429", "500" or "502" fault, in Telegram's shape."""
    if fault.kind == "429":
        description = f"Too Many Requests: retry after {fault.retry_after}"
        return _error(429, description, fault.retry_after)
    description = "Internal Server Error" if fault.kind == "500" else "Bad Gateway"
    return _error(int(fault.kind), description)


def _drop(request: web.Request) -> web.Response:
    """Close the connection so that the client gets no HTTP answer at all."""
    transport = request.transport
    if transport is not None:
        transport.close()
    # aiohttp still tries to write what the handler returns; on the closing transport that
    # raises ConnectionResetError, which it takes for a premature client disconnection and
    # ignores. Raising instead would be logged as an error and answered with a 500.
    return web.Response(status=204)


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)
