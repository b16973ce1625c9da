"""Crisis detection quality on a labelled set: recall and false-alarm rate.

Run: .venv/bin/python bench/crisis_quality.py [-v]
"""

from __future__ import annotations

import sys

from common import read_tsv

from bot.core.crisis import CrisisDetector


def main(argv: list[str]) -> None:
    detector = CrisisDetector.bundled()
    rows = read_tsv("crisis.tsv")
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
    if "-v" in argv:
        print("\nmissed crises:", *missed, sep="\n  ")
        print("\nfalse alarms:", *alarms, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
