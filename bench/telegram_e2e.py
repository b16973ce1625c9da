"""Telegram end to end: reply latency and throughput through a local Bot API server.

The real Application polls the local server (tests/botapi.py) on 127.0.0.1 and answers
FAQ questions from a real SQLite file. Latency runs from the moment a message is queued at
the server to the moment the bot's reply arrives there. The server runs in the same process,
so every figure includes its cost too. Telegram's own limit (about 30 messages a second,
which the rate limiter keeps in production) is lifted here to measure the bot itself, and so
are the limits per user (20 questions a minute; the load here is far more per user).

Three measures:
- one user asking one question after another;
- 20 users together at a steady 100 messages a second (the target load): latency;
- 20 users each sending the next question the moment the reply is in: the most messages
  a second the bot keeps up with (a queue forms, so latency there is queueing time).

Run: .venv/bin/python bench/telegram_e2e.py [users] [questions per user] [paced rate]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from common import ROOT, bundled_faq

sys.path.insert(0, str(ROOT))

from bot.config import Settings
from bot.core.clock import AMSTERDAM
from bot.core.limits import Limits
from bot.core.models import Inquiry, User
from bot.wiring import build_triage
from tests.botapi import BotApiServer, Person
from tests.harness import running_bot, settings_for

# A Tuesday morning: the office is open, as on the busiest days.
AT = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
USERS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
PER_USER = int(sys.argv[2]) if len(sys.argv) > 2 else 50
RATE = float(sys.argv[3]) if len(sys.argv) > 3 else 100.0


async def ask(api: BotApiServer, person: Person, text: str) -> float:
    """Send one message and return the seconds until the bot's reply arrived."""
    mark = len(api.sent)
    message_id = api.say(person, text)
    reply = await api.wait_for(person.id, after=mark, timeout=30)
    return reply.received_at - api.pushed_at[message_id]


async def closed_loop(api: BotApiServer, people: list[Person], questions: list[str]) -> float:
    """Everyone asks as fast as replies come back; return messages per second."""

    async def one(n: int, person: Person) -> None:
        for i in range(PER_USER):
            await ask(api, person, questions[(n + i) % len(questions)])

    started = time.perf_counter()
    await asyncio.gather(*(one(n, p) for n, p in enumerate(people)))
    return USERS * PER_USER / (time.perf_counter() - started)


async def paced(api: BotApiServer, people: list[Person], questions: list[str]) -> list[float]:
    """Everyone together sends RATE messages a second, replies or not; return latencies."""
    mark = len(api.sent)
    pushed: dict[int, list[float]] = {p.id: [] for p in people}
    started = time.perf_counter()
    for i in range(PER_USER):
        for n, person in enumerate(people):
            due = started + (i * USERS + n) / RATE
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            message_id = api.say(person, questions[(n + i) % len(questions)])
            pushed[person.id].append(api.pushed_at[message_id])

    def replies(chat_id: int) -> list[float]:
        return [s.received_at for s in api.sent[mark:] if s.chat_id == chat_id]

    await api.until(lambda: all(len(replies(p.id)) >= PER_USER for p in people), limit=120)
    # One chat's updates are handled in order, so the k-th reply answers the k-th question.
    return [
        got - sent for p in people for got, sent in zip(replies(p.id), pushed[p.id], strict=True)
    ]


async def main() -> None:
    triage = build_triage(Settings())
    # FAQ questions only: a crisis question also posts to the agents' group, which Telegram
    # (and so the rate limiter) holds to 20 messages a minute.
    questions = [
        e.question
        for e in bundled_faq().entries
        if triage.decide(Inquiry(e.question, User(), AT)).route == "answer"
    ]
    api = BotApiServer()
    await api.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_for(Path(folder) / "bench.sqlite3", api)
        settings = replace(settings, telegram=replace(settings.telegram, rate_limit=10_000))
        # And the limits per user: one user asking 180 questions in a row is the load here.
        settings = replace(settings, limits=Limits(10_000, 10_000, 10_000, 10_000, 10_000))
        async with running_bot(api, settings, triage, AT):
            single = [await ask(api, Person(id=1), q) for q in questions * 4]
            steady = await paced(api, [Person(id=100 + n) for n in range(USERS)], questions)
            rate = await closed_loop(api, [Person(id=200 + n) for n in range(USERS)], questions)
    await api.stop()
    print("| measure | value |\n|---|---|")
    print(f"| one user: median / p99 reply time | {_ms(single)} |")
    print(f"| {USERS} users at {RATE:.0f} msg/s: median / p99 reply time | {_ms(steady)} |")
    print(f"| {USERS} users flat out: messages per second | {rate:.0f} |")


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"{statistics.median(ordered) * 1000:.1f} ms / {p99 * 1000:.1f} ms"


if __name__ == "__main__":
    asyncio.run(main())
