"""Crisis detection: acute reports are caught, questions about crisis topics are not."""

from __future__ import annotations

import pytest

from bot.core.crisis import CrisisDetector
from bot.core.faq import load_faq
from tests.conftest import ROOT

DETECTOR = CrisisDetector.bundled()


@pytest.mark.parametrize(
    "text",
    [
        "Er staat nu een woedende groep bij de ingang van de opvang",
        "help!!",
        "de wethouder wordt op dit moment bedreigd",
        "RELLEN bij het azc",
        "brand in de opvang",
        "kunnen jullie iemand sturen, het loopt uit de klauw",
        "er zijn vannacht ruiten ingegooid bij de burgemeester",
        "Geachte heer, op dit moment is de situatie bij de opvanglocatie onveilig.",
        "de wethouder krijgt doodsbedreigingen",  # part of a compound
        "hulp",  # a short cry for help
        "er loopt een man met een knuppel rond bij het hek",  # a report at a place
        "Our alderman is being threatened right now",
    ],
)
def test_acute_reports_are_crises(text: str) -> None:
    verdict = DETECTOR.assess(text)
    assert verdict.crisis, text
    assert verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "hoe bereiden we ons voor op een demonstratie",
        "is er een training over bedreiging van bestuurders",
        "evaluatie van de rellen van vorig jaar",
        "volgende maand een inspraakavond, hoe voorkomen we dat het uit de hand loopt",
        "wat is het gzza",
        "hallo",
        "",
        "Mag de gemeente een sporthal huren van de provincie voor de opvang?",
        "Is er een handreiking voor het omgaan met haatberichten?",  # a question, not a report
        "hulp bij het vinden van woningen voor statushouders",  # 'hulp' in a longer question
    ],
)
def test_questions_about_crisis_topics_are_not(text: str) -> None:
    assert not DETECTOR.assess(text).crisis, text


def test_now_beats_a_calm_cue() -> None:
    assert DETECTOR.assess("we hadden een draaiboek maar er is nu brand!!").crisis


def test_faq_questions_themselves_are_not_crises() -> None:
    faq = load_faq(ROOT / "faq")
    flagged = [
        e.question
        for e in faq.entries
        if e.id != "noodgeval-112" and DETECTOR.assess(e.question).crisis
    ]
    assert flagged == []
