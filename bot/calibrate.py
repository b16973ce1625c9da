"""Fit the answer decision on the FAQ's own phrasings: `python -m bot faq calibrate`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from bot.core.calibration import FEATURES, FILE, Calibration, features, fingerprint
from bot.core.faq import Faq
from bot.core.logistic import fit, probability
from bot.core.matcher import Matcher, Ranking
from bot.core.text import Analyzer, Language

# Each phrasing is asked as written and wrapped the way people write: a greeting, an e-mail,
# a hurried aside. The FAQ's phrasings are short; what users send often is not.
CONTEXTS = (
    "{p}",
    "hoi, {p}",
    "Goedemiddag, graag verneem ik het volgende: {p}. Met vriendelijke groet",
    "vraagje: {p}?",
    "{p}, de wethouder wil het vandaag weten",
)
# Budgets on the fitting data, below the targets on fresh messages (wrong ≤ 2%, off-topic
# answered ≤ 3%). Fresh messages err a little more than the left-out phrasings: round 20,
# answered from the threshold a 1% budget set, was answered wrong 1.3% of the time.
WRONG_BUDGET = 0.015
OFFTOPIC_BUDGET = 0.015
# Off-topic messages that get a choice of questions rather than a person.
OFFTOPIC_CLARIFY_BUDGET = 0.10
# An answer is shown alone only where wrong answers are this rare on the fitting data.
SURE_BUDGET = 0.002


@dataclass(frozen=True)
class Example:
    """One asked message: its features, and whether the first (or first three) was right."""

    values: tuple[float, ...]
    top: bool
    top3: bool
    in_faq: bool
    weight: float = 1.0


def examples(faq: Faq, language: Language) -> Iterator[Example]:
    """Every phrasing left out of the index and asked in each context; then the off-topic
    questions against the whole FAQ."""
    analyzer = Analyzer(language=language)
    # Only the Dutch phrasings are left out: with the English ones too, the fit asked
    # for p >= 0.94 before answering and answered half the Dutch phrasings instead of two
    # thirds. English questions are decided by the same weights.
    for index, entry in enumerate(faq.entries):
        for k, phrasing in enumerate(entry.phrasings):
            left_out = replace(entry, phrasings=entry.phrasings[:k] + entry.phrasings[k + 1 :])
            entries = (*faq.entries[:index], left_out, *faq.entries[index + 1 :])
            matcher = Matcher(entries=entries, analyzer=analyzer)
            for context in CONTEXTS:
                yield _example(matcher.assess(context.format(p=phrasing), 4), entry.id)
    matcher = Matcher(entries=faq.entries, analyzer=analyzer)
    for question in offtopic_questions():
        for context in CONTEXTS:
            yield _example(matcher.assess(context.format(p=question), 4), None)
    # Questions as users wrote them, each counting as much as a phrasing in all its
    # contexts: the phrasings alone made the fit too sure of needs described in other words.
    known = {e.id for e in faq.entries}
    for entry_id, question in user_questions():
        if entry_id in known or entry_id == "-":
            asked = _example(matcher.assess(question, 4), None if entry_id == "-" else entry_id)
            yield replace(asked, weight=float(len(CONTEXTS)))


def offtopic_questions() -> list[str]:
    """The bundled off-topic questions (bot/data/offtopic_calibration.txt)."""
    raw = resources.files("bot.data").joinpath("offtopic_calibration.txt").read_text("utf-8")
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def user_questions() -> list[tuple[str, str]]:
    """The bundled questions users wrote, with the entry that answers each ("-": none), from
    bot/data/calibration_questions.tsv; entries this FAQ lacks are left out by the caller."""
    raw = resources.files("bot.data").joinpath("calibration_questions.tsv").read_text("utf-8")
    rows = [line.split("\t", 1) for line in raw.splitlines()[1:] if "\t" in line]
    return [(entry_id.strip(), text.strip()) for entry_id, text in rows]


def _example(ranking: Ranking, entry_id: str | None) -> Example:
    ids = [c.entry_id for c in ranking.candidates]
    return Example(
        values=features(ranking),
        top=bool(ids) and ids[0] == entry_id,
        top3=entry_id in ids[:3],
        in_faq=entry_id is not None,
    )


def _wrong_at(data: Sequence[Example], top: Sequence[float], t: float) -> float:
    """The share of FAQ phrasings answered wrong when answering from probability t."""
    faq = [i for i, e in enumerate(data) if e.in_faq]
    return sum(1 for i in faq if top[i] >= t and not data[i].top) / max(len(faq), 1)


def sure_from(data: Sequence[Example], top: Sequence[float], answer_at: float) -> float:
    """The lowest probability from which answers are wrong no more than SURE_BUDGET."""
    sure = 1.0
    for step in range(100, round(answer_at * 100) - 1, -1):
        t = step / 100
        if _wrong_at(data, top, t) > SURE_BUDGET:
            break
        sure = t
    return sure


def thresholds(
    data: Sequence[Example], top: Sequence[float], top3: Sequence[float]
) -> tuple[float, float]:
    """The rule: answer from the lowest probability at which wrong answers and answered
    off-topic messages stay within budget (so answered-right is as high as it can be);
    offer a choice from the lowest at which few off-topic messages get one."""
    off = [i for i, e in enumerate(data) if not e.in_faq]
    answer_at = 0.99
    for step in range(99, 4, -1):
        t = step / 100
        wrong = _wrong_at(data, top, t)
        answered_off = sum(1 for i in off if top[i] >= t) / max(len(off), 1)
        if wrong > WRONG_BUDGET or answered_off > OFFTOPIC_BUDGET:
            break
        answer_at = t
    clarify_at = answer_at
    for step in range(round(answer_at * 100), 4, -1):
        t = step / 100
        chosen = sum(1 for i in off if top[i] < answer_at and top3[i] >= t) / max(len(off), 1)
        if chosen > OFFTOPIC_CLARIFY_BUDGET:
            break
        clarify_at = t
    return answer_at, clarify_at


def calibrate(folder: Path, faq: Faq, language: Language) -> list[str]:
    """Fit, choose the thresholds, write `calibration.toml`; return what was measured."""
    data = list(examples(faq, language))
    rows = [e.values for e in data]
    # Off-topic questions weigh as much as all FAQ phrasings together: what users send is
    # more often something the FAQ does not hold than the FAQ's own phrasings let on.
    off = sum(e.weight for e in data if not e.in_faq)
    on = sum(e.weight for e in data if e.in_faq)
    counts = [e.weight * (1.0 if e.in_faq else on / max(off, 1)) for e in data]
    top_weights = fit(rows, [e.top for e in data], counts)
    top3_weights = fit(rows, [e.top3 for e in data], counts)
    p_top = [probability(top_weights, r) for r in rows]
    p_top3 = [probability(top3_weights, r) for r in rows]
    answer_at, clarify_at = thresholds(data, p_top, p_top3)
    calibration = Calibration(
        fingerprint(faq, language),
        top_weights,
        top3_weights,
        answer_at,
        clarify_at,
        sure_from(data, p_top, answer_at),
    )
    report = _measure(data, p_top, p_top3, calibration)
    (folder / FILE).write_text(_toml(calibration, report), encoding="utf-8")
    return report


def _measure(
    data: Sequence[Example], top: Sequence[float], top3: Sequence[float], c: Calibration
) -> list[str]:
    faq = [i for i, e in enumerate(data) if e.in_faq]
    off = [i for i, e in enumerate(data) if not e.in_faq]

    def share(indexes: list[int], test: Callable[[int], bool]) -> str:
        hits = sum(1 for i in indexes if test(i))
        return f"{100 * hits / max(len(indexes), 1):.1f}%"

    return [
        f"fitted on {len(faq)} left-out phrasings in context and {len(off)} off-topic questions",
        f"answer from p = {c.answer_at:.2f} (alone from {c.sure_at:.2f}),"
        f" offer a choice from p = {c.clarify_at:.2f}",
        "FAQ phrasings answered right: "
        + share(faq, lambda i: top[i] >= c.answer_at and data[i].top),
        "FAQ phrasings answered wrong: "
        + share(faq, lambda i: top[i] >= c.answer_at and not data[i].top),
        "FAQ phrasings offered a choice with the right one: "
        + share(faq, lambda i: top[i] < c.answer_at and top3[i] >= c.clarify_at and data[i].top3),
        "off-topic answered: " + share(off, lambda i: top[i] >= c.answer_at),
        "off-topic offered a choice: "
        + share(off, lambda i: top[i] < c.answer_at and top3[i] >= c.clarify_at),
    ]


def _toml(c: Calibration, report: list[str]) -> str:
    lines = [
        "# The answer decision's calibration for this FAQ. Made by `python -m bot faq calibrate`;",
        "# do not edit by hand. `python -m bot faq check` fails when the FAQ changed since.",
        *(f"# {line}" for line in report),
        f'fingerprint = "{c.fingerprint}"',
        f"features = [{', '.join(repr(f) for f in FEATURES)}]".replace("'", '"'),
        f"top = [{', '.join(str(w) for w in c.top)}]",
        f"top3 = [{', '.join(str(w) for w in c.top3)}]",
        f"answer_at = {c.answer_at}",
        f"clarify_at = {c.clarify_at}",
        f"sure_at = {c.sure_at}",
    ]
    return "\n".join(lines) + "\n"
