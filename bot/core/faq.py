"""FAQ entries and themes, and loading them from a folder of TOML files with validation."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.core.ids import NAME_MAX, is_name
from bot.errors import FaqError

MIN_PHRASINGS = 6
_NAME_RULE = f"id must be lowercase letters, digits and '-', at most {NAME_MAX} characters"
_META_FILES = frozenset({"themes.toml", "sources.toml", "topics.toml"})
_PERSONAL = ("", "region")


@dataclass(frozen=True)
class Theme:
    """A group of entries for browsing, with a Dutch title and an emoji."""

    id: str
    emoji: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Source:
    """A document that answers draw on."""

    key: str
    title: str
    title_en: str


@dataclass(frozen=True)
class Entry:
    """One question with its answer, phrasings and provenance."""

    id: str
    theme: str
    question: str
    question_en: str
    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    answer_en: str
    sources: tuple[str, ...]
    as_of: date
    file: str = ""
    # "region": the answer opens with the asker's own OTAV region and its contacts.
    personal: str = ""
    # How people ask it in English; matched like the Dutch ones.
    phrasings_en: tuple[str, ...] = ()


@dataclass(frozen=True)
class Faq:
    """The whole FAQ: themes in browsing order, sources and entries."""

    themes: tuple[Theme, ...]
    sources: Mapping[str, Source]
    entries: tuple[Entry, ...]

    def entry(self, entry_id: str) -> Entry | None:
        """Return the entry with this id, or None."""
        return self._by_id.get(entry_id)

    def theme(self, theme_id: str) -> Theme | None:
        """Return the theme with this id, or None."""
        return next((t for t in self.themes if t.id == theme_id), None)

    def questions(self) -> list[str]:
        """Return every way the FAQ asks: each entry's questions and phrasings, Dutch and
        English."""
        return [
            text
            for e in self.entries
            for text in (e.question, *e.phrasings, e.question_en, *e.phrasings_en)
            if text
        ]

    def in_theme(self, theme_id: str) -> tuple[Entry, ...]:
        """Return the entries of one theme, in file order."""
        return tuple(e for e in self.entries if e.theme == theme_id)

    @property
    def _by_id(self) -> dict[str, Entry]:
        return {e.id: e for e in self.entries}


class _Problems:
    """Collects `file:entry: reason` lines so one run reports every problem."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.unreadable = False
        self.ids: set[str] = set()  # every entry id written, valid entry or not

    def add(self, file: str, entry: str, reason: str) -> None:
        self.lines.append(f"{file}:{entry}: {reason}")


def load_faq(directory: Path) -> Faq:
    """Load and validate the FAQ folder; raise FaqError listing every problem."""
    problems = _Problems()
    if not directory.is_dir():
        raise FaqError([f"{directory}:-: FAQ folder not found"])
    themes = _load_themes(directory / "themes.toml", problems)
    sources = _load_sources(directory / "sources.toml", problems)
    required = _load_required(directory / "topics.toml", problems)
    entries: list[Entry] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name not in _META_FILES:
            entries.extend(_load_entries(path, problems, {t.id for t in themes}, set(sources)))
    _check_unique(entries, problems)
    present = {e.id for e in entries} | problems.ids
    # A topic may sit in a file that failed to parse: saying it is missing would mislead.
    for topic in [] if problems.unreadable else required:
        if topic not in present:
            problems.add("topics.toml", topic, "required topic has no entry")
    if problems.lines:
        raise FaqError(problems.lines)
    return Faq(themes=tuple(themes), sources=sources, entries=tuple(entries))


