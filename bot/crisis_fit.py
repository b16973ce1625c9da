"""Fit the crisis decision on the labelled examples: `python -m bot crisis fit`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.crisis import (
    FEATURES,
    CrisisDetector,
    Cues,
    Example,
    Model,
    bundled_data,
    model_path,
)
from bot.core.logistic import fit

# The word odds are learnt from the examples, so each example's features come from a
# detector that never saw it (ten folds): otherwise the odds would look surer than they are.
FOLDS = 10
# Recall first: the threshold is the highest probability at which no more than this share
# of the examples' crises would be missed. Fresh messages are missed more often than the
# examples (wording nobody foresaw), so the budget is half of what users may see.
MISSED_BUDGET = 0.005


@dataclass(frozen=True)
class Read:
    """An example as a detector that never saw it reads it."""

    cues: Cues
    crisis: bool


def cross_fitted(examples: Sequence[Example], vocabulary: Mapping[str, Any]) -> list[Read]:
    """Each example read by a detector whose word odds never saw it."""
    read: list[Read | None] = [None] * len(examples)
    for fold in range(FOLDS):
        rest = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        detector = CrisisDetector(vocabulary, rest)
        for i in range(fold, len(examples), FOLDS):
            read[i] = Read(detector.read(examples[i].text), examples[i].crisis)
    return [r for r in read if r is not None]


def threshold(chances: Sequence[float], labels: Sequence[bool]) -> float:
    """The highest probability from which a crisis is raised that misses no more crises
    than MISSED_BUDGET allows, besides those with chance 0 (no evidence: missed whatever
    the threshold, as the rule misses them; the report counts them)."""
    crises = sorted(p for p, crisis in zip(chances, labels, strict=True) if crisis)
    lost = sum(1 for p in crises if p == 0.0)
    allowed = int(MISSED_BUDGET * len(crises)) + lost
    # Round down to two decimals so the kept crisis is still at or above it.
    return int(crises[allowed] * 100) / 100 if crises else 0.5


def fit_model(calm: Sequence[str] = ()) -> tuple[Model, list[str]]:
    """Fit on the bundled examples and more calm messages (the FAQ's questions); return
    the model and what it does on the examples against the hand-written rule."""
    data = bundled_data()
    examples = [*data.examples, *(Example(text, False) for text in calm)]
    read = cross_fitted(examples, data.vocabulary)
    # Fitted on the messages with something for a crisis; raised only with evidence.
    weighed = [r for r in read if r.cues.weighable()]
    weights = fit(
        [r.cues.features() for r in weighed], [r.crisis for r in weighed], [1.0] * len(weighed)
    )
    labels = [r.crisis for r in read]
    unfitted = Model(weights, 0.0)
    # A message that panics is raised whatever its chance: it counts as certain.
    chances = [1.0 if r.cues.panics() else unfitted.chance(r.cues) for r in read]
    model = Model(weights, threshold(chances, labels))
    rule = [r.cues.rule_says_crisis() for r in read]
    fitted = [model.says_crisis(r.cues) for r in read]
    report = [
        f"fitted on {sum(labels)} crisis and {len(labels) - sum(labels)} calm messages,"
        f" features read with word odds from the other {FOLDS - 1} tenths",
        f"crisis from p = {model.threshold:.2f}",
        _rates("this model", fitted, labels),
        _rates("the rule alone", rule, labels),
    ]
    return model, report


def _rates(name: str, raised: Sequence[bool], labels: Sequence[bool]) -> str:
    crises = sum(labels)
    caught = sum(1 for r, c in zip(raised, labels, strict=True) if r and c)
    alarms = sum(1 for r, c in zip(raised, labels, strict=True) if r and not c)
    return (
        f"{name}: recall {100 * caught / max(crises, 1):.1f}%,"
        f" false alarms {100 * alarms / max(len(labels) - crises, 1):.1f}%"
    )


def write(model: Model, report: list[str], path: Path | None = None) -> Path:
    """Write the model (by default next to the data it was fitted on); return the file."""
    lines = [
        "# The crisis decision: weights over the detector's cues. Made by",
        "# `python -m bot crisis fit`; do not edit by hand. The detector refuses a file",
        "# fitted on other words or examples.",
        *(f"# {line}" for line in report),
        f'fingerprint = "{bundled_data().fingerprint}"',
        "features = [" + ", ".join(f'"{f}"' for f in FEATURES) + "]",
        f"weights = [{', '.join(str(w) for w in model.weights)}]",
        f"threshold = {model.threshold}",
    ]
    path = path or model_path()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
