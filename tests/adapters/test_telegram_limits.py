"""Limits per user through Telegram: floods held back, crisis reports and pages never lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.limits import Limits
from bot.core.models import Role
from bot.core.triage import Triage
from tests.botapi import GROUP_ID, BotApiServer, Person, Sent
from tests.conftest import AFTER_HOURS, OFFICE_HOURS
from tests.harness import Harness, running_bot, settings_for

STAFF = Person(id=801, first_name="S")
GUEST = Person(id=802, first_name="G")
ADMIN = Person(id=803, first_name="A")
MAYOR = Person(id=804, first_name="M")
OFFICER = Person(id=805, first_name="O")
LIMITS = Limits(
    questions_per_minute=3,
    tickets_per_hour=2,
    guest_tickets_per_hour=1,
    crisis_tickets_per_hour=2,
    invite_attempts_per_hour=3,
)
CRISIS = "Er staan nu 200 boze mensen voor het azc en het loopt uit de hand!"


def is_ticket(sent: Sent) -> bool:
    return sent.text.startswith("🎫 Vraag #")


async def limited_bot(
    api: BotApiServer, triage: Triage, tmp_path: Path, start: datetime
) -> AsyncIterator[Harness]:
    settings = replace(settings_for(tmp_path / "helpdesk.sqlite3", api), limits=LIMITS)
    async with running_bot(api, settings, triage, start) as harness:
        yield harness


@pytest.fixture
async def bot(api: BotApiServer, triage: Triage, tmp_path: Path) -> AsyncIterator[Harness]:
    async for harness in limited_bot(api, triage, tmp_path, OFFICE_HOURS):
        yield harness


@pytest.fixture
async def night_bot(api: BotApiServer, triage: Triage, tmp_path: Path) -> AsyncIterator[Harness]:
    async for harness in limited_bot(api, triage, tmp_path, AFTER_HOURS):
        yield harness


async def test_a_flood_of_questions_is_told_once_then_left_alone_for_a_minute(
    bot: Harness,
) -> None:
    for n in range(3):
        await bot.ask(GUEST, f"wat is het gzza {n}")
    mark = len(bot.api.sent)
    for n in range(6):
        bot.api.say(GUEST, f"wat is het gzza nog eens {n}")
    await bot.settle()
    told = [s for s in bot.api.sent[mark:] if s.chat_id == GUEST.id]
    assert len(told) == 1 and "veel berichten" in told[0].text and "/crisis" in told[0].text
    # A crisis report in the middle of the flood still goes through, as an urgent ticket.
    mark = len(bot.api.sent)
    reply = await bot.ask(GUEST, CRISIS)
    assert reply.text.startswith("Direct gevaar? Bel 112.")
    urgent = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert "SPOED" in urgent.text
    # A minute after the flood stopped, questions are answered again.
    async with bot.store() as store:
        await store.tickets.close(1, bot.clock.now())
    bot.clock.advance(timedelta(minutes=1, seconds=1))
    answer = await bot.ask(GUEST, "wat is het gzza")
    assert "📄 Bron:" in answer.text


async def test_tickets_per_hour_then_a_phone_number_instead(bot: Harness) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    question = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"
    for n in range(2):
        reply = await bot.ask(STAFF, f"{question} ({n})", match=lambda s: "#" in s.text)
        assert f"#{n + 1}" in reply.text
        async with bot.store() as store:
            await store.tickets.close(n + 1, bot.clock.now())
    mark = len(bot.api.sent)
    reply = await bot.ask(STAFF, question, match=lambda s: "OTAV" in s.text)
    assert "al veel vragen" in reply.text and "373 8393" in reply.text
    await bot.settle()
    assert not [s for s in bot.api.sent[mark:] if s.chat_id == GROUP_ID]


async def test_crisis_reports_past_the_limit_join_the_open_ticket(bot: Harness) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    for n in range(2):
        mark = len(bot.api.sent)
        bot.api.say(STAFF, f"{CRISIS} ({n})")
        await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    mark = len(bot.api.sent)
    reply = await bot.ask(STAFF, f"/crisis {CRISIS} (2)")
    assert reply.text.startswith("Direct gevaar? Bel 112.")
    # Not a third ticket, but not lost: it reaches the agents with the open one.
    followup = await bot.api.wait_for(GROUP_ID, lambda s: "(2)" in s.text, after=mark)
    assert not is_ticket(followup) and "#2" in followup.text


async def test_a_guests_first_crisis_report_always_goes_through(bot: Harness) -> None:
    mark = len(bot.api.sent)
    bot.api.say(GUEST, CRISIS)
    await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    async with bot.store() as store:
        await store.tickets.close(1, bot.clock.now())
    reply = await bot.ask(GUEST, f"/crisis {CRISIS} opnieuw")
    assert "meerdere crisismeldingen" in reply.text and reply.text.startswith("Direct gevaar?")
    await bot.settle()
    assert len([s for s in bot.api.to(GROUP_ID) if is_ticket(s)]) == 1


async def test_wrong_invite_codes_lock_out_and_administrators_are_told(bot: Harness) -> None:
    await bot.register(ADMIN, Role.ADMIN)
    code = await bot.invite(Role.STAFF, "Brummen")
    for n in range(3):
        reply = await bot.ask(STAFF, f"/start geraden-{n}")
        assert "onjuist" in reply.text
    alert = await bot.api.wait_for(ADMIN.id, lambda s: "onjuiste uitnodigingscodes" in s.text)
    assert str(STAFF.id) in alert.text
    # Locked: even the right code is not tried (and stays unused) until the hour is over.
    reply = await bot.ask(STAFF, f"/start {code}")
    assert "te veel onjuiste" in reply.text
    bot.clock.advance(timedelta(hours=1, minutes=1))
    welcome = await bot.ask(STAFF, f"/start {code}")
    assert "aangemeld als" in welcome.text
    await bot.settle()
    assert len([s for s in bot.api.to(ADMIN.id) if "uitnodigingscodes" in s.text]) == 1


async def test_an_administrator_redeeming_a_staff_invite_stays_administrator(
    bot: Harness,
) -> None:
    await bot.register(ADMIN, Role.ADMIN)
    code = await bot.invite(Role.STAFF, "Brummen")
    reply = await bot.ask(ADMIN, f"/start {code}")
    assert "beheerder" in reply.text and "niet gebruikt" in reply.text
    async with bot.store() as store:
        member = await store.users.get(ADMIN.id)
        assert member is not None and member.role is Role.ADMIN
    welcome = await bot.ask(STAFF, f"/start {code}")  # the code still works for its owner
    assert "aangemeld als" in welcome.text


async def test_feedback_on_an_answer_counts_once(bot: Harness) -> None:
    answer = await bot.ask(GUEST, "wat is het gzza")
    for _ in range(5):
        bot.api.press(GUEST, answer, answer.data("👍"))
        await bot.settle()
    async with bot.store() as store:
        assert (await store.notes.feedback_counts())["gzza"] == (1, 0)
    again = await bot.ask(GUEST, "wat is het gzza")  # a new answer may be rated again
    bot.api.press(GUEST, again, again.data("👎"))
    await bot.settle()
    async with bot.store() as store:
        assert (await store.notes.feedback_counts())["gzza"] == (1, 1)


async def test_a_mayor_flooding_still_pages_and_the_officer_still_acknowledges(
    night_bot: Harness,
) -> None:
    bot = night_bot
    await bot.register(MAYOR, Role.MAYOR, "Brummen")
    await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket O")
    await bot.shift(OFFICER, 1)
    for n in range(5):
        bot.api.say(MAYOR, f"hallo {n}")
    await bot.settle()
    reply = await bot.ask(MAYOR, CRISIS, match=lambda s: bool(s.buttons))
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    page = await bot.api.wait_for(OFFICER.id, lambda s: "PIKETOPROEP" in s.text, after=mark)
    # While the page is open, everything the mayor writes reaches the officer, unlimited.
    for n in range(5):
        bot.api.say(MAYOR, f"aanvulling {n}")
    await bot.api.wait_for(OFFICER.id, lambda s: "aanvulling 4" in s.text, after=mark)
    bot.api.press(OFFICER, page, page.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)


async def test_lines_to_an_open_ticket_past_the_question_limit_still_reach_the_agents(
    bot: Harness,
) -> None:
    await bot.register(STAFF, Role.STAFF, "Brummen")
    question = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"
    await bot.ask(STAFF, question, match=lambda s: "#1" in s.text)
    mark = len(bot.api.sent)
    for n in range(6):
        bot.api.say(STAFF, f"detail nummer {n}")
    # Lines that follow each other may travel in one post; each of the six arrives.
    await bot.api.until(
        lambda: sum(s.text.count("detail nummer") for s in bot.api.to(GROUP_ID)) == 6
    )
    await bot.settle()
    assert not [s for s in bot.api.sent[mark:] if "SPOED" in s.text]
    told = [s for s in bot.api.sent[mark:] if s.chat_id == STAFF.id]
    # The user hears back until the limit, once more at it, and then the bot stays quiet.
    assert 1 <= len(told) <= 3, [s.text for s in told]
