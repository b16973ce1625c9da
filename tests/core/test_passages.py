"""Long messages: the question inside a paste or a story is what gets matched."""

from __future__ import annotations

from datetime import datetime

from bot.config import Settings
from bot.core.clock import AMSTERDAM
from bot.core.models import Inquiry, Role, Route, User
from bot.core.passages import LONG, PART_CHARS, parts
from bot.wiring import build_triage
from tests.conftest import ROOT

TRIAGE = build_triage(Settings(faq_dir=ROOT / "faq"))
STAFF = User(role=Role.STAFF, municipality="Brummen", verified=True)
WHEN = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
STORY = (
    "Doorgestuurd bericht. Van: griffie. Aan: team samenleving. "
    + "In het overleg van maandag is de planning van de raad besproken, met de begroting, "
    "de agenda van de commissie en de verbouwing van het stadskantoor. " * 25
)


def test_a_short_message_is_matched_whole() -> None:
    assert parts("wie is onze accountmanager").all() == ["wie is onze accountmanager"]


def test_a_long_message_is_matched_by_its_asking_sentences_and_its_end_too() -> None:
    text = STORY + "Mijn vraag: wie is de accountmanager voor onze gemeente? Groet."
    found = parts(text)
    assert len(text) > LONG
    assert found.whole == text[:PART_CHARS]
    assert found.asking[0] == "Mijn vraag: wie is de accountmanager voor onze gemeente?"
    assert found.tail == text[-PART_CHARS:]
    assert all(len(p) <= PART_CHARS for p in found.all())


def test_the_question_at_the_end_of_a_long_paste_gets_its_answer() -> None:
    text = STORY * 2 + "Mijn vraag: wie is de accountmanager voor onze gemeente? Groet."
    assert len(text) > 5_000
    decision = TRIAGE.decide(Inquiry(text=text, user=STAFF, at=WHEN))
    assert decision.route is Route.ANSWER
    assert decision.entry_id == "accountmanager-regio"


def test_a_question_before_the_story_is_found_as_well() -> None:
    text = "Hoe organiseren we een goede bewonersavond over de opvang? " + STORY
    decision = TRIAGE.decide(Inquiry(text=text, user=STAFF, at=WHEN))
    assert decision.entry_id == "inspraakavond-organiseren"
