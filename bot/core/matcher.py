"""Rank FAQ entries for a question: distinctive-word coverage with typo-tolerant lookup."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.core.faq import Entry
from bot.core.models import Candidate
from bot.core.text import WORDS_KEPT, Analyzer, swaps

# A word of three letters or fewer is looked up exactly: fuzzy matching on short words
# mostly finds unrelated words ("amv" ~ "avm").
_MIN_FUZZY_LENGTH = 4
# Mid-length words need a close match: one letter off is a typo, two is often another
# word ("utrecht" ~ "terecht"); long words can take a little more.
_FUZZY_CUTOFF = {4: 85.0, 5: 80.0, 6: 83.0, 7: 87.0, 8: 87.0}
_FUZZY_DEFAULT_CUTOFF = 84.0
_FUZZY_CHOICES = 3
# Share of the score from how much of the question the entry covers; the rest comes from
# the single best-fitting phrasing, so an entry wins when one phrasing says the same thing.
_COVERAGE_WEIGHT = 0.55
_UNKNOWN_WEIGHT = 3


@dataclass(frozen=True)
class Ranking:
    """The best entries for a question, and how many of its content terms the FAQ knows."""

    candidates: list[Candidate]
    terms: int
    known: int


@dataclass(frozen=True)
class _Doc:
    """One indexed text of an entry: its question, a phrasing or a keyword."""

    entry: int
    terms: frozenset[str]


class Matcher:
    """An index over FAQ entries that scores a question against each of them (0–100)."""

    def __init__(self, *, entries: Sequence[Entry], analyzer: Analyzer) -> None:
        self.analyzer = analyzer
        self._ids = [e.id for e in entries]
        self._docs: list[_Doc] = []
        for index, entry in enumerate(entries):
            for text in _texts(entry):
                terms = frozenset(analyzer.terms(text))
                if terms:
                    self._docs.append(_Doc(entry=index, terms=terms))
        self._postings: dict[str, list[int]] = defaultdict(list)
        entries_with: dict[str, set[int]] = defaultdict(set)
        for doc_index, doc in enumerate(self._docs):
            for term in doc.terms:
                self._postings[term].append(doc_index)
                entries_with[term].add(doc.entry)
        total = max(len(entries), 1)
        self._idf = {t: math.log(1 + total / len(es)) for t, es in entries_with.items()}
        # A word the FAQ does not know weighs more than its rarest word: a question about
        # something else ("hondenbelasting") must not ride on one shared word.
        self._unknown_idf = math.log(1 + _UNKNOWN_WEIGHT * total)
        self._doc_weight = [sum(self._idf[t] for t in d.terms) for d in self._docs]
        self._vocabulary = list(self._postings)
        self._lookup: Callable[[str], tuple[tuple[str, float], ...]] = lru_cache(
            maxsize=WORDS_KEPT
        )(self._resolve)

    def rank(self, text: str, limit: int = 5) -> list[Candidate]:
        """Return up to `limit` entries with a score above zero, best first."""
        return self.assess(text, limit).candidates

    def assess(self, text: str, limit: int = 5) -> Ranking:
        """Rank the entries for a question, and say how much of it the FAQ knows."""
        terms = list(dict.fromkeys(self.analyzer.terms(text)))
        if not terms:
            return Ranking([], 0, 0)
        resolved = [self._lookup(t) for t in terms]
        known = sum(1 for r in resolved if r)
        return Ranking(self._score(resolved)[:limit], len(terms), known)

    def _score(self, resolved: list[tuple[tuple[str, float], ...]]) -> list[Candidate]:
        weights = [self._weight(r) for r in resolved]
        total_weight = sum(weights)
        entry_hits: dict[int, dict[int, float]] = defaultdict(dict)
        doc_hits: dict[int, dict[int, float]] = defaultdict(dict)
        doc_matched: dict[int, float] = defaultdict(float)
        for q, matches in enumerate(resolved):
            for term, similarity in matches:
                for doc_index in self._postings[term]:
                    _keep_max(doc_hits[doc_index], q, similarity)
                    _keep_max(entry_hits[self._docs[doc_index].entry], q, similarity)
                    doc_matched[doc_index] += self._idf[term] * similarity
        best_fit: dict[int, float] = defaultdict(float)
        for doc_index, hits in doc_hits.items():
            recall = sum(weights[q] * s for q, s in hits.items()) / total_weight
            precision = min(doc_matched[doc_index] / self._doc_weight[doc_index], 1.0)
            fit = 2 * recall * precision / (recall + precision)
            entry = self._docs[doc_index].entry
            best_fit[entry] = max(best_fit[entry], fit)
        scored = []
        for entry, hits in entry_hits.items():
            coverage = sum(weights[q] * s for q, s in hits.items()) / total_weight
            fit = best_fit[entry]
            score = 100 * (_COVERAGE_WEIGHT * coverage + (1 - _COVERAGE_WEIGHT) * fit)
            scored.append(Candidate(self._ids[entry], round(score, 1), coverage, fit))
        scored.sort(key=lambda c: -c.score)
        return scored

    def knows(self, text: str) -> bool:
        """Tell whether any word of the text is (nearly) a word of the FAQ."""
        return any(self._lookup(t) for t in self.analyzer.terms(text))

    def _resolve(self, term: str) -> tuple[tuple[str, float], ...]:
        """Return the FAQ terms a query term stands for, with their similarity (0–1)."""
        if term in self._postings:
            found: tuple[tuple[str, float], ...] = ((term, 1.0),)
        elif len(term) < _MIN_FUZZY_LENGTH:
            found = ()
        else:
            cutoff = _FUZZY_CUTOFF.get(len(term), _FUZZY_DEFAULT_CUTOFF)
            hits = process.extract(
                term,
                self._vocabulary,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=cutoff,
                limit=_FUZZY_CHOICES,
            )
            found = tuple((choice, score / 100) for choice, score, _ in hits)
            found = found or self._swapped(term, cutoff / 100)
        return found

    def _swapped(self, term: str, similarity: float) -> tuple[tuple[str, float], ...]:
        """Return the FAQ terms the query term is with two neighbouring letters swapped.

        A swap is the commonest slip on a phone ("otva", "kmot"), but the ratio counts it as
        two edits and rejects it with the substitutions that make other words; a swap keeps
        the letters, so it counts as a typo that just passes.
        """
        found = [(s, similarity) for s in swaps(term) if s in self._postings]
        return tuple(found[:_FUZZY_CHOICES])

    def _weight(self, matches: Iterable[tuple[str, float]]) -> float:
        """Weigh a query term by how distinctive the FAQ terms it matched are."""
        idfs = [self._idf[term] for term, _ in matches]
        return max(idfs) if idfs else self._unknown_idf


def _keep_max(table: dict[int, float], key: int, value: float) -> None:
    if value > table.get(key, 0.0):
        table[key] = value


def _texts(entry: Entry) -> Iterable[str]:
    yield entry.question
    if entry.question_en:
        yield entry.question_en
    yield from entry.phrasings
    yield from entry.phrasings_en
    yield from entry.keywords
