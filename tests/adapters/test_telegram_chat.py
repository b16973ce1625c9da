"""The bot on Telegram, end to end: registration, FAQ chat, buttons and odd input."""

from __future__ import annotations

from bot.core.models import Role
from bot.store.sqlite import Store
from tests.botapi import Person, Sent
from tests.harness import Harness

ANNE = Person(id=501, first_name="A", username="staff_a")
MAYOR = Person(id=502, first_name="B", username="mayor_b")
GUEST = Person(id=503, first_name="C")
ENGLISH = Person(id=504, first_name="D", language_code="en")


async def test_invite_binds_role_to_the_user_once(bot: Harness) -> None:
    code = await bot.invite(Role.MAYOR, "Brummen", name="Burgemeester van Brummen")
    welcome = await bot.ask(MAYOR, f"/start {code}")
    assert "aangemeld als burgemeester van Brummen" in welcome.text
    assert welcome.keyboard == ["🚨 Crisis", "📞 Deel mijn nummer"]
    again = await bot.ask(GUEST, f"/start {code}")
    assert "onjuist, al gebruikt of verlopen" in again.text
    wrong = await bot.ask(ANNE, "/start nonsense-code")
    assert wrong.text == again.text
    store = await Store.open(bot.settings.database)
    try:
        member = await store.users.get(MAYOR.id)
        assert member is not None and member.role is Role.MAYOR
        assert await store.users.get(GUEST.id) is None
    finally:
        await store.close()


async def test_expired_invite_is_refused(bot: Harness) -> None:
    from datetime import timedelta

    code = await bot.invite(Role.STAFF, "Brummen")
    bot.clock.advance(timedelta(days=8))
    reply = await bot.ask(ANNE, f"/start {code}")
    assert "onjuist, al gebruikt of verlopen" in reply.text


async def test_faq_answer_with_feedback(bot: Harness) -> None:
    answer = await bot.ask(GUEST, "wat is het gzza")
    assert "📄 Bron:" in answer.text
    assert [label for label, _ in answer.buttons][:2] == ["👍 Nuttig", "👎 Niet nuttig"]
    mark = len(bot.api.sent)
    bot.api.press(GUEST, answer, answer.data("👍"))
    thanks = await bot.api.wait_for(GUEST.id, after=mark)
    assert "Bedankt" in thanks.text
    store = await Store.open(bot.settings.database)
    try:
        assert (await store.notes.feedback_counts())["gzza"] == (1, 0)
    finally:
        await store.close()


async def test_clarify_then_pick_a_candidate(bot: Harness) -> None:
    clarify = await bot.ask(GUEST, "expert")
    assert "Kies de vraag die het beste past" in clarify.text
    assert clarify.buttons[-1] == ("Geen van deze", "human")
    mark = len(bot.api.sent)
    bot.api.press(GUEST, clarify, clarify.buttons[0][1])
    answer = await bot.api.wait_for(GUEST.id, after=mark)
    assert "📄 Bron:" in answer.text


async def test_browse_themes_and_back(bot: Harness) -> None:
    themes = await bot.ask(GUEST, "/themas")
    assert themes.text == "Kies een onderwerp:"
    mark = len(bot.api.sent)
    bot.api.press(GUEST, themes, themes.data("Huisvesting"))
    questions = await bot.api.wait_for(GUEST.id, after=mark)
    assert "kies een vraag" in questions.text
    mark = len(bot.api.sent)
    bot.api.press(GUEST, questions, questions.data("GZZA"))
    answer = await bot.api.wait_for(GUEST.id, after=mark)
    assert "📄 Bron:" in answer.text
    mark = len(bot.api.sent)
    bot.api.press(GUEST, questions, questions.data("Terug"))
    back = await bot.api.wait_for(GUEST.id, after=mark)
    assert back.text == "Kies een onderwerp:"


async def test_forged_and_stale_buttons_expire_politely(bot: Harness) -> None:
    answer = await bot.ask(GUEST, "wat is het gzza")
    for forged in ("faq:bestaat-niet", "fb:gzza:maybe", "theme:sport", "claim:1", "x" * 60):
        mark = len(bot.api.sent)
        bot.api.press(GUEST, answer, forged)
        reply = await bot.api.wait_for(GUEST.id, after=mark)
        assert reply.text.startswith("Deze knop is verlopen"), forged


async def test_odd_messages_get_polite_replies(bot: Harness) -> None:
    for text in ("🙈🙈🙈", "asdfgh", "   .  "):
        reply = await bot.ask(GUEST, text)
        assert "Traceback" not in reply.text and reply.text
    mark = len(bot.api.sent)
    bot.api.send_photo(GUEST)
    photo = await bot.api.wait_for(GUEST.id, after=mark)
    assert "Ik lees alleen tekst" in photo.text


async def test_english_user_gets_english(bot: Harness) -> None:
    answer = await bot.ask(ENGLISH, "what is gzza")
    assert "📄 Source:" in answer.text


async def test_my_data_and_forget(bot: Harness) -> None:
    await bot.register(ANNE, Role.STAFF, "Brummen")
    shown = await bot.ask(ANNE, "/mijngegevens")
    assert "Rol: staff" in shown.text and "Gemeente: Brummen" in shown.text
    prompt = await bot.ask(ANNE, "/verwijderen")
    mark = len(bot.api.sent)
    bot.api.press(ANNE, prompt, prompt.data("wis"))
    done = await bot.api.wait_for(ANNE.id, after=mark)
    assert "gewist" in done.text
    empty = await bot.ask(ANNE, "/mijngegevens")
    assert "Ik bewaar niets over jou" in empty.text


async def test_in_a_strangers_group_the_bot_says_where_it_works_and_leaves(bot: Harness) -> None:
    stranger_group = -555
    bot.api.add_bot(ANNE, stranger_group)
    said = await bot.api.wait_for(stranger_group)
    assert "alleen in een privéchat" in said.text
    await bot.api.until(lambda: stranger_group in bot.api.left_chats)
    # A forged claim button on a message there claims nothing and posts no apology there.
    ticket_post = Sent(chat_id=stranger_group, message_id=1, text="🎫 Vraag #1")
    bot.api.say(ANNE, "hallo allemaal", chat_id=stranger_group)
    bot.api.press(ANNE, ticket_post, "claim:1")
    await bot.settle()
    assert all("alleen in een privéchat" in s.text for s in bot.api.to(stranger_group))
    assert len(bot.api.to(stranger_group)) == 1  # once an hour, however much is said there
    # The region chats are the bot's own: read nothing there, say nothing, stay.
    mark = len(bot.api.sent)
    bot.api.say(ANNE, "wie heeft er piket?", chat_id=-200)
    await bot.settle()
    assert -200 not in bot.api.left_chats
    # A user unblocking the bot in their private chat is no group to leave.
    bot.api.add_bot(ANNE, ANNE.id)
    await bot.settle()
    assert ANNE.id not in bot.api.left_chats and not bot.api.to(ANNE.id)
    assert not [s for s in bot.api.sent[mark:] if s.chat_id == -200]


async def test_a_group_moving_to_a_new_id_is_never_left(bot: Harness) -> None:
    # Turning on topics makes a group a supergroup with a new id: it may be the agents' own.
    old_group = -556
    bot.api._push(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": old_group, "type": "group", "title": "Helpdesk"},
                "from": ANNE.as_json(),
                "migrate_to_chat_id": -1009999,
            }
        }
    )
    await bot.settle()
    assert old_group not in bot.api.left_chats and not bot.api.to(old_group)
