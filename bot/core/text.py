"""Dutch text normalisation: folding, synonyms, stopwords and stemming."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import snowballstemmer
from rapidfuzz.distance import OSA

# How many distinct words the stemmer and the matcher remember (least recently used go).
WORDS_KEPT = 20_000

_NON_WORD = re.compile(r"[^a-z0-9]+")
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "1234567890")
_VOWELS = frozenset("aeiouy")
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")
# Control characters (terminal escapes, NUL, carriage returns) but not newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# A word this long, one letter off a stopword (or two letters swapped) and with its first
# letter, is that stopword typed in a hurry ("eigelijk", "moesten", "jullei"). Shorter words
# and other first letters are often real words ("houden" beside "zouden").
_TYPO_STOPWORD_LENGTH = 6


def clean(text: str) -> str:
    """Turn control characters in what a user typed into spaces, before it is shown or stored.

    A lone UTF-16 surrogate (Telegram passes them on) becomes the replacement character:
    no file, database or JSON encoder would take it.
    """
    return _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))


def units(text: str) -> int:
    """Return the length of a text as Telegram counts it: in UTF-16 code units (an emoji is
    two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def fold(text: str) -> str:
    """Return lowercase text without accents, with every non-alphanumeric run as one space."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", bare).strip()


def swaps(word: str) -> Iterator[str]:
    """The word with two neighbouring, different letters swapped: the commonest slip of a
    thumb ("otva" for "otav", "brnad" for "brand")."""
    for i in range(len(word) - 1):
        if word[i] != word[i + 1]:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def looks_like_nonsense(token: str) -> bool:
    """Tell whether a token looks like keyboard mashing rather than a word."""
    if token.isdigit():
        return True
    if not _VOWELS.intersection(token) or _CONSONANT_RUN.search(token):
        return True
    if re.search(r"(.)\1\1", token):
        return True
    return any(token[i : i + 4] in row for row in _KEYBOARD_ROWS for i in range(len(token) - 3))


@dataclass(frozen=True)
class Language:
    """The word lists matching relies on, loaded from `bot/data/language.toml`."""

    stopwords: frozenset[str]
    synonyms: Mapping[str, str]
    smalltalk: frozenset[str]
    thanks: frozenset[str] = frozenset()

    @classmethod
    def bundled(cls) -> Language:
        """Load the language data shipped with the package."""
        raw = resources.files("bot.data").joinpath("language.toml").read_text(encoding="utf-8")
        return cls.from_toml(tomllib.loads(raw))

    @classmethod
    def from_toml(cls, data: Mapping[str, Any]) -> Language:
        """Build the word lists from parsed TOML."""
        smalltalk: set[str] = set()
        for words in data.get("smalltalk", {}).values():
            smalltalk.update(fold(w) for w in words)
        synonyms = {fold(k): fold(v) for k, v in data.get("synonyms", {}).items()}
        return cls(
            stopwords=frozenset(fold(w) for w in data.get("stopwords", [])),
            synonyms=synonyms,
            smalltalk=frozenset(smalltalk),
            thanks=frozenset(fold(w) for w in data.get("smalltalk", {}).get("thanks", [])),
        )


class Analyzer:
    """Turn text into the stemmed terms the matcher compares."""

    def __init__(self, *, language: Language) -> None:
        self.language = language
        self._stemmer = snowballstemmer.stemmer("dutch")
        # Bounded: what users type is endless; the FAQ's own words stay in it by use.
        self.stem: Callable[[str], str] = lru_cache(maxsize=WORDS_KEPT)(self._stem)
        self._longest_synonym = max((k.count(" ") + 1 for k in language.synonyms), default=1)
        self._long_stopwords = tuple(
            w for w in language.stopwords if len(w) >= _TYPO_STOPWORD_LENGTH
        )
        self.is_stopword: Callable[[str], bool] = lru_cache(maxsize=WORDS_KEPT)(self._is_stopword)

    def words(self, text: str) -> list[str]:
        """Return the folded words of a text with synonyms replaced."""
        tokens = fold(text).split()
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._longest_synonym, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + size])
                if phrase in self.language.synonyms:
                    out.extend(self.language.synonyms[phrase].split())
                    i += size
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def terms(self, text: str) -> list[str]:
        """Return the stemmed content words of a text, in order, stopwords removed."""
        return [self.stem(w) for w in self.words(text) if not self.is_stopword(w)]

    def _is_stopword(self, word: str) -> bool:
        """Tell whether a folded word is a stopword, or one typed a letter off or swapped."""
        if word in self.language.stopwords:
            return True
        if len(word) < _TYPO_STOPWORD_LENGTH:
            return False
        # The cutoff lets rapidfuzz reject a word of another length at once (a pasted blob).
        return any(
            s[0] == word[0] and OSA.distance(word, s, score_cutoff=1) <= 1
            for s in self._long_stopwords
        )

    def _stem(self, word: str) -> str:
        """Return the Dutch stem of one folded word (numbers stay as they are)."""
        return word if word.isdigit() else str(self._stemmer.stemWord(word))

    def is_thanks(self, text: str) -> bool:
        """Tell whether a message only thanks or takes leave ("top, bedankt!")."""
        words = self.words(text)
        thanks = self.language.thanks
        return any(w in thanks for w in words) and all(
            w in thanks or w in self.language.stopwords for w in words
        )

    def is_smalltalk(self, text: str) -> bool:
        """Tell whether a message is only greetings, thanks, tests or questions about the bot."""
        words = self.words(text)
        if not words:
            return True
        chatter = self.language.smalltalk | self.language.stopwords
        return all(w in chatter for w in words)
