"""The parts of a long message worth matching: where it asks, not the story around it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longer than this, a message is matched part by part as well as whole: a paragraph of
# context ("ik werk hier sinds twee weken…") dilutes the question in it.
LONG = 300
# Matching is word by word: however long the paste, no part matched is longer than this.
PART_CHARS = 1_000
# The asking sentences tried, last first (a forwarded thread ends in the question).
_ASKING_TRIED = 3
# One character at a time, so that a run of 100,000 spaces splits in linear time.
_SENTENCE = re.compile(r"(?<=[.?!])\s|\s/\s|\n")
_ASKS = re.compile(
    r"^(?:hoe|wat|wie|wanneer|waar|welke|welk|waarom|is|zijn|kan|kunnen|mag|mogen|moet|"
    r"moeten|hebben|heeft|bestaat|weet|weten|klopt|graag|kunt|kun|zou|zouden|"
    r"how|what|who|when|where|which|why|is|are|can|could|do|does|would|should)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Parts:
    """A message to match: its start, the sentences that ask (last written first), and
    its end when that is not the start."""

    whole: str
    asking: tuple[str, ...] = ()
    tail: str | None = None

    def all(self) -> list[str]:
        """Every part, the whole first."""
        return [self.whole, *self.asking, *([self.tail] if self.tail else [])]


def parts(text: str) -> Parts:
    """The parts of a message worth matching: for a short one, the message itself."""
    whole = text[:PART_CHARS]
    if len(text) <= LONG:
        return Parts(whole)
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    asking = [s[:PART_CHARS] for s in sentences if "?" in s or _ASKS.match(s)]
    tried = tuple(s for s in reversed(asking[-_ASKING_TRIED:]) if s != whole)
    tail = text[-PART_CHARS:]
    return Parts(whole, tried, tail if tail != whole else None)
