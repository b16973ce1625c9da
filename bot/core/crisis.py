"""Crisis detection: does a message report an acute or imminent situation, and why."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import snowballstemmer

from bot.core.logistic import probability
from bot.core.text import fold, swaps
from bot.errors import ConfigError

MODEL_FILE = "crisis_model.toml"
# Bump when the features change: a model fitted on other features is stale.
FEATURE_VERSION = 1

_EXCLAIMS = re.compile(r"!{2,}")
_RIOT_POLICE = re.compile(r"\bME\b")
# "hulp!" or "help nu" is a cry for help; without an exclamation mark, in a longer message,
# "hulp" is often just a search ("hulp bij huisvesting", "psychosociale hulp vluchtelingen").
_SHORT = 2
_CRIES = frozenset({"hulp", "help", "sos", "spoed"})
# A told part this short ("ok dank", "tot morgen") says too little to weigh its words.
_TOLD = 3
_SWAP_FROM = 5
# No crisis word is longer: a 100,000-letter "word" is not searched for typos.
_LONGEST = 40
_WORDS_WEIGHED = 40
# Words alone, with no cue, raise a message only when it tells this much: "nog een
# detail erbij" leans to a crisis on its function words.
_TOLD_ALONE = 5
_SHORT_PANIC = 5
_DROP_FROM = 8
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

    def __init__(self, words: Iterable[str], *, typos: bool = False) -> None:
        single = [w for w in words if " " not in w]
        self.exact = frozenset(fold(w) for w in single if "*" not in w)
        self.prefixes = tuple(fold(w[:-1]) for w in single if w.endswith("*") and w[0] != "*")
        self.parts = tuple(fold(w.strip("*")) for w in single if w.startswith("*"))
        self.phrases = tuple(f" {fold(w)} " for w in words if " " in w)
        # Hurried thumbs swap two letters ("brnad"), drop one from a long word ("blokkde")
        # or type one too many ("brandd"); short words are left exact, where one letter
        # makes another word.
        self.tolerant = typos
        wanted = self.exact if typos else frozenset()
        self.typos = frozenset(t for w in wanted for t in _typos(w)) - self.exact
        self.typo_prefixes = tuple(t for p in self.prefixes if typos for t in _typos(p))

    def _is_word(self, word: str) -> bool:
        return word in self.exact or word.startswith(self.prefixes)

    def found(self, text: _Folded) -> list[str]:
        """Return the cues present in a folded message, in message order."""
        hits = [
            w
            for w in text.words
            if w in self.exact
            or w.startswith(self.prefixes)
            or any(p in w for p in self.parts)
            or w in self.typos
            or w.startswith(self.typo_prefixes)
            or (
                self.tolerant
                and _SWAP_FROM < len(w) <= _LONGEST
                and any(self._is_word(d) for d in _one_less(w))
            )
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
            # Numbers say nothing by themselves: "detail 2" leaned to a crisis because
            # reports count people ("200 man") and wounded.
            if word in self._skip or word.isdigit():
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

    def __init__(
        self,
        vocabulary: Mapping[str, Any],
        examples: Iterable[Example],
        model: Model | None = None,
    ) -> None:
        self.model = model
        self.urgent = _Cues(vocabulary["urgent"])
        self.odds = _WordOdds(examples, skip=self.urgent.exact)
        self.events = _Cues(vocabulary["events"], typos=True)
        self.calm = _Cues(vocabulary["calm"])
        self.alarm = _Cues(vocabulary["alarm"])
        self.weak = _Cues(vocabulary["weak"])
        self.pleas = _Cues(vocabulary["pleas"])
        self.not_now = _Cues(vocabulary["not_now"])
        self.now = _Cues(vocabulary["now"])
        self.thanks = _Cues(vocabulary["thanks"])
        self.openers = tuple(f" {fold(w)} " for w in vocabulary["calm_openers"])

    @classmethod
    def bundled(
        cls, examples: Iterable[Example] | None = None, calm: Iterable[str] = ()
    ) -> CrisisDetector:
        """Load the vocabulary, examples and fitted model shipped with the package (or other
        examples), with more calm messages to learn from (the FAQ's questions, see wiring).
        Raise ConfigError when the model was fitted on other vocabulary or examples."""
        data = bundled_data()
        examples = data.examples if examples is None else examples
        model = load_model(data.fingerprint)
        return cls(data.vocabulary, [*examples, *(Example(t, False) for t in calm)], model)

    def assess(self, text: str) -> Verdict:
        """Tell whether a message reports an acute or imminent situation, with reasons."""
        cues = self.read(text)
        crisis = cues.rule_says_crisis() if self.model is None else self.model.says_crisis(cues)
        if not crisis:
            return Verdict(
                crisis=False, reasons=tuple(f"calm: {w}" for w in cues.calm + cues.opens)
            )
        events = cues.events + cues.weak + cues.asked or [f"report (words lean {cues.lean:+.1f})"]
        reasons = [f"alarm: {w}" for w in cues.alarm] + [f"event: {w}" for w in events]
        return Verdict(crisis=True, reasons=(*reasons, *(f"urgent: {w}" for w in cues.urgent)))

    def read(self, text: str) -> Cues:
        """Find every cue in a message: what the rules and the model weigh."""
        whole = _Folded.of(fold(text))
        alarm = self.alarm.found(whole)
        cry = (len(whole.words) <= _SHORT or "!" in text) and bool(_CRIES & set(whole.words))
        cry = cry and not self.thanks.found(whole)
        if cry:
            alarm.append("short cry for help")
        urgent = self.urgent.found(whole) + (["!!"] if _EXCLAIMS.search(text) else [])
        urgent += ["staat … te …"] if _GOING_ON.search(whole.padded) else []
        calm = self.calm.found(whole)
        not_now, now = self.not_now.found(whole), self.now.found(whole)
        pleads = self.pleas.found(whole)
        told = whole if pleads else _Folded.of(_told(text))
        events = self.events.found(told)
        weak = self.weak.found(told)
        if _RIOT_POLICE.search(text):
            events.append("ME")
        lean = self.odds.lean(whole.words)
        return Cues(
            alarm=alarm,
            cry=cry,
            urgent=urgent,
            calm=calm,
            not_now=not_now,
            now=now,
            pleads=pleads,
            events=events,
            weak=weak,
            asked=[w for w in self.events.found(whole) if w not in events],
            # A question opener ("wat is…") makes a cry calm ("wat doe ik bij een
            # noodgeval"), not what the message goes on to tell ("wat is het nummer, een
            # bewoner is bewusteloos").
            opens=[o.strip() for o in self.openers if whole.padded.startswith(o)],
            lean=lean,
            words=len(whole.words),
            told_words=len(told.words),
            asks="?" in text,
            doubled_question="??" in text,
        )


@dataclass
class Cues:
    """What a message holds that speaks for or against a crisis."""

    alarm: list[str]
    cry: bool
    urgent: list[str]
    calm: list[str]
    not_now: list[str]
    now: list[str]
    pleads: list[str]
    events: list[str]
    weak: list[str]
    asked: list[str]
    opens: list[str]
    lean: float
    words: int
    told_words: int
    asks: bool
    doubled_question: bool = False

    @property
    def cued(self) -> bool:
        """Tell whether any cue speaks for a crisis."""
        return bool(self.alarm or self.urgent or self.events or self.weak or self.asked)

    def weighable(self) -> bool:
        """Tell whether anything speaks for a crisis: a cue, or words that lean to one. The
        model is fitted on such messages only."""
        return self.cued or self.lean > _LEAN

    def evidence(self) -> bool:
        """Tell whether the model may raise the message: a weighable one, unless only its
        words lean and it tells only a few ("mensen" and "nog een detail erbij" lean to a
        crisis); otherwise it is calm whatever its shape."""
        return self.cued or (self.lean > _LEAN and self.told_words >= _TOLD_ALONE)

    def panics(self) -> bool:
        """Tell whether the message is a cry for help or tells of trouble with "!!"."""
        crisis_words = bool(self.events or self.alarm)
        # "gijzeling in opvang??": a few words and a double question mark are no search.
        alarmed = (
            self.words <= _SHORT_PANIC
            and self.doubled_question
            and (crisis_words or bool(self.asked))
        )
        return self.cry or ("!!" in self.urgent and crisis_words) or alarmed

    def rule_says_crisis(self) -> bool:
        """The hand-written rule, recall first: anything acute counts unless it is plainly
        about preparing, the past or the future, and even then a cue that it is happening
        now wins. Crisis words only in a question ("wie coördineert bij een bommelding?")
        need such a cue too."""
        calm, urgent = self.calm, self.urgent
        # "Wat doen we als er een groep voor de deur staat? Dat is op dit moment zo."
        if self.not_now and not self.now:
            calm, urgent = calm + self.not_now, []
        events = self.events + self.weak
        if not events and (urgent or not calm) and self.told_words >= _TOLD:
            # People who ask the helpdesk something ask it; people who tell it something
            # often tell it because something is going on, in words no list foresees
            # ("bij de opvang staan mannen met bivakmutsen"). The words decide.
            events = ["report"] if self.lean > _LEAN else []
        return bool(
            (self.alarm and (urgent or not calm + self.opens))
            or (events and (urgent or not calm))
            or (self.asked and urgent)
        )

    def features(self) -> tuple[float, ...]:
        """The cues as numbers, in the order of FEATURES, for the fitted model."""
        told = bool(self.events or self.weak)
        lean = max(min(self.lean / 4, 3.0), -3.0)
        return (
            1.0,
            float(self.rule_says_crisis()),
            min(len(self.alarm), 2),
            float(self.cry),
            min(len(self.urgent), 3),
            min(len(self.calm), 3),
            min(len(self.not_now), 2),
            min(len(self.now), 2),
            min(len(self.pleads), 2),
            min(len(self.events), 3),
            min(len(self.weak), 2),
            min(len(self.asked), 2),
            float(bool(self.opens)),
            float(self.asks),
            lean,
            float(self.words <= 4),
            # Capped: a report is told in a few sentences, and a long paste is no more
            # urgent for being long.
            math.log1p(min(self.words, _WORDS_WEIGHED)) / 3,
            # The rule's own pairs, so the fit can weigh each: crisis words with no calm
            # cue, crisis words or a cry with a now-cue, a calm cue with none, crisis
            # words in a question, a hypothetical with nothing happening now, and how far
            # the words lean in a search of a few words.
            float(told and not self.calm),
            float(told and bool(self.urgent)),
            float(bool(self.alarm) and bool(self.urgent)),
            float(bool(self.calm) and not self.urgent),
            float(told and self.asks),
            float(bool(self.not_now) and not self.now),
            lean * float(self.words <= 4),
        )


FEATURES = (
    "bias",
    "rule",
    "alarm",
    "cry",
    "urgent",
    "calm",
    "not_now",
    "now",
    "pleads",
    "events",
    "weak",
    "asked",
    "opens",
    "asks",
    "lean",
    "short",
    "words",
    "events_without_calm",
    "events_now",
    "alarm_now",
    "calm_not_now",
    "events_asked",
    "hypothetical",
    "lean_short",
)


@dataclass(frozen=True)
class Model:
    """Weights over FEATURES and the probability from which a message is a crisis."""

    weights: tuple[float, ...]
    threshold: float

    def chance(self, cues: Cues) -> float:
        """The probability of a crisis; 0 for a message without evidence."""
        return probability(self.weights, cues.features()) if cues.evidence() else 0.0

    def says_crisis(self, cues: Cues) -> bool:
        """Tell whether the cues make a crisis. Never calmed: a short cry for help ("hulp",
        "help!!"), crisis words with "!!" ("er is nu brand!!"), a few with "??": whatever
        else the message says, it is panic."""
        return cues.panics() or self.chance(cues) >= self.threshold


@dataclass(frozen=True)
class Data:
    """The detector's bundled word lists and examples, and their fingerprint."""

    vocabulary: Mapping[str, Any]
    examples: list[Example]
    fingerprint: str


def bundled_data() -> Data:
    """Read `bot/data/crisis.toml` and `bot/data/crisis_examples.tsv`."""
    folder = resources.files("bot.data")
    words = folder.joinpath("crisis.toml").read_text(encoding="utf-8")
    examples = folder.joinpath("crisis_examples.tsv").read_text(encoding="utf-8")
    blob = json.dumps([FEATURE_VERSION, FEATURES, words, examples], ensure_ascii=False)
    fingerprint = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
    return Data(tomllib.loads(words), read_examples(examples), fingerprint)


def model_path() -> Path:
    """Where the bundled model lives, beside the data it is fitted on."""
    return Path(str(resources.files("bot.data").joinpath(MODEL_FILE)))


def load_model(fingerprint: str, path: Path | None = None) -> Model | None:
    """Read the fitted model (None when there is none; the rule then decides alone)."""
    path = path or model_path()
    if not path.is_file():
        return None
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    if raw.get("fingerprint") != fingerprint or list(raw.get("features", [])) != list(FEATURES):
        raise ConfigError(
            f"{path.name} was fitted on other crisis words or examples: "
            "run `python -m bot crisis fit`"
        )
    return Model(tuple(float(w) for w in raw["weights"]), float(raw["threshold"]))


def _typos(word: str) -> Iterable[str]:
    """The misspellings of a word that are read as it: two neighbouring letters swapped
    (words of five letters or more), one letter left out (eight or more)."""
    if len(word) >= _SWAP_FROM:
        yield from swaps(word)
    if len(word) >= _DROP_FROM:
        for i in range(len(word)):
            yield word[:i] + word[i + 1 :]


def _one_less(word: str) -> Iterable[str]:
    """The word with each one of its letters left out."""
    return (word[:i] + word[i + 1 :] for i in range(len(word)))


def _told(text: str) -> str:
    """Return the folded parts of a message that tell rather than ask. "Er ligt een pakket
    bij de ingang. Wat doen we?" tells first and then asks; the telling part is the report."""
    told = []
    for clause in _CLAUSE.split(text):
        padded = f" {fold(clause)} "
        if "?" not in clause and not _QUESTION.search(padded) and not _REQUEST.search(padded):
            told.append(padded.strip())
    return " ".join(c for c in told if c)