def _read_toml(path: Path, problems: _Problems) -> dict[str, Any] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        problems.add(path.name, "-", "file not found")
        return None
    except tomllib.TOMLDecodeError as exc:
        problems.add(path.name, "-", f"invalid TOML: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path.name, "-", f"cannot read file: {exc}")
    problems.unreadable = True
    return None


def _load_themes(path: Path, problems: _Problems) -> list[Theme]:
    data = _read_toml(path, problems) or {}
    themes: list[Theme] = []
    for i, raw in enumerate(_tables(data, "theme", path.name, problems), start=1):
        label = str(raw.get("id", f"#{i}"))
        fields = _strings(raw, ("id", "emoji", "title", "title_en"), path.name, label, problems)
        if fields is not None and not is_name(fields["id"]):
            problems.add(path.name, label, _NAME_RULE)
        elif fields is not None:
            themes.append(Theme(**fields))
    return themes


def _load_sources(path: Path, problems: _Problems) -> dict[str, Source]:
    data = _read_toml(path, problems) or {}
    table = data.get("source", {})
    if not isinstance(table, dict):
        problems.add(path.name, "source", "expected tables [source.<key>]")
        return {}
    sources: dict[str, Source] = {}
    for key, raw in table.items():
        fields = _strings(raw, ("title", "title_en"), path.name, key, problems)
        if fields is not None:
            sources[key] = Source(key=key, **fields)
    return sources


def _load_required(path: Path, problems: _Problems) -> list[str]:
    data = _read_toml(path, problems) or {}
    required = data.get("required", [])
    if not isinstance(required, list) or not all(isinstance(x, str) for x in required):
        problems.add(path.name, "required", "expected a list of entry ids")
        return []
    return required


def _tables(
    data: Mapping[str, Any], key: str, file: str, problems: _Problems
) -> list[dict[str, Any]]:
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.add(file, key, f"expected an array of tables [[{key}]]")
        return []
    return tables


def _strings(
    raw: Any, keys: Iterable[str], file: str, entry: str, problems: _Problems
) -> dict[str, str] | None:
    if not isinstance(raw, dict):
        problems.add(file, entry, "expected a table")
        return None
    out: dict[str, str] = {}
    for key in keys:
        value = raw.get(key)
        if value is None:
            problems.add(file, entry, f"missing field '{key}' (text expected)")
        elif not isinstance(value, str):
            problems.add(file, entry, f"field '{key}' must be text, got {value!r}")
        elif not value.strip():
            problems.add(file, entry, f"empty field '{key}'")
        else:
            out[key] = value.strip()
    return out if len(out) == len(list(keys)) else None


def _load_entries(
    path: Path, problems: _Problems, themes: set[str], sources: set[str]
) -> list[Entry]:
    data = _read_toml(path, problems)
    if data is None:
        return []
    entries = []
    for i, raw in enumerate(_tables(data, "entry", path.name, problems), start=1):
        entry = _parse_entry(raw, path.name, f"#{i}", problems, themes, sources)
        if entry is not None:
            entries.append(entry)
    return entries


def _parse_entry(
    raw: dict[str, Any],
    file: str,
    position: str,
    problems: _Problems,
    themes: set[str],
    sources: set[str],
) -> Entry | None:
    label = raw["id"] if isinstance(raw.get("id"), str) and raw["id"] else position
    if label != position:
        problems.ids.add(label)
    before = len(problems.lines)
    texts = _strings(raw, ("id", "theme", "question", "answer"), file, label, problems) or {}
    if texts.get("id") and not is_name(texts["id"]):
        problems.add(file, label, _NAME_RULE)
    if texts.get("theme") and texts["theme"] not in themes:
        problems.add(file, label, f"unknown theme '{texts['theme']}' (not in themes.toml)")
    phrasings = _string_list(raw, "phrasings", file, label, problems, minimum=MIN_PHRASINGS)
    keywords = _string_list(raw, "keywords", file, label, problems, minimum=1)
    cited = _string_list(raw, "sources", file, label, problems, minimum=1)
    english = (
        _string_list(raw, "phrasings_en", file, label, problems, minimum=0)
        if "phrasings_en" in raw
        else []
    )
    for key in cited:
        if key not in sources:
            problems.add(file, label, f"unknown source '{key}' (not in sources.toml)")
    optional = {k: raw.get(k, "") for k in ("question_en", "answer_en")}
    for key, value in optional.items():
        if not isinstance(value, str):
            problems.add(file, label, f"field '{key}' must be text")
    personal = raw.get("personal", "")
    if personal not in _PERSONAL:
        problems.add(file, label, f"field 'personal' must be one of {_PERSONAL[1:]}")
    as_of = raw.get("as_of")
    if as_of is None:
        problems.add(file, label, "missing field 'as_of' (a date such as 2016-01-08)")
    elif not isinstance(as_of, date):
        problems.add(file, label, f"field 'as_of' must be a date such as 2016-01-08, got {as_of!r}")
    if len(problems.lines) > before or not isinstance(as_of, date):
        return None
    return Entry(
        id=texts["id"],
        theme=texts["theme"],
        question=texts["question"],
        question_en=str(optional["question_en"]).strip(),
        phrasings=tuple(phrasings),
        keywords=tuple(keywords),
        answer=texts["answer"],
        answer_en=str(optional["answer_en"]).strip(),
        sources=tuple(cited),
        as_of=as_of,
        file=file,
        personal=str(personal),
        phrasings_en=tuple(english),
    )


def _string_list(
    raw: Mapping[str, Any], key: str, file: str, entry: str, problems: _Problems, minimum: int
) -> list[str]:
    value = raw.get(key)
    if value is None:
        problems.add(file, entry, f"missing field '{key}' (a list of texts)")
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        problems.add(file, entry, f"field '{key}' must be a list of texts, got {value!r}")
        return []
    items = [x.strip() for x in value if x.strip()]
    if len(items) < len(value):
        problems.add(file, entry, f"'{key}' has an empty item")
    if len(items) < minimum:
        problems.add(file, entry, f"'{key}' needs at least {minimum}, has {len(items)}")
    return items


def _check_unique(entries: list[Entry], problems: _Problems) -> None:
    seen: dict[str, str] = {}
    for entry in entries:
        if entry.id in seen:
            problems.add(entry.file, entry.id, f"duplicate id (also in {seen[entry.id]})")
        else:
            seen[entry.id] = entry.file
