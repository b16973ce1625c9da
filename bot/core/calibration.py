"""How likely the matcher's first entry is right: features of a ranking, weighed by a fit."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.faq import Faq
from bot.core.logistic import probability
from bot.core.matcher import Ranking
from bot.core.text import Language
from bot.errors import FaqError

FILE = "calibration.toml"
# Bump when the features change: a file fitted on other features is stale.
FEATURE_VERSION = 3
_TERMS_WEIGHED = 15
FEATURES = (
    "bias",
    "top",
    "margin",
    "relative_margin",
    "coverage",
    "fit",
    "known",
    "terms",
    "third",
)


def features(ranking: Ranking) -> tuple[float, ...]:
    """What the decision weighs: the scores of the first three, how far the first leads, how
    much of the question it covers and fits, and how much of the question the FAQ knows."""
    scores = [c.score / 100 for c in ranking.candidates[:3]] + [0.0, 0.0, 0.0]
    first = ranking.candidates[0] if ranking.candidates else None
    lead = scores[0] - scores[1]
    return (
        1.0,
        scores[0],
        lead,
        lead / scores[0] if scores[0] > 0 else 0.0,
        first.coverage if first else 0.0,
        first.fit if first else 0.0,
        ranking.known / ranking.terms if ranking.terms else 0.0,
        # Capped: the fit has seen questions of up to about this many terms, and a long
        # story is no surer for being long.
        math.log1p(min(ranking.terms, _TERMS_WEIGHED)) / 3,
        scores[2],
    )


def fingerprint(faq: Faq, language: Language) -> str:
    """What the fit depends on: every text the matcher indexes, the word lists and the
    features. Any change makes a calibration stale."""
    texts = [
        (e.id, e.question, e.question_en, e.phrasings, e.phrasings_en, e.keywords)
        for e in faq.entries
    ]
    words = (sorted(language.stopwords), sorted(language.synonyms.items()))
    blob = json.dumps([FEATURE_VERSION, texts, words], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Calibration:
    """Weights for P(first entry right) and P(right entry among the first three), the
    thresholds chosen on them, and the fingerprint of the FAQ they were fitted on."""

    fingerprint: str
    top: tuple[float, ...]
    top3: tuple[float, ...]
    answer_at: float
    clarify_at: float
    # From here an answer is shown alone; below it, with the next candidates.
    sure_at: float = 1.0

    def p_top(self, ranking: Ranking) -> float:
        """The probability that the first entry is the right one."""
        return probability(self.top, features(ranking))

    def p_top3(self, ranking: Ranking) -> float:
        """The probability that the right entry is among the first three."""
        return probability(self.top3, features(ranking))

    @classmethod
    def load(cls, folder: Path) -> Calibration | None:
        """Read the calibration of an FAQ folder; None when it has none."""
        path = folder / FILE
        if not path.exists():
            return None
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            calibration = cls(
                fingerprint=str(data["fingerprint"]),
                top=_weights(data, "top"),
                top3=_weights(data, "top3"),
                answer_at=float(data["answer_at"]),
                clarify_at=float(data["clarify_at"]),
                sure_at=float(data.get("sure_at", 1.0)),
            )
        except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
            raise FaqError(
                [f"{path}: unreadable ({exc}); rebuild it: python -m bot faq calibrate"]
            ) from None
        return calibration


def _weights(data: dict[str, Any], key: str) -> tuple[float, ...]:
    values = tuple(float(v) for v in data[key])
    if len(values) != len(FEATURES):
        raise ValueError(f"{key} has {len(values)} weights, expected {len(FEATURES)}")
    return values
