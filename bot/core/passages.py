"""The parts of a long message worth matching: where it asks, not the story around it."""

from __future__ import annotations

import re

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


def parts(text: str) -> list[str]:
    """The texts to match for a message: the message itself (its start, when very long)
    and, for a long one, the sentences that ask something and the message's end."""
    whole = text[:PART_CHARS]
    if len(text) <= LONG:
        return [whole]
    sentences = [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
    asking = [s for s in sentences if "?" in s or _ASKS.match(s)]
    tried = [s[:PART_CHARS] for s in reversed(asking[-_ASKING_TRIED:])]
    tail = text[-PART_CHARS:]
    found = [whole, *tried, tail]
    return list(dict.fromkeys(found))
