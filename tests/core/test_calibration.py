"""The calibrated answer decision on fixed rankings: answer, a real choice, or a person."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.calibrate import user_questions
from bot.core.actions import FaqFeedback, ShowEntry
from bot.core.calibration import FEATURES, Calibration, features
from bot.core.faq import load_faq
from bot.core.logistic import probability
from bot.core.matcher import Ranking
from bot.core.models import Candidate, Decision, Inquiry, Route, User
from bot.core.routing import route_calibrated, route_question
from bot.core.settings import MatchingSettings
from bot.core.triage import Triage
from tests.conftest import ROOT

# A hand-made fit: the first is right the more it leads and the higher it scores.
WEIGHTS = dict.fromkeys(FEATURES, 0.0) | {"bias": -6.0, "top": 6.0, "margin": 12.0}
CALIBRATION = Calibration(
    fingerprint="test",
    top=tuple(WEIGHTS.values()),
    top3=tuple((WEIGHTS | {"bias": -2.0, "margin": 0.0}).values()),
    answer_at=0.8,
    clarify_at=0.5,
    sure_at=0.95,
)
SETTINGS = MatchingSettings()


def ranking(*scores: float) -> Ranking:
    found = [Candidate(f"e{i}", s, coverage=s / 100, fit=s / 100) for i, s in enumerate(scores)]
    return Ranking(found, terms=4, known=4)


def test_a_clear_leader_is_answered_with_how_sure_it_is() -> None:
    decision = route_calibrated(ranking(90, 30, 20), CALIBRATION, SETTINGS)
    assert decision.route is Route.ANSWER and decision.entry_id == "e0"
    assert decision.alternatives == ("e1", "e2")
    assert decision.confidence == CALIBRATION.p_top(ranking(90, 30, 20)) > 0.8
    assert decision.others == ()  # sure: shown alone


def test_a_likely_answer_below_sure_names_the_others() -> None:
    unsure = replace(CALIBRATION, sure_at=0.99)
    decision = route_calibrated(ranking(80, 50, 40), unsure, SETTINGS)
    assert decision.route is Route.ANSWER and decision.others == ("e1", "e2")


def test_close_candidates_are_a_choice_of_two_or_three() -> None:
    decision = route_calibrated(ranking(70, 68, 66, 10), CALIBRATION, SETTINGS)
    assert decision.route is Route.CLARIFY
    assert decision.alternatives == ("e0", "e1", "e2")
    two = route_calibrated(ranking(70, 68), CALIBRATION, SETTINGS)
    assert two.route is Route.CLARIFY and two.alternatives == ("e0", "e1")


def test_one_unsure_candidate_is_never_a_choice_of_one() -> None:
    alone = ranking(40)
    # Likely enough among three, were there three; alone it would be a choice of one.
    assert CALIBRATION.p_top(alone) < 0.8 and CALIBRATION.p_top3(alone) >= 0.5
    decision = route_calibrated(alone, CALIBRATION, SETTINGS)
    assert decision.route is Route.HANDOFF
    assert route_calibrated(ranking(), CALIBRATION, SETTINGS).route is Route.HANDOFF
    # The score rule, where an FAQ has no calibration, offers two as well.
    old = route_question(ranking(50, 20).candidates, SETTINGS)
    assert old.route is Route.CLARIFY and len(old.alternatives) == 2


def test_weak_matches_go_to_a_person() -> None:
    decision = route_calibrated(ranking(25, 24, 20), CALIBRATION, SETTINGS)
    assert decision.route is Route.HANDOFF and decision.alternatives == ("e0", "e1", "e2")


def test_config_moves_the_thresholds() -> None:
    likely = ranking(80, 50)
    assert 0.8 < CALIBRATION.p_top(likely) < 0.99
    assert route_calibrated(likely, CALIBRATION, SETTINGS).route is Route.ANSWER
    strict = MatchingSettings(answer_probability=0.99)
    assert route_calibrated(likely, CALIBRATION, strict).route is Route.CLARIFY


def test_probability_is_a_dot_product_through_the_sigmoid() -> None:
    values = features(ranking(90, 30, 20))
    assert len(values) == len(FEATURES) and values[0] == 1.0
    assert probability([0.0] * len(FEATURES), values) == 0.5
    assert probability(CALIBRATION.top, values) > probability(
        CALIBRATION.top, features(ranking(50, 45))
    )


def test_a_likely_but_unsure_answer_offers_the_next_candidates(triage: Triage) -> None:
    decision = Decision(route=Route.ANSWER, entry_id="gzza", others=("otav-wat-is-het",))
    inquiry = Inquiry(text="gzza?", user=User(), at=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    reply = triage.compose(decision, inquiry)
    assert "Bedoelde je iets anders?" in reply.text
    assert reply.buttons[0].action == ShowEntry("otav-wat-is-het")
    assert [b.action for b in reply.buttons[1:3]] == [
        FaqFeedback("gzza", helpful=True),
        FaqFeedback("gzza", helpful=False),
    ]
    sure = triage.compose(replace(decision, others=()), inquiry)
    assert "Bedoelde je" not in sure.text and sure.buttons[0].action == FaqFeedback(
        "gzza", helpful=True
    )


def test_every_user_question_for_the_fit_names_an_entry_of_the_bundled_faq() -> None:
    ids = {e.id for e in load_faq(ROOT / "faq").entries}
    questions = user_questions()
    assert len(questions) > 200
    assert {entry_id for entry_id, _ in questions} <= ids | {"-"}
    assert all(text for _, text in questions)
