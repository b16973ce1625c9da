"""Crisis detection quality on labelled sets: recall and false-alarm rate.

Two sets. `bot/data/crisis_examples.tsv` holds every earlier round: the vocabulary was tuned
on it and the word odds learn from it, so it is measured by 10-fold cross-validation (the
word odds learn from nine tenths and are asked about the tenth; the vocabulary has seen it
all). `bench/data/crisis_heldout.tsv` was never tuned on. A held-out set is measured once,
then studied and moved into the examples: a set that has been tuned on no longer tells how
the detector does on new wording, so each round needs a new one. Since round 4 they are
written by helpers who saw neither the detector nor its vocabulary (rounds 1-3 were written
by the developers themselves).

Run: .venv/bin/python bench/crisis_quality.py [-v] [extra.tsv ...]
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from common import DATA, bundled_faq

from bot.core.crisis import CrisisDetector, Example, read_examples
from bot.wiring import build_detector

_FOLDS = 10


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    examples = read_examples(
        resources.files("bot.data").joinpath("crisis_examples.tsv").read_text("utf-8")
    )
    faq = bundled_faq()
    print(f"## crisis_examples.tsv, {_FOLDS}-fold cross-validated")
    folds = [examples[i::_FOLDS] for i in range(_FOLDS)]
    judged = []
    for i, fold in enumerate(folds):
        rest = [e for j, other in enumerate(folds) if j != i for e in other]
        detector = CrisisDetector.bundled(rest, calm=faq.questions())
        judged += [(e, detector.assess(e.text).crisis, detector) for e in fold]
    report(judged, verbose)
    detector = build_detector(faq)
    for path in [DATA / "crisis_heldout.tsv", *(Path(a) for a in argv if a != "-v")]:
        print(f"\n## {path.name}")
        rows = read_examples(path.read_text(encoding="utf-8"))
        report([(e, detector.assess(e.text).crisis, detector) for e in rows], verbose)


def report(judged: Iterable[tuple[Example, bool, CrisisDetector]], verbose: bool) -> None:
    """Print recall and false alarms; with verbose, the misses and false alarms."""
    missed, alarms = [], []
    crises = calm = 0
    for example, verdict, detector in judged:
        crises += example.crisis
        calm += not example.crisis
        if example.crisis and not verdict:
            missed.append(example.text)
        if not example.crisis and verdict:
            alarms.append(f"{example.text}  {detector.assess(example.text).reasons}")
    print(f"labelled messages: {crises} crisis, {calm} calm")
    print(f"recall: {crises - len(missed)}/{crises} = {100 * (crises - len(missed)) / crises:.1f}%")
    print(f"false alarms: {len(alarms)}/{calm} = {100 * len(alarms) / calm:.1f}%")
    if verbose:
        print("\nmissed crises:", *missed, sep="\n  ")
        print("\nfalse alarms:", *alarms, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
