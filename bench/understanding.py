"""What a user gets, on messages written by people who never saw the FAQ, the data or the code.

Each fresh round (bench/data/fresh/*_r<N>.tsv) is measured once and then never learnt from:
- FAQ questions per style: answered right, answered wrong, a choice with the right one,
  a choice without it, handed to a person, sent the crisis way;
- off-topic messages per kind: answered from the FAQ, offered a choice, sent the crisis way;
- long messages (a forwarded thread, pasted notes) with one question inside;
- crisis and calm messages per kind: raised as a crisis.
A municipal staff member asks, on a weekday at 10:00 (a crisis then goes to the office).
With --uncalibrated the FAQ's calibration is left out (the fixed score thresholds decide).

Run: .venv/bin/python bench/understanding.py [round] [--uncalibrated]
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime

from common import DATA, ROOT, read_tsv

from bot.config import Settings
from bot.core.clock import AMSTERDAM
from bot.core.models import Decision, Inquiry, Role, Route, User
from bot.core.triage import Triage
from bot.wiring import build_triage

WHEN = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
STAFF = User(role=Role.STAFF, municipality="Brummen", verified=True)
EMERGENCY_ENTRY = "noodgeval-112"
OUTCOMES = (
    "right",
    "wrong",
    "wrong, right one a tap away",
    "choice+",
    "choice-",
    "person",
    "crisis",
    "crisis, with the answer",
    "smalltalk",
)


def outcome(decision: Decision, expected: str | None) -> str:
    """What the user got, in one word."""
    if decision.crisis:
        if expected == EMERGENCY_ENTRY:
            # Every crisis reply opens with "Direct gevaar? Bel 112.": that entry's answer.
            return "right"
        # The crisis way, with the FAQ's answer beside it (a crisis on crisis words alone).
        right = decision.likely is not None and decision.likely == expected
        return "crisis, with the answer" if right else "crisis"
    if decision.route is Route.ANSWER:
        if decision.entry_id == expected:
            return "right"
        # Wrong, but shown with "did you mean something else?" and the right one.
        return "wrong, right one a tap away" if expected in decision.others else "wrong"
    if decision.route is Route.CLARIFY:
        return "choice+" if expected in decision.alternatives else "choice-"
    if decision.route is Route.SMALLTALK:
        return "smalltalk"
    return "person"


def table(title: str, rows: dict[str, Counter[str]], columns: tuple[str, ...]) -> None:
    print(f"\n{title}\n")
    print("| kind | n | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    total: Counter[str] = Counter()
    for kind, counts in rows.items():
        total += counts
        n = sum(counts.values())
        cells = [f"{100 * counts[c] / n:.0f}%" for c in columns]
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    n = sum(total.values())
    cells = [f"{100 * total[c] / n:.1f}%" for c in columns]
    print(f"| all | {n} | " + " | ".join(cells) + " |")


def ask(triage: Triage, text: str, user: User = STAFF) -> Decision:
    return triage.decide(Inquiry(text=text, user=user, at=WHEN))


def main(argv: list[str]) -> None:
    number = next((a for a in argv if a.isdigit()), "16")
    triage = build_triage(Settings(faq_dir=ROOT / "faq"))
    if "--uncalibrated" in argv:
        triage.calibration = None
    print(f"round {number}; calibrated: {triage.calibration is not None}")
    fresh = DATA / "fresh"
    if (fresh / f"faq_r{number}.tsv").exists():
        faq_questions(triage, number)
    if (fresh / f"crisis_r{number}.tsv").exists():
        crisis_kinds(triage, number)


def faq_questions(triage: Triage, number: str) -> None:
    per_style: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read_tsv(f"fresh/faq_r{number}.tsv"):
        per_style[row["style"]][outcome(ask(triage, row["text"]), row["entry_id"])] += 1
    table("FAQ questions, per style", per_style, OUTCOMES[:8])
    if (DATA / "fresh" / f"english_r{number}.tsv").exists():
        english: dict[str, Counter[str]] = defaultdict(Counter)
        user = replace(STAFF, language="en")
        for row in read_tsv(f"fresh/english_r{number}.tsv"):
            english["english"][outcome(ask(triage, row["text"], user), row["entry_id"])] += 1
        table("English FAQ questions", english, OUTCOMES[:8])
    if (DATA / "fresh" / f"long_r{number}.tsv").exists():
        long: dict[str, Counter[str]] = defaultdict(Counter)
        for row in read_tsv(f"fresh/long_r{number}.tsv"):
            long["long"][outcome(ask(triage, row["text"]), row["entry_id"])] += 1
        table("Long messages (a question inside a paste or a story)", long, OUTCOMES[:8])
    off: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read_tsv(f"fresh/offtopic_r{number}.tsv"):
        off[row["kind"]][outcome(ask(triage, row["text"]), None)] += 1
    off_columns = (OUTCOMES[1], *OUTCOMES[3:7], OUTCOMES[8])
    table("Off-topic messages, per kind (answered = wrong)", off, off_columns)


def crisis_kinds(triage: Triage, number: str) -> None:
    crisis: dict[str, Counter[str]] = defaultdict(Counter)
    for row in read_tsv(f"fresh/crisis_r{number}.tsv"):
        raised = triage.detector.assess(row["text"]).crisis
        crisis[f"{row['label']}: {row['kind']}"]["raised"] += raised
        crisis[f"{row['label']}: {row['kind']}"]["not raised"] += not raised
    table("Crisis and calm messages, per kind (raised as a crisis)", crisis, ("raised",))
    for label, figure in (("crisis", "recall"), ("calm", "false alarms")):
        counts = sum((c for k, c in crisis.items() if k.startswith(label)), Counter())
        n = counts["raised"] + counts["not raised"]
        print(f"{figure}: {counts['raised']}/{n} = {100 * counts['raised'] / n:.1f}%")


if __name__ == "__main__":
    main(sys.argv[1:])
