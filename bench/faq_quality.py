"""FAQ matching quality: leave-one-out over the phrasings, off-topic hand-off, two baselines.

Run: .venv/bin/python bench/faq_quality.py
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from common import Entry, Faq, bundled_faq, read_tsv, triage_for
from rank_bm25 import BM25Okapi
from rapidfuzz import fuzz, process, utils

from bot.core.clock import AMSTERDAM
from bot.core.models import Inquiry, Route, User
from bot.wiring import build_matcher

Ranker = Callable[[str], list[str]]
_NOON = datetime(2026, 11, 24, 12, 0, tzinfo=AMSTERDAM)


def without(faq: Faq, entry_id: str, phrasing: str) -> Faq:
    """Return the FAQ with one phrasing of one entry taken out."""
    entries = tuple(
        dataclasses.replace(e, phrasings=tuple(p for p in e.phrasings if p != phrasing))
        if e.id == entry_id
        else e
        for e in faq.entries
    )
    return dataclasses.replace(faq, entries=entries)


def ours(faq: Faq) -> Ranker:
    matcher = build_matcher(faq)
    return lambda q: [c.entry_id for c in matcher.rank(q, limit=3)]


def _texts(entry: Entry) -> list[str]:
    return [entry.question, *entry.phrasings]


def wratio(faq: Faq) -> Ranker:
    docs = [(text, e.id) for e in faq.entries for text in _texts(e)]
    choices = [d[0] for d in docs]

    def rank(q: str) -> list[str]:
        hits = process.extract(
            q, choices, scorer=fuzz.WRatio, processor=utils.default_process, limit=30
        )
        return list(dict.fromkeys(docs[i][1] for _, _, i in hits))[:3]

    return rank


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def bm25(faq: Faq) -> Ranker:
    ids = [e.id for e in faq.entries]
    index = BM25Okapi([_tokens(" ".join(_texts(e) + list(e.keywords))) for e in faq.entries])

    def rank(q: str) -> list[str]:
        scores = index.get_scores(_tokens(q))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])
        return [ids[i] for i in order[:3] if scores[i] > 0]

    return rank


def leave_one_out(faq: Faq, make: Callable[[Faq], Ranker]) -> tuple[float, float, list[str]]:
    """Ask every phrasing against the FAQ without it; return top-1, top-3 and the misses."""
    top1 = top3 = total = 0
    misses = []
    for entry in faq.entries:
        for phrasing in entry.phrasings:
            ranked = make(without(faq, entry.id, phrasing))(phrasing)
            total += 1
            top1 += bool(ranked) and ranked[0] == entry.id
            top3 += entry.id in ranked[:3]
            if not ranked or ranked[0] != entry.id:
                misses.append(f"{entry.id}: {phrasing!r} -> {ranked[:3]}")
    return top1 / total, top3 / total, misses


def routes_leave_one_out(faq: Faq) -> Counter[str]:
    """Count what a user would get for each held-out phrasing."""
    outcomes: Counter[str] = Counter()
    user = User()
    for entry in faq.entries:
        for phrasing in entry.phrasings:
            triage = triage_for(without(faq, entry.id, phrasing))
            decision = triage.decide(Inquiry(text=phrasing, user=user, at=_NOON))
            if decision.route is Route.ANSWER:
                outcomes[
                    "answered right" if decision.entry_id == entry.id else "answered wrong"
                ] += 1
            elif decision.route is Route.CLARIFY:
                right = entry.id in decision.alternatives
                outcomes["clarify, right one offered" if right else "clarify, not offered"] += 1
            else:
                outcomes[decision.route.value] += 1
    return outcomes


def off_topic(faq: Faq) -> tuple[Counter[tuple[str, str]], list[str]]:
    """Route the off-topic set; return route counts per category and what got answered."""
    triage = triage_for(faq)
    counts: Counter[tuple[str, str]] = Counter()
    answered = []
    for row in read_tsv("offtopic.tsv"):
        decision = triage.decide(Inquiry(text=row["text"], user=User(), at=_NOON))
        counts[(row["category"], decision.route.value)] += 1
        if decision.route not in (Route.HANDOFF, Route.SMALLTALK):
            answered.append(
                f"{row['category']}: {row['text']!r} -> {decision.route.value} "
                f"{decision.entry_id or list(decision.alternatives)} {decision.score:g}"
            )
    return counts, answered


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def main(argv: Sequence[str] = ()) -> None:
    faq = bundled_faq()
    phrasings = sum(len(e.phrasings) for e in faq.entries)
    print(f"FAQ: {len(faq.entries)} entries, {phrasings} phrasings (leave-one-out)\n")
    print("| matcher | top-1 | top-3 |\n|---|---|---|")
    our_misses: list[str] = []
    for name, make in (("ours", ours), ("rapidfuzz WRatio", wratio), ("BM25 (rank-bm25)", bm25)):
        top1, top3, misses = leave_one_out(faq, make)
        our_misses = misses if name == "ours" else our_misses
        print(f"| {name} | {_percent(top1)} | {_percent(top3)} |")
    routes = routes_leave_one_out(faq)
    print("\nWhat the user gets for a held-out phrasing:")
    for outcome, n in routes.most_common():
        print(f"  {outcome}: {n} ({_percent(n / phrasings)})")
    counts, answered = off_topic(faq)
    total = sum(counts.values())
    kept = sum(n for (_, route), n in counts.items() if route in ("handoff", "smalltalk"))
    print(
        f"\nOff-topic handed off or small talk (not answered): {kept}/{total} = "
        f"{_percent(kept / total)}"
    )
    for (category, route), n in sorted(counts.items()):
        print(f"  {category:10} {route:10} {n}")
    if "-v" in argv:
        print("\nMisses (ours):", *our_misses, sep="\n  ")
        print("\nOff-topic not handed off:", *answered, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
