"""Hand-off to a human through Telegram: tickets, claiming, relay both ways, closing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot.core.clock import AMSTERDAM
from bot.core.models import Outgoing, Role
from bot.core.settings import HelpdeskMode
from bot.core.triage import Triage
from bot.store.sqlite import Store
from tests.botapi import GROUP_ID, BotApiServer, Person, Sent
from tests.conftest import AFTER_HOURS, OFFICE_HOURS
from tests.harness import Harness, running_bot, settings_for

ASKER = Person(id=601, first_name="S", username="staff_s")
AGENT = Person(id=701, first_name="H", username="agent_h")
OTHER_AGENT = Person(id=702, first_name="I", username="agent_i")
NOT_AGENT = Person(id=703, first_name="J")
QUESTION = "Hoe zit het met de btw op de huur van een sporthal voor de opvang?"


def is_ticket(sent: Sent) -> bool:
    return sent.text.startswith("🎫 Vraag #")


async def hand_off(
    bot: Harness, person: Person = ASKER, text: str = QUESTION, *, register: bool = True
) -> Sent:
    """As invited staff, ask something the FAQ cannot answer; return the ticket post."""
    if register:
        await bot.register(person, Role.STAFF, "Brummen")
    mark = len(bot.api.sent)
    reply = await bot.ask(person, text, match=lambda s: "#" in s.text)
    assert "Ik zet je vraag door naar een medewerker" in reply.text
    return await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)


async def test_handoff_claim_relay_follow_up_and_close(bot: Harness) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen", name="Beleidsmedewerker Brummen")
    await bot.register(AGENT, Role.AGENT, name="Helpdesk H")
    await bot.register(OTHER_AGENT, Role.AGENT, name="Helpdesk I")
    ticket = await hand_off(bot, register=False)
    assert QUESTION in ticket.text
    assert "staff · Brummen (regio Oost)" in ticket.text
    assert "vandaag antwoord" in bot.api.to(ASKER.id)[-1].text

    mark = len(bot.api.sent)
    bot.api.press(AGENT, ticket, ticket.data("Oppakken"))
    edited = await bot.api.wait_for(
        GROUP_ID, lambda s: "opgepakt door Helpdesk H" in s.text, after=mark
    )
    assert edited.message_id == ticket.message_id
    told = await bot.api.wait_for(ASKER.id, lambda s: "opgepakt" in s.text, after=mark)
    assert "#1" in told.text

    mark = len(bot.api.sent)
    bot.api.press(OTHER_AGENT, ticket, ticket.data("Oppakken"))
    await bot.api.until(
        lambda: any(
            a.get("text") == "Al opgepakt door Helpdesk H." for a in bot.api.callback_answers
        )
    )

    mark = len(bot.api.sent)
    bot.api.say(AGENT, "U mag dat, mits de raad instemt.", chat_id=GROUP_ID, reply_to=ticket)
    relayed = await bot.api.wait_for(ASKER.id, after=mark)
    assert relayed.text == "💬 Helpdesk (#1): U mag dat, mits de raad instemt."

    mark = len(bot.api.sent)
    follow = await bot.ask(ASKER, "Dank! En voor hoe lang?")
    assert "Toegevoegd aan je vraag #1" in follow.text
    posted = await bot.api.wait_for(GROUP_ID, lambda s: s.text.startswith("✉️ #1"), after=mark)
    assert posted.reply_to == ticket.message_id

    mark = len(bot.api.sent)
    bot.api.say(AGENT, "Zolang het nodig is.", chat_id=GROUP_ID, reply_to=posted)
    second = await bot.api.wait_for(ASKER.id, after=mark)
    assert second.text.endswith("Zolang het nodig is.")

    mark = len(bot.api.sent)
    bot.api.say(AGENT, "/sluit", chat_id=GROUP_ID, reply_to=ticket)
    closed = await bot.api.wait_for(ASKER.id, after=mark)
    assert "is afgesloten" in closed.text
    await bot.api.wait_for(GROUP_ID, lambda s: "✅ #1 is gesloten" in s.text, after=mark)

    new = await bot.ask(ASKER, "wat is het gzza")
    assert "📄 Bron:" in new.text  # a closed ticket no longer swallows questions


async def test_only_agents_can_claim_or_answer(bot: Harness) -> None:
    ticket = await hand_off(bot, ASKER, "hoeveel parkeerplekken moet een opvang hebben")
    bot.api.press(NOT_AGENT, ticket, ticket.data("Oppakken"))
    await bot.api.until(
        lambda: any(
            "Alleen helpdeskmedewerkers" in (a.get("text") or "") for a in bot.api.callback_answers
        )
    )
    mark = len(bot.api.sent)
    bot.api.say(NOT_AGENT, "ik weet het", chat_id=GROUP_ID, reply_to=ticket)
    refusal = await bot.api.wait_for(GROUP_ID, after=mark)
    assert "Alleen helpdeskmedewerkers" in refusal.text
    assert not [s for s in bot.api.to(ASKER.id) if s.text.startswith("💬")]


async def test_none_of_these_hands_the_question_over(bot: Harness) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen")
    clarify = await bot.ask(ASKER, "expert")
    mark = len(bot.api.sent)
    bot.api.press(ASKER, clarify, "human")
    reply = await bot.api.wait_for(ASKER.id, after=mark)
    assert "#1" in reply.text
    post = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert "\n\nexpert\n\n" in post.text


async def test_after_hours_handoff_names_the_next_opening(bot: Harness) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen")
    bot.clock.set(datetime(2026, 11, 21, 23, 30, tzinfo=AMSTERDAM))
    reply = await bot.ask(ASKER, QUESTION, match=lambda s: "#" in s.text)
    assert "maandag 23 november vanaf 09:00" in reply.text


async def test_blocked_user_is_reported_in_the_ticket(bot: Harness) -> None:
    await bot.register(AGENT, Role.AGENT, name="Helpdesk H")
    ticket = await hand_off(bot)
    bot.api.blocked.add(ASKER.id)
    mark = len(bot.api.sent)
    bot.api.say(AGENT, "Hier is uw antwoord.", chat_id=GROUP_ID, reply_to=ticket)
    warning = await bot.api.wait_for(GROUP_ID, lambda s: "geblokkeerd" in s.text, after=mark)
    assert warning.text.startswith("⚠️ #1")


async def test_huge_message_becomes_a_ticket_within_telegram_limits(bot: Harness) -> None:
    huge = "Wij hebben een vraag over de opvang. " + "bla " * 2500
    ticket = await hand_off(bot, ASKER, huge)
    assert len(ticket.text) <= 4096


async def test_a_guest_gets_the_faq_only_but_a_guests_crisis_still_reaches_the_agents(
    bot: Harness,
) -> None:
    guest = Person(id=650, first_name="G")
    reply = await bot.ask(guest, QUESTION)
    assert "zodra je gemeente je heeft aangemeld" in reply.text and "+31 70 373 8393" in reply.text
    answer = await bot.ask(guest, "wat is het gzza")
    mark = len(bot.api.sent)
    bot.api.press(guest, answer, answer.data("medewerker"))
    asked = await bot.api.wait_for(guest.id, after=mark)
    assert "uitnodiging" in asked.text
    assert not [s for s in bot.api.to(GROUP_ID) if is_ticket(s)]
    mark = len(bot.api.sent)
    bot.api.say(guest, "Er staan nu 200 boze mensen voor het azc!")
    urgent = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert "SPOED" in urgent.text and "Van: gast" in urgent.text


async def test_urgent_tickets_are_sent_before_routine_ones(bot: Harness) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen")
    # Queued in one go, before the courier's next round: delivered in priority order.
    bot.api.fail("sendMessage", 500, times=0)

    store = await Store.open(bot.settings.database)
    try:
        # One transaction: the courier must not find the routine one alone in between.
        async with store.transaction():
            await store.outbox.put(Outgoing(GROUP_ID, "routine", "r1"), bot.clock.now())
            await store.outbox.put(Outgoing(GROUP_ID, "urgent", "u1", urgent=True), bot.clock.now())
    finally:
        await store.close()
    await bot.api.until(
        lambda: len([s for s in bot.api.to(GROUP_ID) if s.text in ("routine", "urgent")]) == 2
    )
    order = [s.text for s in bot.api.to(GROUP_ID) if s.text in ("routine", "urgent")]
    assert order == ["urgent", "routine"]


async def test_crisis_in_office_hours_is_an_urgent_ticket_and_alerts_the_region(
    bot: Harness,
) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen")
    mark = len(bot.api.sent)
    reply = await bot.ask(ASKER, "Er staan nu honderd boze mensen voor het gemeentehuis!!")
    assert reply.text.startswith("Direct gevaar? Bel 112.")
    post = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert "🚨 SPOED" in post.text
    alert = await bot.api.wait_for(-200, after=mark)
    assert "regio Oost" in alert.text


async def test_mayor_after_hours_gets_ngb_and_the_paging_button(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "db.sqlite3", api)
    async with running_bot(api, settings, triage, AFTER_HOURS) as bot:
        mayor = Person(id=801, first_name="M")
        await bot.register(mayor, Role.MAYOR, "Brummen")
        reply = await bot.ask(mayor, "🚨 Crisis")
        assert reply.text.startswith("Direct gevaar? Bel 112.")
        assert "+31 70 373 8080" in reply.text
        mark = len(bot.api.sent)
        bot.api.press(mayor, reply, reply.data("Piket"))
        nobody = await bot.api.wait_for(mayor.id, after=mark)  # the roster is empty
        assert "niemand van de vliegende brigade piket" in nobody.text
        assert "+31 70 373 8080" in nobody.text
        guest = Person(id=802, first_name="G")
        staff_reply = await bot.ask(guest, "/crisis er is brand bij de opvang")
        assert "Licht je (loco-)burgemeester in" in staff_reply.text
        assert not staff_reply.buttons
        mark = len(bot.api.sent)
        bot.api.press(guest, staff_reply, "page")  # forged: staff get no such button
        refused = await bot.api.wait_for(guest.id, after=mark)
        assert "Alleen een aangemelde (loco-)burgemeester" in refused.text


async def test_restart_keeps_open_tickets(
    api: BotApiServer, triage: Triage, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path / "db.sqlite3", api)
    async with running_bot(api, settings, triage, OFFICE_HOURS) as bot:
        await bot.register(AGENT, Role.AGENT, name="Helpdesk H")
        ticket = await hand_off(bot)
    async with running_bot(api, settings, triage, OFFICE_HOURS) as bot:
        mark = len(bot.api.sent)
        text = "Na de herstart: hier is uw antwoord."
        bot.api.say(AGENT, text, chat_id=GROUP_ID, reply_to=ticket)
        relayed = await bot.api.wait_for(ASKER.id, after=mark)
        assert relayed.text.endswith(text)


async def test_forum_topics_mode(triage: Triage, tmp_path: Path) -> None:
    api = BotApiServer(forum=True)
    await api.start()
    try:
        settings = settings_for(tmp_path / "db.sqlite3", api, mode=HelpdeskMode.TOPICS)
        async with running_bot(api, settings, triage, OFFICE_HOURS) as bot:
            await bot.register(AGENT, Role.AGENT, name="Helpdesk H")
            ticket = await hand_off(bot)
            assert ticket.thread_id is not None
            assert any(m == "createForumTopic" for m, _ in api.calls)
            mark = len(api.sent)
            api.say(AGENT, "Antwoord in het topic.", chat_id=GROUP_ID, thread_id=ticket.thread_id)
            relayed = await api.wait_for(ASKER.id, after=mark)
            assert relayed.text.endswith("Antwoord in het topic.")
            mark = len(api.sent)
            await bot.ask(ASKER, "nog een vraag erbij")
            follow = await api.wait_for(GROUP_ID, lambda s: s.text.startswith("✉️"), after=mark)
            assert follow.thread_id == ticket.thread_id
            mark = len(api.sent)
            api.say(AGENT, "/sluit", chat_id=GROUP_ID, thread_id=ticket.thread_id)
            await api.wait_for(ASKER.id, lambda s: "gesloten" in s.text, after=mark)
            await api.until(lambda: api.closed_topics == [ticket.thread_id])
            # The agents see it is closed, in the topic, before the topic closes.
            note = [
                i
                for i, (m, p) in enumerate(api.calls)
                if m == "sendMessage" and str(p.get("message_thread_id")) == str(ticket.thread_id)
            ][-1]
            closing = next(i for i, (m, _) in enumerate(api.calls) if m == "closeForumTopic")
            assert note < closing
    finally:
        await api.stop()


async def test_an_faq_question_during_an_open_ticket_is_answered_and_the_asker_can_close_it(
    bot: Harness,
) -> None:
    ticket = await hand_off(bot)
    mark = len(bot.api.sent)
    answer = await bot.ask(ASKER, "wat is het gzza")
    # Answered at once, not added to the ticket to wait for an agent; the ticket stays open.
    assert "📄 Bron:" in answer.text and "#1 blijft open" in answer.text
    noted = await bot.api.wait_for(GROUP_ID, lambda s: "vroeg ook" in s.text, after=mark)
    assert "wat is het gzza" in noted.text and noted.reply_to == ticket.message_id
    # The same button data forged in someone else's chat closes nothing.
    forged = replace(answer, chat_id=NOT_AGENT.id)
    assert "verlopen" in (await press_for(bot, NOT_AGENT, forged, "Mijn vraag")).text

    mark = len(bot.api.sent)
    closed = await press_for(bot, ASKER, answer, "Mijn vraag")
    assert "#1 is gesloten" in closed.text
    await bot.api.wait_for(GROUP_ID, lambda s: "gesloten door de vrager" in s.text, after=mark)
    async with bot.store() as store:
        done = await store.tickets.get(1)
        assert done is not None and not done.is_open
    # A follow-up now is a new question: a new ticket, not #1 again.
    again = await bot.ask(ASKER, QUESTION, match=lambda s: "#" in s.text)
    assert "#2" in again.text


async def press_for(bot: Harness, person: Person, message: Sent, label: str) -> Sent:
    """Press a button on a message and return the reply to that person."""
    mark = len(bot.api.sent)
    bot.api.press(person, message, message.data(label))
    return await bot.api.wait_for(person.id, after=mark)


async def test_a_crisis_on_crisis_words_alone_also_gets_the_faq_answer_and_can_be_withdrawn(
    bot: Harness,
) -> None:
    await bot.register(ASKER, Role.STAFF, "Brummen")
    mark = len(bot.api.sent)
    reply = await bot.ask(ASKER, "raadslid bedreigd")
    # The crisis way first (recall first), and the FAQ's answer in case it was a question.
    assert reply.text.startswith("Direct gevaar? Bel 112.") and "Dit zegt de FAQ" in reply.text
    urgent = await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    assert "SPOED" in urgent.text
    await bot.api.wait_for(-200, lambda s: "#1" in s.text, after=mark)  # region Oost told

    mark = len(bot.api.sent)
    withdrawn = await press_for(bot, ASKER, reply, "Geen noodgeval")
    assert "ingetrokken" in withdrawn.text
    await bot.api.wait_for(GROUP_ID, lambda s: "geen noodgeval" in s.text, after=mark)
    await bot.api.wait_for(-200, lambda s: "geen noodgeval" in s.text, after=mark)
    async with bot.store() as store:
        ticket = await store.tickets.get(1)
        assert ticket is not None and not ticket.is_open
    # Pressed again, it does nothing more; a report with a cue that it is happening now gets
    # no such button.
    assert "verlopen" in (await press_for(bot, ASKER, reply, "Geen noodgeval")).text
    strong = await bot.ask(ASKER, "Er staan nu 200 boze mensen voor het azc!")
    assert not [b for b in strong.buttons if "noodgeval" in b[0]]


async def test_a_guest_is_not_offered_to_close_a_ticket_they_may_not_close(bot: Harness) -> None:
    guest = Person(id=651, first_name="G")
    mark = len(bot.api.sent)
    bot.api.say(guest, "Er staan nu 200 boze mensen voor het azc!")
    await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    followed = await bot.ask(
        guest, "het gaat om de locatie aan de dorpsstraat", match=lambda s: "#1" in s.text
    )
    assert not [label for label, _ in followed.buttons if "Mijn vraag" in label]
    # Staff who may close their own ticket get the button under a follow-up.
    await hand_off(bot)
    mine = await bot.ask(ASKER, "nog een detail erbij", match=lambda s: "#2" in s.text)
    assert [label for label, _ in mine.buttons if "Mijn vraag" in label]


async def test_withdrawing_an_after_hours_report_tells_no_region_that_was_never_alerted(
    after_hours_bot: Harness,
) -> None:
    bot = after_hours_bot
    await bot.register(ASKER, Role.STAFF, "Brummen")
    mark = len(bot.api.sent)
    reply = await bot.ask(ASKER, "raadslid bedreigd")
    await bot.api.wait_for(GROUP_ID, is_ticket, after=mark)
    withdrawn = await press_for(bot, ASKER, reply, "Geen noodgeval")
    assert "ingetrokken" in withdrawn.text
    await bot.api.wait_for(GROUP_ID, lambda s: "geen noodgeval" in s.text, after=mark)
    await bot.settle()
    assert bot.api.to(-200) == []
