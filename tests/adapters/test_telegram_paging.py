"""Paging the duty officer through Telegram: levels, acknowledgement, relay, durability."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from bot.admin import revoke_user
from bot.config import Settings
from bot.core.models import Role
from bot.core.roster import Shift
from bot.core.triage import Triage
from bot.store.sqlite import Store
from bot.wiring import build_pager
from tests.botapi import BotApiServer, Person, Sent
from tests.conftest import AFTER_HOURS
from tests.harness import Harness, running_bot, settings_for

MAYOR = Person(id=901, first_name="M")
OFFICER = Person(id=911, first_name="O", username="piket_o")
BACKUP = Person(id=912, first_name="P", username="piket_p")
COORDINATOR = Person(id=913, first_name="Q", username="piket_q")
STAFF = Person(id=921, first_name="S")
OFF_SHIFT = Person(id=914, first_name="R", username="piket_r")
ADMIN = Person(id=931, first_name="A")
CRISIS = "Er staan nu 200 boze mensen bij de opvang en het loopt uit de hand"


def is_page(sent: Sent) -> bool:
    return sent.text.startswith(("🚨 PIKETOPROEP", "🚨 PAGE"))


async def staffed(bot: Harness) -> None:
    """Register a mayor and three levels of duty officers on shift now."""
    await bot.register(MAYOR, Role.MAYOR, "Brummen", name="Burgemeester van Brummen")
    for person, level, name in (
        (OFFICER, 1, "Piket O"),
        (BACKUP, 2, "Backup P"),
        (COORDINATOR, 3, "Coördinator Q"),
    ):
        await bot.register(person, Role.DUTY_OFFICER, name=name)
        await bot.shift(person, level)


async def page(bot: Harness) -> Sent:
    """The mayor reports a crisis after hours and presses 'Piket inschakelen'."""
    reply = await bot.ask(MAYOR, CRISIS)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    return await bot.api.wait_for(OFFICER.id, is_page, after=mark)


async def test_page_ack_relay_both_ways_and_resolve(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    mark = len(bot.api.sent)
    first = await page(bot)
    assert CRISIS in first.text and "Burgemeester van Brummen" in first.text
    told = await bot.api.wait_for(MAYOR.id, lambda s: "opgeroepen" in s.text, after=mark)
    assert "#1" in told.text

    mark = len(bot.api.sent)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    acked = await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    assert "Piket O" in acked.text

    mark = len(bot.api.sent)
    bot.api.say(MAYOR, "De ME is onderweg, wat raadt u aan?")
    to_officer = await bot.api.wait_for(OFFICER.id, after=mark)
    assert to_officer.text.endswith("De ME is onderweg, wat raadt u aan?")
    mark = len(bot.api.sent)
    bot.api.say(OFFICER, "Ik bel u nu.", reply_to=first)
    to_mayor = await bot.api.wait_for(MAYOR.id, after=mark)
    assert to_mayor.text.endswith("Ik bel u nu.")
    assert "Piket O" in to_mayor.text

    mark = len(bot.api.sent)
    bot.api.say(OFFICER, "/afgehandeld Rust keerde terug")
    done = await bot.api.wait_for(MAYOR.id, lambda s: "afgehandeld" in s.text, after=mark)
    assert "Rust keerde terug" in done.text
    assert [label for label, _ in done.buttons] == ["👍 Nuttig", "👎 Niet nuttig"]
    assert not [s for s in bot.api.to(BACKUP.id) if is_page(s)]


async def test_no_ack_escalates_to_exhaustion_and_a_late_ack_still_works(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    first = await page(bot)
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    await bot.api.wait_for(BACKUP.id, is_page, after=mark)
    await bot.api.wait_for(MAYOR.id, lambda s: "niveau 2" in s.text, after=mark)
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    await bot.api.wait_for(COORDINATOR.id, is_page, after=mark)
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    exhausted = await bot.api.wait_for(MAYOR.id, lambda s: "⚠️" in s.text, after=mark)
    assert "+31 70 373 8080" in exhausted.text
    await bot.api.wait_for(COORDINATOR.id, is_page, after=mark)  # re-paged

    mark = len(bot.api.sent)
    bot.api.press(OFFICER, first, first.data("Aannemen"))  # level 1, late, still counts
    acked = await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    assert "Piket O" in acked.text


async def test_two_officers_press_at_once_and_one_wins(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    first = await page(bot)
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    second = await bot.api.wait_for(BACKUP.id, is_page, after=mark)
    mark = len(bot.api.sent)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    bot.api.press(BACKUP, second, second.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    await bot.api.until(lambda: bot.api.answered("Al aangenomen door Piket O"))
    mayor_told = [s for s in bot.api.to(MAYOR.id) if "heeft uw oproep #1 aangenomen" in s.text]
    assert len(mayor_told) == 1


async def test_roster_edit_does_not_redirect_a_page_in_flight(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await page(bot)
    store = await Store.open(bot.settings.database)
    try:
        async with store.transaction():
            for shift in await store.shifts.between(bot.clock.now(), bot.clock.now()):
                await store.shifts.remove(shift.id or 0)
            now = bot.clock.now()
            await store.shifts.add(Shift(OFF_SHIFT.id, 2, now, now + timedelta(hours=8)))
    finally:
        await store.close()
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    await bot.api.wait_for(BACKUP.id, is_page, after=mark)
    assert not [s for s in bot.api.to(OFF_SHIFT.id) if is_page(s)]


async def test_who_cannot_page_or_acknowledge(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(STAFF, Role.STAFF, "Brummen")
    await bot.register(OFF_SHIFT, Role.DUTY_OFFICER, name="Piket R")
    staff_reply = await bot.ask(STAFF, CRISIS)
    mark = len(bot.api.sent)
    bot.api.press(STAFF, staff_reply, "page")
    refusal = await bot.api.wait_for(STAFF.id, after=mark)
    assert "Alleen een aangemelde (loco-)burgemeester" in refusal.text
    first = await page(bot)
    for person in (STAFF, OFF_SHIFT, BACKUP):  # backup: level 2 not paged yet
        bot.api.press(person, first, first.data("Aannemen"))
    await bot.api.until(lambda: bot.api.answered("niet aan jou gericht"))
    assert not [s for s in bot.api.to(MAYOR.id) if "aangenomen" in s.text]


async def test_second_page_is_told_the_state_of_the_first(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await page(bot)
    reply = await bot.ask(MAYOR, "/crisis nog steeds onrustig", match=lambda s: bool(s.buttons))
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    second = await bot.api.wait_for(MAYOR.id, after=mark)
    assert "al een open oproep (#1, nog niet aangenomen)" in second.text


async def test_telegram_errors_delay_but_never_lose_or_double_a_page(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    reply = await bot.ask(MAYOR, CRISIS)
    bot.api.fail("sendMessage", 429, times=1, retry_after=1)
    bot.api.fail("sendMessage", 500, times=3)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    for _ in range(20):
        await bot.advance(timedelta(seconds=20))
        if [s for s in bot.api.sent[mark:] if s.chat_id == OFFICER.id and is_page(s)]:
            break
    await bot.advance(timedelta(seconds=20))
    pages = [s for s in bot.api.sent[mark:] if s.chat_id == OFFICER.id and is_page(s)]
    assert len(pages) == 1


async def test_empty_roster_alerts_administrators(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    admin = Person(id=990, first_name="A")
    mark = len(bot.api.sent)
    await bot.register(admin, Role.ADMIN, name="Beheer")
    await bot.advance(timedelta(minutes=16))
    alert = await bot.api.wait_for(admin.id, lambda s: "Rooster" in s.text, after=mark, timeout=10)
    assert "niemand piket" in alert.text


async def test_test_page_reaches_the_officer_and_stays_out_of_reports(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket O")
    mark = len(bot.api.sent)
    bot.api.say(OFFICER, "/testpiket")
    test = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    assert "TEST" in test.text
    mark = len(bot.api.sent)
    bot.api.press(OFFICER, test, test.data("Aannemen"))
    await bot.api.wait_for(OFFICER.id, lambda s: "aangenomen" in s.text, after=mark)
    store = await Store.open(bot.settings.database)
    try:
        assert await store.escalations.since(bot.clock.now() - timedelta(days=1)) == []
    finally:
        await store.close()


async def test_piket_shows_who_is_on_duty(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    shown = await bot.ask(OFFICER, "/piket")
    assert "niveau 1: Piket O" in shown.text and "niveau 2: Backup P" in shown.text
    refused = await bot.ask(MAYOR, "/piket")
    assert "alleen voor piketfunctionarissen" in refused.text


async def test_handover_moves_the_rest_of_the_shift(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(OFF_SHIFT, Role.DUTY_OFFICER, name="Piket R")
    sent = await bot.ask(OFFICER, "/overdracht @piket_r")
    assert "Overdrachtsverzoek gestuurd naar Piket R" in sent.text
    offer = await bot.api.wait_for(OFF_SHIFT.id, lambda s: "overneemt" in s.text)
    mark = len(bot.api.sent)
    bot.api.press(OFF_SHIFT, offer, offer.data("Overnemen"))
    await bot.api.wait_for(OFFICER.id, lambda s: "Overdracht geregeld" in s.text, after=mark)
    shown = await bot.ask(OFF_SHIFT, "/piket")
    now_part = shown.text.split("Volgende")[0]
    assert "niveau 1: Piket R" in now_part and "Piket O" not in now_part


async def paged_then_stopped(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> tuple[Settings, datetime]:
    """Run a bot until a page went out, stop it; return its settings and its clock."""
    settings = settings_for(tmp_path / "db.sqlite3", api)
    async with running_bot(api, settings, triage, AFTER_HOURS) as bot:
        await staffed(bot)
        await page(bot)
        return settings, bot.clock.now()


async def test_restart_between_page_and_timeout_pages_the_next_level_once(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> None:
    settings, clock_at = await paged_then_stopped(api, triage, tmp_path)
    async with running_bot(api, settings, triage, clock_at) as bot:
        mark = len(api.sent)
        await bot.advance(timedelta(minutes=5, seconds=1))
        await api.wait_for(BACKUP.id, is_page, after=mark)
        await bot.advance(timedelta(seconds=30))
        assert len([s for s in api.to(OFFICER.id) if is_page(s)]) == 1
        assert len([s for s in api.to(BACKUP.id) if is_page(s)]) == 1


async def test_an_update_sent_again_after_a_crash_is_not_handled_twice(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> None:
    settings, clock_at = await paged_then_stopped(api, triage, tmp_path)
    # Killed before its next poll, the bot never confirmed the press: Telegram sends it again.
    api.resend_last()
    mark = len(api.sent)
    async with running_bot(api, settings, triage, clock_at) as bot:
        await api.until(lambda: not api.updates)
        bot.api.say(MAYOR, "Zijn ze onderweg?")
        await api.wait_for(MAYOR.id, lambda s: "oproep #1" in s.text, after=mark)
    assert not [s for s in api.sent[mark:] if "al een open oproep" in s.text]
    assert len([s for s in api.to(OFFICER.id) if is_page(s)]) == 1


async def test_an_administrator_cancels_a_page_and_everyone_is_told(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    admin = Person(id=991, first_name="A")
    await bot.register(admin, Role.ADMIN, name="Beheer")
    await bot.register(STAFF, Role.STAFF, "Brummen")
    await page(bot)
    refused = await bot.ask(STAFF, "/annuleer 1")
    assert "piketfunctionarissen" in refused.text
    usage = await bot.ask(admin, "/annuleer")
    assert "/annuleer 3" in usage.text
    mark = len(bot.api.sent)
    done = await bot.ask(admin, "/annuleer 1")
    assert "#1 is ingetrokken" in done.text
    told = await bot.api.wait_for(MAYOR.id, lambda s: "ingetrokken" in s.text, after=mark)
    assert "+31 70 373 8080" in told.text
    await bot.api.wait_for(OFFICER.id, lambda s: "ingetrokken" in s.text, after=mark)
    await bot.advance(timedelta(minutes=6))
    assert not [s for s in bot.api.to(BACKUP.id) if is_page(s)]
    again = await bot.ask(admin, "/annuleer 1")
    assert "al gesloten" in again.text


async def test_help_lists_the_officer_commands_for_officers_only(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    officer_help = await bot.ask(OFFICER, "/help")
    assert "/testpiket" in officer_help.text and "/annuleer" in officer_help.text
    mayor_help = await bot.ask(MAYOR, "/help")
    assert "/testpiket" not in mayor_help.text and "/crisis" in mayor_help.text


async def test_a_page_that_found_nobody_goes_to_the_first_officer_who_comes_on_duty(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await bot.register(MAYOR, Role.MAYOR, "Brummen", name="Burgemeester van Brummen")
    await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket O")
    reply = await bot.ask(MAYOR, CRISIS)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    nobody = await bot.api.wait_for(MAYOR.id, lambda s: "niemand" in s.text, after=mark)
    assert "+31 70 373 8080" in nobody.text
    # Meanwhile the mayor's messages are not swallowed by a page nobody holds.
    answer = await bot.ask(MAYOR, "Wat is het OTAV?")
    assert "Ondersteuningsteam" in answer.text or "OndersteuningsTeam" in answer.text
    await bot.shift(OFFICER, 1)
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    page_now = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    assert CRISIS in page_now.text
    await bot.api.wait_for(MAYOR.id, lambda s: "opgeroepen" in s.text, after=mark)


async def test_forged_paging_buttons_expire_politely(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    first = await page(bot)
    for forged in ("ack:abc", "ack:99999999999999999999", "ack:404", "escfb:1:sideways"):
        bot.api.press(OFFICER, first, forged)
    await bot.api.until(
        lambda: (
            sum("Deze knop is verlopen" in (a.get("text") or "") for a in bot.api.callback_answers)
            == 4
        )
    )
    assert not [s for s in bot.api.to(MAYOR.id) if "aangenomen" in s.text]


async def test_a_mayors_phone_goes_with_one_page_and_forget_erases_the_page_text(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    mark = len(bot.api.sent)
    bot.api.share_contact(MAYOR, "+31 6 1111 1111", own=False)
    refused = await bot.api.wait_for(MAYOR.id, after=mark)
    assert "bewaar ik niet" in refused.text
    mark = len(bot.api.sent)
    bot.api.share_contact(MAYOR, "+31 6 0000 0000")
    kept = await bot.api.wait_for(MAYOR.id, after=mark)
    assert "nummer gaat mee" in kept.text
    first = await page(bot)
    assert "+31 6 0000 0000" in first.text and "1111" not in first.text
    shown = await bot.ask(MAYOR, "/mijngegevens", match=lambda s: "Dit bewaar ik" in s.text)
    assert "Oproepen aan de piketdienst: 1" in shown.text
    assert "telefoonnummer in bewaring: nee" in shown.text
    mark = len(bot.api.sent)
    bot.api.say(MAYOR, "Inmiddels staan er nog meer mensen bij de ingang")
    await bot.api.wait_for(OFFICER.id, lambda s: "ingang" in s.text, after=mark)

    prompt = await bot.ask(MAYOR, "/verwijderen", match=lambda s: "zeker" in s.text)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, prompt, prompt.data("wis"))
    await bot.api.wait_for(MAYOR.id, lambda s: "gewist" in s.text, after=mark)
    store = await Store.open(bot.settings.database)
    try:
        async with store.db.execute("SELECT message, phone, mayor_name FROM escalations") as c:
            assert [tuple(r) for r in await c.fetchall()] == [("", None, "-")]
        # Only the confirmation that everything was erased is left for them.
        async with store.db.execute(
            "SELECT payload FROM outbox WHERE chat_id = ?", (MAYOR.id,)
        ) as c:
            left = [r[0] for r in await c.fetchall()]
        assert len(left) == 1 and "gewist" in left[0]
        # Nor is their name or report left in the copies at the officers.
        async with store.db.execute(
            "SELECT count(*) FROM outbox WHERE payload LIKE ? OR payload LIKE ?"
            " OR payload LIKE ? OR payload LIKE ?",
            (f"%{CRISIS[:30]}%", "%Burgemeester van Brummen%", "%0000 0000%", "%ingang%"),
        ) as c:
            row = await c.fetchone()
        assert row is not None and row[0] == 0
    finally:
        await store.close()


async def test_one_test_page_at_a_time_and_it_closes_by_itself(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await bot.register(OFFICER, Role.DUTY_OFFICER, name="Piket O")
    mark = len(bot.api.sent)
    bot.api.say(OFFICER, "/testpiket")
    await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    again = await bot.ask(OFFICER, "/testpiket", match=lambda s: "loopt nog" in s.text)
    assert "#1" in again.text
    mark = len(bot.api.sent)
    await bot.advance(timedelta(minutes=5, seconds=1))
    closed = await bot.api.wait_for(OFFICER.id, lambda s: "Testoproep #1" in s.text, after=mark)
    assert "niet aangenomen" in closed.text
    await bot.advance(timedelta(minutes=5, seconds=1))
    assert len([s for s in bot.api.to(OFFICER.id) if is_page(s)]) == 1


async def test_a_handover_offer_expires_after_an_hour(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(OFF_SHIFT, Role.DUTY_OFFICER, name="Piket R")
    await bot.ask(OFFICER, "/overdracht @piket_r")
    offer = await bot.api.wait_for(OFF_SHIFT.id, lambda s: "overneemt" in s.text)
    await bot.advance(timedelta(minutes=61))
    bot.api.press(OFF_SHIFT, offer, offer.data("Overnemen"))
    await bot.api.until(lambda: bot.api.answered("Deze knop is verlopen"))
    shown = await bot.ask(OFFICER, "/piket")
    assert "niveau 1: Piket O" in shown.text.split("Volgende")[0]


async def test_an_english_officer_gets_pages_in_english(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    officer = Person(id=931, first_name="E", language_code="en")
    await bot.register(MAYOR, Role.MAYOR, "Brummen", name="Burgemeester van Brummen")
    await bot.register(officer, Role.DUTY_OFFICER, name="Piket E")
    await bot.shift(officer, 1)
    reply = await bot.ask(MAYOR, CRISIS)
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    paged = await bot.api.wait_for(officer.id, is_page, after=mark)
    assert paged.text.startswith("🚨 PAGE #1") and "asks for the flying brigade" in paged.text
    assert paged.buttons[0][0] == "✅ Acknowledge"


async def test_an_officer_passes_a_page_on_with_a_reason(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await page(bot)
    usage = await bot.ask(OFFICER, "/doorzetten 1")
    assert "/doorzetten 3" in usage.text
    mark = len(bot.api.sent)
    done = await bot.ask(
        OFFICER, "/doorzetten 1 zit in een ander incident", match=lambda s: "#1" in s.text
    )
    assert "doorgezet" in done.text
    passed = await bot.api.wait_for(BACKUP.id, lambda s: "doorgezet" in s.text, after=mark)
    assert "zit in een ander incident (Piket O)" in passed.text
    await bot.api.wait_for(BACKUP.id, is_page, after=mark)


async def test_a_forged_or_replayed_handover_button_gives_no_shift(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(OFF_SHIFT, Role.DUTY_OFFICER, name="Piket R")
    await bot.register(STAFF, Role.STAFF, "Brummen")
    await bot.ask(OFFICER, "/overdracht @piket_r")
    offer = await bot.api.wait_for(OFF_SHIFT.id, lambda s: "overneemt" in s.text)
    data = offer.data("Overnemen")
    assert data.startswith("ho:") and str(OFFICER.id) not in data  # names no giver
    # The same button pressed by others, and the old form that named the giver.
    for person, forged in (
        (STAFF, data),
        (MAYOR, data),
        (BACKUP, data),
        (STAFF, f"ho:{OFFICER.id}:{STAFF.id}:{int(bot.clock.now().timestamp()) // 60}"),
    ):
        assert "verlopen" in await toast_for(bot, person, offer, forged)
    shown = await bot.ask(OFFICER, "/piket")
    assert "niveau 1: Piket O" in shown.text.split("Volgende")[0]
    # The colleague it was offered to takes it, once.
    mark = len(bot.api.sent)
    bot.api.press(OFF_SHIFT, offer, data)
    await bot.api.wait_for(OFFICER.id, lambda s: "Overdracht geregeld" in s.text, after=mark)
    assert "verlopen" in await toast_for(bot, OFF_SHIFT, offer, data)
    shown = await bot.ask(OFF_SHIFT, "/piket")
    now_part = shown.text.split("Volgende")[0]
    assert now_part.count("Piket R") == 1 and "Piket O" not in now_part


async def toast_for(bot: Harness, person: Person, message: Sent, data: str) -> str:
    """Press a button and return the toast its press was answered with."""
    query = bot.api.press(person, message, data)

    def answered() -> bool:
        return any(a.get("callback_query_id") == query for a in bot.api.callback_answers)

    await bot.api.until(answered)
    found = [a for a in bot.api.callback_answers if a.get("callback_query_id") == query]
    return str(found[0].get("text") or "")


async def test_an_old_page_button_pages_nobody_after_its_page_was_handled(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    reply = await bot.ask(MAYOR, CRISIS)
    data = reply.data("Piket")
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, data)
    first = await bot.api.wait_for(OFFICER.id, is_page, after=mark)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    done = len(bot.api.sent)
    bot.api.say(OFFICER, "/afgehandeld")
    await bot.api.wait_for(MAYOR.id, lambda s: "afgehandeld" in s.text, after=done)

    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, data)  # the same button, an hour later in the chat
    told = await bot.api.wait_for(MAYOR.id, after=mark)
    assert "eerdere melding" in told.text and "112" in told.text
    await bot.settle()
    assert not [s for s in bot.api.sent[mark:] if is_page(s)]
    async with bot.store() as store:
        assert len(await store.escalations.since(AFTER_HOURS - timedelta(days=1))) == 1

    # A new report brings a new button, which pages again.
    reply = await bot.ask(MAYOR, CRISIS)
    assert reply.data("Piket") != data
    mark = len(bot.api.sent)
    bot.api.press(MAYOR, reply, reply.data("Piket"))
    await bot.api.wait_for(OFFICER.id, is_page, after=mark)


async def test_a_mayors_feedback_on_a_handled_page_counts_once(after_hours_bot: Harness) -> None:
    bot = after_hours_bot
    await staffed(bot)
    first = await page(bot)
    mark = len(bot.api.sent)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)
    mark = len(bot.api.sent)
    bot.api.say(OFFICER, "/afgehandeld")
    done = await bot.api.wait_for(MAYOR.id, lambda s: "afgehandeld" in s.text, after=mark)
    assert "Bedankt" in await toast_for(bot, MAYOR, done, done.data("Nuttig"))
    assert "al" in await toast_for(bot, MAYOR, done, done.data("Niet nuttig"))
    async with bot.store() as store:
        (esc,) = await store.escalations.since(AFTER_HOURS - timedelta(days=1))
        async with store.db.execute("SELECT helpful FROM escalations WHERE id = ?", (esc.id,)) as c:
            row = await c.fetchone()
            assert row is not None and row[0] == 1


async def test_revoking_an_officer_passes_their_page_on_and_their_shifts_stop_counting(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await staffed(bot)
    await bot.register(ADMIN, Role.ADMIN, name="Beheer A")
    first = await page(bot)
    mark = len(bot.api.sent)
    bot.api.press(OFFICER, first, first.data("Aannemen"))
    await bot.api.wait_for(MAYOR.id, lambda s: "aangenomen" in s.text, after=mark)

    mark = len(bot.api.sent)
    async with bot.store() as store:
        said = await revoke_user(store, build_pager(store, bot.settings, bot.clock), "@piket_o")
    assert "page(s) passed on: #1" in said and "1 shift(s) ended" in said
    # At once, not after a timeout: the next level is paged and the mayor is told.
    await bot.api.wait_for(BACKUP.id, is_page, after=mark)
    await bot.api.wait_for(MAYOR.id, lambda s: "Backup P" in s.text, after=mark)
    told = await bot.api.wait_for(ADMIN.id, lambda s: "kan niet meer" in s.text, after=mark)
    assert "Piket O" in told.text and "#1" in told.text and "niveau 1" in told.text
    # The old page in their chat gives them no power any more, and nothing more reaches them.
    assert "verlopen" in await toast_for(bot, OFFICER, first, first.data("Afgehandeld"))
    await bot.settle()
    assert not [s for s in bot.api.sent[mark:] if s.chat_id == OFFICER.id]
    shown = await bot.ask(BACKUP, "/piket")
    assert "Piket O" not in shown.text and "niveau 2: Backup P" in shown.text
    async with bot.store() as store:
        esc = await store.escalations.get(1)
        assert esc is not None and esc.level == 2 and esc.holder is None
        assert esc.plan.find(OFFICER.id) is None
