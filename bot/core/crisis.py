"""Crisis detection: does a message report an acute or imminent situation, and why."""

from __future__ import annotations

import csv
import io
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import snowballstemmer

from bot.core.text import fold

_EXCLAIMS = re.compile(r"!{2,}")
_RIOT_POLICE = re.compile(r"\bME\b")
# "hulp!" or "help nu" is a cry for help; without an exclamation mark, in a longer message,
# "hulp" is often just a search ("hulp bij huisvesting", "psychosociale hulp vluchtelingen").
_SHORT = 2
_CRIES = frozenset({"hulp", "help", "sos", "spoed"})
# A told part this short ("ok dank", "tot morgen") says too little to weigh its words.
_TOLD = 3
# How far the words must lean to crisis (log odds) to make a plain-word report one. A
# little above even: a clear lean, chosen on a development set (round 12), not on the
# held-out one.
_LEAN = 1.0
# A question opens with a question word or a verb ("Is er…", "Komt er…").
_QUESTION = re.compile(
    r"^ (?:hoe|wat|wie|wanneer|waar|welke|welk|waarom|is|zijn|kan|kunnen|mag|mogen|moet|"
    r"moeten|hebben|heeft|wordt|worden|zal|zullen|klopt|bestaat|geldt|weet|krijgen|krijgt|"
    r"hoeveel|hoelang|komt|komen|doet|doen|heb|hebt|kun|kunt|weten|krijg)\b"
)
# "graag informatie over…", "ik zoek…": asking, wherever it stands in the message.
_REQUEST = re.compile(
    r" (?:graag|ik zoek|we zoeken|wij zoeken|informatie|info|vraag|vraagje|hoe|waar kan|"
    r"waar vind|wie|welke|wat is|wat zijn|wat kost|voorbeeld\w*|handreiking\w*|iets over|"
    r"wil weten|willen weten|wil graag weten) "
)
# Sentences and clauses: a report often ends in a question ("…, wat doen we?"). A full stop
# before a small letter is an abbreviation ("de weth. krijgt…"), not the end of a sentence.
_CLAUSE = re.compile(r"(?<=[!?;,:\n])|(?<=\.)(?=\s*(?:[A-Z0-9]|$))")
# Going on as we speak: "er staat een man bij haar auto te wachten", "staan te roepen".
_GOING_ON = re.compile(
    r" (?:staat|staan|zit|zitten|ligt|liggen|loopt|lopen|hangt|hangen)(?: \w+){0,6} te \w+en "
)


@dataclass(frozen=True)
class Verdict:
    """Whether a message is a crisis, and the cues that decided it."""

    crisis: bool
    reasons: tuple[str, ...]

    @property
    def weak(self) -> bool:
        """Tell whether a crisis rests on crisis words alone: no cue that it is happening now,
        no cry for help, no alarm ("bedreiging wethouders" may be a search)."""
        return self.crisis and all(r.startswith("event:") for r in self.reasons)


@dataclass(frozen=True)
class _Folded:
    """A folded text, as words and padded with spaces so phrases match whole words."""

    words: list[str]
    padded: str

    @classmethod
    def of(cls, folded: str) -> _Folded:
        return cls(folded.split(), f" {folded} ")


class _Cues:
    """A word list: exact words, prefixes ("bedreig*"), parts of compounds ("*bedreig*",
    for doodsbedreiging) and phrases."""

    def __init__(self, words: Iterable[str]) -> None:
        single = [w for w in words if " " not in w]
        self.exact = frozenset(fold(w) for w in single if "*" not in w)
        self.prefixes = tuple(fold(w[:-1]) for w in single if w.endswith("*") and w[0] != "*")
        self.parts = tuple(fold(w.strip("*")) for w in single if w.startswith("*"))
        self.phrases = tuple(f" {fold(w)} " for w in words if " " in w)

    def found(self, text: _Folded) -> list[str]:
        """Return the cues present in a folded message, in message order."""
        hits = [
            w
            for w in text.words
            if w in self.exact or w.startswith(self.prefixes) or any(p in w for p in self.parts)
        ]
        hits += [p.strip() for p in self.phrases if p in text.padded]
        return list(dict.fromkeys(hits))


@dataclass(frozen=True)
class Example:
    """A labelled message the detector learns word odds from."""

    text: str
    crisis: bool


class _WordOdds:
    """How much a message's words lean towards crisis or calm, learnt from examples (naive
    Bayes over Dutch word stems). It only weighs a report in plain words: "er staan mannen
    met bivakmutsen bij de opvang" and "er komt een azc in onze gemeente" have the same shape,
    and the words tell them apart. Words in `skip` (the now-words, which the rules weigh
    already) are left out, so "vanavond" in "de informatieavond is vanavond" is not counted
    twice."""

    def __init__(self, examples: Iterable[Example], skip: frozenset[str]) -> None:
        self._stemmer = snowballstemmer.stemmer("dutch")
        self._skip = skip
        self._cache: dict[str, str] = {}
        counts: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
        for example in examples:
            counts[example.crisis].update(self._stems(fold(example.text).split(), learn=True))
        vocabulary = len(counts[True].keys() | counts[False].keys())
        totals = {label: sum(c.values()) + vocabulary for label, c in counts.items()}
        self._weights = {
            stem: math.log((counts[True][stem] + 1) / totals[True])
            - math.log((counts[False][stem] + 1) / totals[False])
            for stem in counts[True].keys() | counts[False].keys()
        }

    def _stems(self, words: Iterable[str], *, learn: bool = False) -> set[str]:
        # The examples repeat their words and the stemmer is pure Python, so the stems of
        # the examples' words are kept; a user's new words are stemmed and not kept, so the
        # cache cannot grow with what users type.
        stems = set()
        for word in words:
            if word in self._skip:
                continue
            stem = self._cache.get(word) or self._stemmer.stemWord(word)
            if learn:
                self._cache[word] = stem
            stems.add(stem)
        return stems

    def lean(self, words: Iterable[str]) -> float:
        """Return the log odds that folded words are a crisis's; words never seen weigh
        nothing."""
        return sum(self._weights.get(stem, 0.0) for stem in self._stems(words))


