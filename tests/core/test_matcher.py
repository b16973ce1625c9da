"""The matcher and the routing of its ranking: synonyms, typos, stopwords, close calls."""

from __future__ import annotations

import pytest

from bot.core.faq import load_faq
from bot.core.matcher import Matcher
from bot.core.models import Candidate, Route
from bot.core.routing import route_question
from bot.core.settings import MatchingSettings
from bot.core.text import WORDS_KEPT
from bot.wiring import build_matcher
from tests.conftest import ROOT

MATCHER: Matcher = build_matcher(load_faq(ROOT / "faq"))
SETTINGS = MatchingSettings()


def best(text: str) -> Candidate:
    return MATCHER.rank(text, limit=3)[0]


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("statushouders huisvesten", "huisvesting-vergunninghouders"),
        ("vergunninghouders huisvesten", "huisvesting-vergunninghouders"),  # a synonym
        ("bewonersavond organiseren", "inspraakavond-organiseren"),  # a synonym
        ("wat is het gzza", "gzza"),
        ("wat is het gzzaa", "gzza"),  # a typo
    ],
)
def test_synonyms_and_typos_find_the_same_entry(text: str, entry: str) -> None:
    assert best(text).entry_id == entry


def test_two_letters_swapped_is_a_typo_but_one_letter_changed_is_another_word() -> None:
    assert best("wat is otva").entry_id == "otav-wat-is-het"
    assert MATCHER.assess("otva").known == 1
    # One letter changed in a short word often makes another word: not read as a typo.
    assert MATCHER.assess("otaf").known == 0


def test_stopwords_alone_match_nothing() -> None:
    # WRatio gives 85+ to anything sharing "het" or "de"; the matcher must not.
    ranking = MATCHER.rank("het de een van", limit=3)
    assert not ranking or ranking[0].score < SETTINGS.clarify_threshold


@pytest.mark.parametrize(
    ("scores", "route"),
    [
        ((90.0, 40.0), Route.ANSWER),  # clear and far ahead
        ((60.0, 56.0), Route.CLARIFY),  # clears the bar, but a close call
        ((50.0, 20.0), Route.CLARIFY),  # between clarify and answer thresholds
        ((30.0, 10.0), Route.HANDOFF),  # nothing near
        ((), Route.HANDOFF),
    ],
)
def test_thresholds_and_margin_decide_the_route(scores: tuple[float, ...], route: Route) -> None:
    ranking = [Candidate(f"e{n}", s) for n, s in enumerate(scores)]
    assert route_question(ranking, SETTINGS).route is route


def test_a_close_call_offers_at_most_three_candidates() -> None:
    ranking = [Candidate(f"e{n}", 60.0 - n) for n in range(5)]
    decision = route_question(ranking, SETTINGS)
    assert decision.route is Route.CLARIFY
    assert len(decision.alternatives) <= SETTINGS.clarify_candidates == 3


def test_words_never_seen_before_do_not_grow_memory_without_bound() -> None:
    matcher = build_matcher(load_faq(ROOT / "faq"))
    before = matcher.rank("statushouders huisvesten")
    # 1,500 messages of 20 words no one typed before: more words than the caches keep.
    for n in range(1_500):
        matcher.rank(" ".join(f"woord{n}x{i}zonderbetekenis" for i in range(20)))
    stems, lookups = matcher.analyzer.stem, matcher._lookup
    assert stems.cache_info().currsize <= WORDS_KEPT  # type: ignore[attr-defined]
    assert lookups.cache_info().currsize <= WORDS_KEPT  # type: ignore[attr-defined]
    assert matcher.rank("statushouders huisvesten") == before  # and it still answers the same


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("who is my account manager", "accountmanager-regio"),
        ("what does an account manager do for us", "accountmanager-taken"),
        ("how do I request an expert", "expertverzoek-indienen"),
        ("can someone help us calm down a protest", "de-escalatie"),
    ],
)
def test_an_english_question_finds_its_entry_by_the_english_phrasings(
    text: str, entry: str
) -> None:
    assert best(text).entry_id == entry
