"""Crisis detection: does a message report an acute or imminent situation, and why."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from bot.core.text import fold

_EXCLAIMS = re.compile(r"!{2,}")
_RIOT_POLICE = re.compile(r"\bME\b")
# "hulp!" or "help nu" is a cry for help; without an exclamation mark, in a longer message,
# "hulp" is often just a search ("hulp bij huisvesting", "psychosociale hulp vluchtelingen").
_SHORT = 2
_CRIES = frozenset({"hulp", "help", "sos", "spoed"})
# "Er staan mensen…", "er loopt een man…": how people report what is going on. A question
# ("Is er een…?", "Hoe…") is not a report.
_REPORT = re.compile(
    r" (?:er (?:is|zijn|wordt|worden|staat|staan|loopt|lopen|hangt|hangen|zit|zitten|komt|"
    r"komen|gebeurt)|(?:is|zijn|wordt|worden|staat|staan) er) "
)
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
# A deed just done: "heeft … gegooid", "is … aangevallen", "worden bedreigd".
_DONE = re.compile(
    r" (?:heeft|hebben|is|zijn|wordt|worden|werd|werden)(?: \w+){0,10} "
    r"(?!geld|gebied|geleden|gezond)(?:ge\w{2,}(?:d|t|en)|\w{2,}ge\w{2,}(?:d|t|en)|"
    r"be\w{3,}[dt]|ver\w{3,}[dt]|ont\w{3,}(?:d|t|en))\b"
)


@dataclass(frozen=True)
class Verdict:
    """Whether a message is a crisis, and the cues that decided it."""

    crisis: bool
    reasons: tuple[str, ...]


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


class CrisisDetector:
    """Decide from the vocabulary in `bot/data/crisis.toml`; recall comes first."""

    def __init__(self, vocabulary: Mapping[str, Any]) -> None:
        self.events = _Cues(vocabulary["events"])
        self.urgent = _Cues(vocabulary["urgent"])
        self.calm = _Cues(vocabulary["calm"])
        self.alarm = _Cues(vocabulary["alarm"])
        self.places = _Cues(vocabulary["places"])
        self.people = _Cues(vocabulary["people"])
        self.weak = _Cues(vocabulary["weak"])
        self.acts = _Cues(vocabulary["acts"])
        self.pleas = _Cues(vocabulary["pleas"])
        self.not_now = _Cues(vocabulary["not_now"])
        self.openers = tuple(f" {fold(w)} " for w in vocabulary["calm_openers"])

    @classmethod
    def bundled(cls) -> CrisisDetector:
        """Load the vocabulary shipped with the package."""
        raw = resources.files("bot.data").joinpath("crisis.toml").read_text(encoding="utf-8")
        return cls(tomllib.loads(raw))

    def assess(self, text: str) -> Verdict:
        """Tell whether a message reports an acute or imminent situation, with reasons."""
        whole = _Folded.of(fold(text))
        alarm = self.alarm.found(whole)
        if (len(whole.words) <= _SHORT or "!" in text) and _CRIES & set(whole.words):
            alarm.append("short cry for help")
        calm = self.calm.found(whole) + [
            o.strip() for o in self.openers if whole.padded.startswith(o)
        ]
        urgent = self.urgent.found(whole) + (["!!"] if _EXCLAIMS.search(text) else [])
        if not_now := self.not_now.found(whole):
            calm, urgent = calm + not_now, []
        pleads = self.pleas.found(whole)
        told = whole if pleads else _Folded.of(_told(text))
        events = self._events(text, told, None if calm else urgent + pleads)
        asked = [w for w in self.events.found(whole) if w not in events]
        # Recall first: anything acute counts unless it is plainly about preparing, the past
        # or the future, and even then a cue that it is happening now wins. Crisis words
        # only in a question ("wie coördineert bij een bommelding?") need such a cue too.
        if ((alarm or events) and (urgent or not calm)) or (asked and urgent):
            reasons = [f"alarm: {w}" for w in alarm] + [f"event: {w}" for w in events + asked]
            return Verdict(crisis=True, reasons=(*reasons, *(f"urgent: {w}" for w in urgent)))
        return Verdict(crisis=False, reasons=tuple(f"calm: {w}" for w in calm))

    def _events(self, text: str, told: _Folded, urgent: list[str] | None) -> list[str]:
        """Find what is going on in the telling part of a message; `urgent` is None where the
        message is calm, and then only crisis words count, not a report in plain words."""
        events = self.events.found(told) + self.weak.found(told)
        if _RIOT_POLICE.search(text):
            events.append("ME")
        if urgent is not None:
            events += self._report(told, urgent)
        return events

    def _report(self, told: _Folded, urgent: list[str]) -> list[str]:
        """Find a report of something going on: people or a place, and something happening
        now or just done. Without a word from the lists, this is how new wording is caught:
        people who ask the helpdesk something ask it; people who tell it something, tell it
        because something is going on."""
        where = self.places.found(told) + self.people.found(told)
        if not where:
            return []
        how = self.acts.found(told) + urgent
        if _REPORT.search(told.padded) or _DONE.search(told.padded):
            how.append("report")
        return [f"report: {where[0]}, {how[0]}"] if how else []


def _told(text: str) -> str:
    """Return the folded parts of a message that tell rather than ask. "Er ligt een pakket
    bij de ingang. Wat doen we?" tells first and then asks; the telling part is the report."""
    told = []
    for clause in _CLAUSE.split(text):
        padded = f" {fold(clause)} "
        if "?" not in clause and not _QUESTION.search(padded) and not _REQUEST.search(padded):
            told.append(padded.strip())
    return " ".join(c for c in told if c)
