"""Folding, synonyms, stopwords, stemming and the nonsense check."""

from __future__ import annotations

import pytest

from bot.core.text import Analyzer, Language, fold, looks_like_nonsense


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(language=Language.bundled())


def test_fold_drops_case_accents_and_punctuation() -> None:
    assert fold("  Súdwest-Fryslân!! ") == "sudwest fryslan"
    assert fold("Wat is het OTAV?") == "wat is het otav"
    assert fold("🙂🙂") == ""


def test_synonyms_map_variants_to_the_faq_words(analyzer: Analyzer) -> None:
    assert analyzer.words("Statushouders in het AZC") == [
        "vergunninghouder",
        "in",
        "het",
        "opvanglocatie",
    ]
    assert analyzer.words("inspraak avond") == ["inspraakavond"]
    assert analyzer.words("de loco-burgemeester") == ["de", "burgemeester"]


def test_terms_drop_stopwords_and_stem(analyzer: Analyzer) -> None:
    assert analyzer.terms("Hoe werken de accountmanagers?") == analyzer.terms("werk accountmanager")


def test_a_stopword_typed_a_letter_off_is_still_a_stopword(analyzer: Analyzer) -> None:
    # "eigelijk" weighed as an unknown word kept "wat is otav eigelijk" from its answer.
    assert analyzer.terms("wat is otav eigelijk precies") == analyzer.terms("wat is otav")
    assert analyzer.terms("wat moesten we doen") == analyzer.terms("wat moeten we doen")
    assert analyzer.terms("wat doen jullei precies") == analyzer.terms("wat doen jullie")
    # A short real word one letter off a stopword ("houden" ~ "zouden") stays a word.
    assert analyzer.terms("een avond houden") == [analyzer.stem("avond"), analyzer.stem("houden")]


def test_smalltalk_is_only_greetings_thanks_and_tests(analyzer: Analyzer) -> None:
    for text in ("hallo", "Dank je wel!", "test", "goedemorgen", "", "ok thx", "wie ben jij"):
        assert analyzer.is_smalltalk(text), text
    for text in ("hallo, wat is het gzza?", "bedankt, en wat kost een expert?"):
        assert not analyzer.is_smalltalk(text), text


@pytest.mark.parametrize("token", ["asdf", "qwerty", "xkcdfgh", "zzzz", "12345", "sdfghj"])
def test_keyboard_mashing_looks_like_nonsense(token: str) -> None:
    assert looks_like_nonsense(token)


@pytest.mark.parametrize("token", ["opvang", "burgemeester", "gzza", "angst", "otav"])
def test_words_do_not_look_like_nonsense(token: str) -> None:
    assert not looks_like_nonsense(token)