def read_examples(text: str) -> list[Example]:
    """Parse labelled examples: a tab-separated header `label text`, label crisis or calm.
    Raise ValueError naming the line of a row that is not one of those."""
    rows = csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE)
    examples = []
    for line, row in enumerate(rows, start=2):
        label, message = row.get("label"), row.get("text")
        if label not in ("crisis", "calm") or not message or None in row:
            raise ValueError(f"line {line}: expected 'crisis' or 'calm', a tab and a message")
        examples.append(Example(message, label == "crisis"))
    return examples


class CrisisDetector:
    """Decide from the vocabulary in `bot/data/crisis.toml` and the word odds learnt from
    `bot/data/crisis_examples.tsv`; recall comes first."""

    def __init__(self, vocabulary: Mapping[str, Any], examples: Iterable[Example]) -> None:
        self.urgent = _Cues(vocabulary["urgent"])
        self.odds = _WordOdds(examples, skip=self.urgent.exact)
        self.events = _Cues(vocabulary["events"])
        self.calm = _Cues(vocabulary["calm"])
        self.alarm = _Cues(vocabulary["alarm"])
        self.weak = _Cues(vocabulary["weak"])
        self.pleas = _Cues(vocabulary["pleas"])
        self.not_now = _Cues(vocabulary["not_now"])
        self.now = _Cues(vocabulary["now"])
        self.openers = tuple(f" {fold(w)} " for w in vocabulary["calm_openers"])

    @classmethod
    def bundled(
        cls, examples: Iterable[Example] | None = None, calm: Iterable[str] = ()
    ) -> CrisisDetector:
        """Load the vocabulary and examples shipped with the package (or other examples),
        with more calm messages to learn from (the FAQ's questions, see wiring)."""
        data = resources.files("bot.data")
        vocabulary = tomllib.loads(data.joinpath("crisis.toml").read_text(encoding="utf-8"))
        if examples is None:
            examples = read_examples(data.joinpath("crisis_examples.tsv").read_text("utf-8"))
        return cls(vocabulary, [*examples, *(Example(text, False) for text in calm)])

    def assess(self, text: str) -> Verdict:
        """Tell whether a message reports an acute or imminent situation, with reasons."""
        whole = _Folded.of(fold(text))
        alarm = self.alarm.found(whole)
        if (len(whole.words) <= _SHORT or "!" in text) and _CRIES & set(whole.words):
            alarm.append("short cry for help")
        urgent = self.urgent.found(whole) + (["!!"] if _EXCLAIMS.search(text) else [])
        urgent += ["staat … te …"] if _GOING_ON.search(whole.padded) else []
        calm = self.calm.found(whole)
        # "Wat doen we als er een groep voor de deur staat? Dat is op dit moment zo."
        if (not_now := self.not_now.found(whole)) and not self.now.found(whole):
            calm, urgent = calm + not_now, []
        pleads = self.pleas.found(whole)
        told = whole if pleads else _Folded.of(_told(text))
        events = self.events.found(told) + self.weak.found(told)
        if _RIOT_POLICE.search(text):
            events.append("ME")
        if not events and (urgent or not calm) and len(told.words) >= _TOLD:
            # People who ask the helpdesk something ask it; people who tell it something
            # often tell it because something is going on, in words no list foresees
            # ("bij de opvang staan mannen met bivakmutsen"). The words decide.
            lean = self.odds.lean(whole.words)
            events = [f"report (words lean {lean:+.1f})"] if lean > _LEAN else []
        asked = [w for w in self.events.found(whole) if w not in events]
        # A question opener ("wat is…") makes a cry calm ("wat doe ik bij een noodgeval"),
        # not what the message goes on to tell ("wat is het nummer, een bewoner is
        # bewusteloos").
        opens = [o.strip() for o in self.openers if whole.padded.startswith(o)]
        # Recall first: anything acute counts unless it is plainly about preparing, the past
        # or the future, and even then a cue that it is happening now wins. Crisis words
        # only in a question ("wie coördineert bij een bommelding?") need such a cue too.
        if (
            (alarm and (urgent or not calm + opens))
            or (events and (urgent or not calm))
            or (asked and urgent)
        ):
            reasons = [f"alarm: {w}" for w in alarm] + [f"event: {w}" for w in events + asked]
            return Verdict(crisis=True, reasons=(*reasons, *(f"urgent: {w}" for w in urgent)))
        return Verdict(crisis=False, reasons=tuple(f"calm: {w}" for w in calm + opens))


def _told(text: str) -> str:
    """Return the folded parts of a message that tell rather than ask. "Er ligt een pakket
    bij de ingang. Wat doen we?" tells first and then asks; the telling part is the report."""
    told = []
    for clause in _CLAUSE.split(text):
        padded = f" {fold(clause)} "
        if "?" not in clause and not _QUESTION.search(padded) and not _REQUEST.search(padded):
            told.append(padded.strip())
    return " ".join(c for c in told if c)
