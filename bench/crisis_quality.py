"""Crisis detection quality on labelled sets: recall and false-alarm rate.

Two sets: crisis.tsv, the one the vocabulary was tuned on, and crisis_heldout.tsv, never
tuned on. A held-out set is measured once, then studied and moved into crisis.tsv: a set
that has been tuned on no longer tells how the detector does on new wording, so each round
needs a new one. Since round 4 they are written by helpers who saw neither the detector nor
its vocabulary (rounds 1-3 were written by the developers themselves).

Run: .venv/bin/python bench/crisis_quality.py [-v]
"""

from __future__ import annotations

import sys

from common import read_tsv

from bot.core.crisis import CrisisDetector


def main(argv: list[str]) -> None:
    detector = CrisisDetector.bundled()
    for name in ("crisis.tsv", "crisis_heldout.tsv"):
        print(f"## {name}")
        measure(detector, read_tsv(name), verbose="-v" in argv)


def measure(detector: CrisisDetector, rows: list[dict[str, str]], verbose: bool) -> None:
    missed, alarms = [], []
    for row in rows:
        verdict = detector.assess(row["text"])
        if row["label"] == "crisis" and not verdict.crisis:
            missed.append(row["text"])
        if row["label"] == "calm" and verdict.crisis:
            alarms.append(f"{row['text']}  {verdict.reasons}")
    crises = sum(r["label"] == "crisis" for r in rows)
    calm = len(rows) - crises
    print(f"labelled messages: {crises} crisis, {calm} calm")
    print(f"recall: {crises - len(missed)}/{crises} = {100 * (crises - len(missed)) / crises:.1f}%")
    print(f"false alarms: {len(alarms)}/{calm} = {100 * len(alarms) / calm:.1f}%")
    if verbose:
        print("\nmissed crises:", *missed, sep="\n  ")
        print("\nfalse alarms:", *alarms, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
