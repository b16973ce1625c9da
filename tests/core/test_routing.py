"""The routing table of the design, row by row, for every role and the awkward moments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.core.actions import Page, ShowEntry
from bot.core.clock import AMSTERDAM
from bot.core.models import Inquiry, Role, Route, User
from bot.core.settings import AfterHours
from bot.core.triage import Triage

CRISIS = "Er staan nu 200 boze mensen voor het azc en het loopt uit de hand!"
FAQ_QUESTION = "wat is het gzza"
CHITCHAT = "hallo"
CLOSE_CALL = "expert"  # three entries are about experts; none stands out
NO_MATCH = "hoe vraag ik een paspoort aan"

MOMENTS = {
    "weekday 10:00": (datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM), True),
    "weekday 17:00": (datetime(2026, 11, 24, 17, 0, tzinfo=AMSTERDAM), False),
    "weekday 22:00": (datetime(2026, 11, 24, 22, 0, tzinfo=AMSTERDAM), False),
    "saturday 14:00": (datetime(2026, 11, 21, 14, 0, tzinfo=AMSTERDAM), False),
    "kerstmis 2026": (datetime(2026, 12, 25, 10, 0, tzinfo=AMSTERDAM), False),
    "koningsdag 2026": (datetime(2026, 4, 27, 10, 0, tzinfo=AMSTERDAM), False),
    "clocks go back": (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), False),
}
ROLES = [Role.MAYOR, Role.DEPUTY_MAYOR, Role.STAFF, Role.GUEST]


def user(role: Role) -> User:
    return User(role=role, municipality="Brummen", verified=role is not Role.GUEST)


def expected_crisis_route(role: Role, open_: bool) -> Route:
    if open_:
        return Route.CRISIS_OFFICE
    if role in (Role.MAYOR, Role.DEPUTY_MAYOR):
        return Route.CRISIS_AFTER_HOURS_MAYOR
    return Route.CRISIS_AFTER_HOURS_STAFF


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("role", ROLES)
def test_crisis_message_routes_by_hours_and_role(triage: Triage, role: Role, moment: str) -> None:
    when, open_ = MOMENTS[moment]
    outcome = triage.answer(Inquiry(text=CRISIS, user=user(role), at=when))
    assert outcome.decision.route is expected_crisis_route(role, open_)
    assert outcome.decision.crisis
    reply = outcome.replies[0]
    assert reply.text.startswith("Direct gevaar? Bel 112.")
    pages = [b for b in reply.buttons if isinstance(b.action, Page)]
    assert bool(pages) is (outcome.decision.route is Route.CRISIS_AFTER_HOURS_MAYOR)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("role", ROLES)
def test_crisis_button_always_counts(triage: Triage, role: Role, moment: str) -> None:
    when, open_ = MOMENTS[moment]
    decision = triage.decide(Inquiry(text="", user=user(role), at=when, crisis=True))
    assert decision.route is expected_crisis_route(role, open_)
    assert decision.crisis_reasons == ("crisis button",)


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("role", ROLES)
def test_non_crisis_routes_do_not_depend_on_role_or_time(
    triage: Triage, role: Role, moment: str
) -> None:
    when, open_ = MOMENTS[moment]
    who = user(role)
    answered = triage.decide(Inquiry(text=FAQ_QUESTION, user=who, at=when))
    assert (answered.route, answered.entry_id) == (Route.ANSWER, "gzza")
    assert triage.decide(Inquiry(text=CHITCHAT, user=who, at=when)).route is Route.SMALLTALK
    close = triage.decide(Inquiry(text=CLOSE_CALL, user=who, at=when))
    assert close.route is Route.CLARIFY and len(close.alternatives) == 3
    outcome = triage.answer(Inquiry(text=NO_MATCH, user=who, at=when))
    assert outcome.decision.route is Route.HANDOFF
    if role is Role.GUEST:  # the FAQ only: told where a person can be reached instead
        assert "uitnodiging" in outcome.replies[0].text
    else:
        assert ("vandaag antwoord" in outcome.replies[0].text) is open_


def test_an_alarm_at_the_end_of_a_long_message_is_still_a_crisis(triage: Triage) -> None:
    preamble = "Geachte helpdesk, ik schrijf u over de gang van zaken in onze gemeente. " * 20
    assert len(preamble) > 1000
    text = preamble + "Op dit moment staan er 200 boze mensen voor de deur, het loopt uit de hand!"
    decision = triage.decide(
        Inquiry(text=text, user=user(Role.STAFF), at=MOMENTS["weekday 10:00"][0])
    )
    assert decision.crisis


def test_unverified_mayor_is_treated_as_staff_after_hours(triage: Triage) -> None:
    when, _ = MOMENTS["weekday 22:00"]
    claimed = User(role=Role.MAYOR, verified=False)
    assert triage.decide(Inquiry(text=CRISIS, user=claimed, at=when)).route is (
        Route.CRISIS_AFTER_HOURS_STAFF
    )


@pytest.mark.parametrize(
    ("moment", "phrase"),
    [
        (datetime(2026, 11, 21, 23, 30, tzinfo=AMSTERDAM), "maandag 23 november vanaf 09:00"),
        (datetime(2026, 11, 24, 22, 0, tzinfo=AMSTERDAM), "morgen vanaf 09:00"),
        (datetime(2026, 11, 24, 7, 0, tzinfo=AMSTERDAM), "vandaag vanaf 09:00"),
        (datetime(2026, 12, 24, 18, 0, tzinfo=AMSTERDAM), "maandag 28 december vanaf 09:00"),
    ],
)
def test_handoff_after_hours_names_the_next_opening(
    triage: Triage, moment: datetime, phrase: str
) -> None:
    outcome = triage.answer(Inquiry(text=NO_MATCH, user=user(Role.STAFF), at=moment))
    assert phrase in outcome.replies[0].text
    # A crisis the detector missed is handed off like a question: it still says where help is.
    assert "bel 112" in outcome.replies[0].text and "070-373 8080" in outcome.replies[0].text


def test_handoff_in_office_hours_promises_an_answer_today(triage: Triage) -> None:
    weekday = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
    outcome = triage.answer(Inquiry(text=NO_MATCH, user=user(Role.STAFF), at=weekday))
    assert "vandaag antwoord" in outcome.replies[0].text
    assert "112" not in outcome.replies[0].text


def test_staff_crisis_after_hours_names_the_next_opening(triage: Triage) -> None:
    saturday = datetime(2026, 11, 21, 23, 30, tzinfo=AMSTERDAM)
    outcome = triage.answer(Inquiry(text=CRISIS, user=user(Role.STAFF), at=saturday))
    text = outcome.replies[0].text
    assert "070-373 8080" in text and "maandag 23 november vanaf 09:00" in text


def test_office_crisis_names_otav_line_and_region(triage: Triage) -> None:
    when, _ = MOMENTS["weekday 10:00"]
    text = triage.answer(Inquiry(text=CRISIS, user=user(Role.STAFF), at=when)).replies[0].text
    assert "070-373 8393" in text and "otav@vng.nl" in text
    assert "regio Oost" in text


def test_auto_policy_pages_without_a_button(triage: Triage) -> None:
    settings = replace(
        triage.settings, crisis=replace(triage.settings.crisis, after_hours_policy=AfterHours.AUTO)
    )
    auto = Triage(
        faq=triage.faq,
        matcher=triage.matcher,
        replies=triage.replies,
        detector=triage.detector,
        directory=triage.directory,
        settings=settings,
    )
    when, _ = MOMENTS["weekday 22:00"]
    reply = auto.answer(Inquiry(text=CRISIS, user=user(Role.MAYOR), at=when)).replies[0]
    assert "Ik roep nu ook de piketfunctionaris" in reply.text
    assert reply.buttons == ()


def test_english_user_gets_english_crisis_reply(triage: Triage) -> None:
    when, _ = MOMENTS["weekday 22:00"]
    english = replace(user(Role.MAYOR), language="en")
    reply = triage.answer(Inquiry(text=CRISIS, user=english, at=when)).replies[0]
    assert reply.text.startswith("Immediate danger? Call 112.")


def test_accountmanager_answer_names_the_askers_region(triage: Triage) -> None:
    when, _ = MOMENTS["weekday 10:00"]
    who = User(role=Role.STAFF, municipality="Súdwest-Fryslân", verified=True)
    reply = triage.choose(ShowEntry("accountmanager-regio"), who)
    assert "Súdwest-Fryslân valt in regio Noord" in reply.text
    assert when


@pytest.mark.parametrize("text", ["bedankt!", "top, dankjewel", "Thanks!", "ok prima, dank"])
def test_thanks_gets_you_are_welcome_not_the_introduction(triage: Triage, text: str) -> None:
    when, _ = MOMENTS["weekday 10:00"]
    outcome = triage.answer(Inquiry(text=text, user=user(Role.STAFF), at=when))
    assert outcome.decision.route is Route.SMALLTALK
    reply = outcome.replies[0].text
    assert reply.startswith(("Graag gedaan", "You're welcome")) or "Graag gedaan" in reply


def test_a_greeting_with_a_question_in_it_is_the_question(triage: Triage) -> None:
    when, _ = MOMENTS["weekday 10:00"]
    hello = triage.answer(Inquiry(text="hallo", user=user(Role.STAFF), at=when))
    assert hello.replies[0].text.startswith("Hallo!")
    asked = triage.answer(Inquiry(text="hoi! wat is het gzza?", user=user(Role.STAFF), at=when))
    assert asked.decision.route is Route.ANSWER and asked.decision.entry_id == "gzza"
