"""FAQ matching speed: median and p99 per question, bundled FAQ and a synthetic 2,000 entries.

Run: .venv/bin/python bench/faq_speed.py
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime

from common import Entry, Faq, bundled_faq, read_tsv, triage_for

from bot.core.clock import AMSTERDAM
from bot.core.models import Inquiry, User
from bot.core.triage import Triage

_SYLLABLES = [c + v for c in "bklmnrstv" for v in "aeo"]
_AT = datetime(2026, 11, 24, 12, 0, tzinfo=AMSTERDAM)


def typo(rng: random.Random, text: str) -> str:
    """Swap two neighbouring letters somewhere in the text, as a hurried thumb does."""
    if len(text) < 4:
        return text
    i = rng.randrange(len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def synthetic_faq(base: Faq, size: int, rng: random.Random) -> Faq:
    """Make an FAQ of `size` entries from the bundled words plus invented ones."""
    words = sorted({w for e in base.entries for p in e.phrasings for w in p.lower().split()})
    words += ["".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)]

    def sentence(n: int) -> str:
        return " ".join(rng.choices(words, k=n))

    entries = tuple(
        Entry(
            id=f"synthetic-{i}",
            theme=base.entries[0].theme,
            question=sentence(6),
            question_en="",
            phrasings=tuple(sentence(rng.randint(3, 7)) for _ in range(8)),
            keywords=tuple(rng.choices(words, k=3)),
            answer="...",
            answer_en="",
            sources=base.entries[0].sources,
            as_of=date(2020, 1, 1),
        )
        for i in range(size)
    )
    return Faq(themes=base.themes, sources=base.sources, entries=entries)


def questions(faq: Faq, rng: random.Random, count: int) -> list[str]:
    """Pick phrasings (half with a typo) and off-topic lines to ask."""
    pool = [p for e in faq.entries for p in e.phrasings]
    asked = [typo(rng, p) if rng.random() < 0.5 else p for p in rng.choices(pool, k=count)]
    asked += [row["text"] for row in read_tsv("offtopic.tsv")]
    rng.shuffle(asked)
    return asked


def measure(triage: Triage, asked: list[str]) -> tuple[float, float]:
    """Return median and p99 milliseconds per question, after one warm-up pass."""
    user = User()
    for text in asked:
        triage.decide(Inquiry(text=text, user=user, at=_AT))
    timings = []
    for text in asked:
        start = time.perf_counter()
        triage.decide(Inquiry(text=text, user=user, at=_AT))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def main() -> None:
    rng = random.Random(2026)
    base = bundled_faq()
    print("| FAQ | entries | questions | median | p99 |\n|---|---|---|---|---|")
    for name, faq in (("bundled", base), ("synthetic", synthetic_faq(base, 2000, rng))):
        asked = questions(faq, rng, 2000)
        started = time.perf_counter()
        triage = triage_for(faq)
        built = time.perf_counter() - started
        median, p99 = measure(triage, asked)
        print(
            f"| {name} | {len(faq.entries)} | {len(asked)} | {median:.3f} ms | {p99:.3f} ms |"
            f"  (index built in {built * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
