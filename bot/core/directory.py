"""Municipalities, their provinces and OTAV regions, and resolving a typed name."""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from rapidfuzz import fuzz, process

from bot.core.text import fold

# A typed name this close to exactly one municipality is taken as that municipality.
_ACCEPT = 90.0
_SUGGEST = 60.0
_MARGIN = 8.0


@dataclass(frozen=True)
class Municipality:
    """A Dutch municipality with its province and OTAV region."""

    name: str
    province: str
    region: str


@dataclass(frozen=True)
class Resolution:
    """What a typed municipality name resolved to: one match, or suggestions."""

    match: Municipality | None
    suggestions: tuple[str, ...] = ()


class Directory:
    """All municipalities, looked up by (nearly) their name."""

    def __init__(
        self,
        municipalities: Mapping[str, str],
        regions: Mapping[str, list[str]],
        aliases: Mapping[str, str],
    ) -> None:
        region_of = {p: region for region, provinces in regions.items() for p in provinces}
        self._by_key: dict[str, Municipality] = {}
        for name, province in municipalities.items():
            if province not in region_of:
                raise ValueError(f"municipality {name!r}: province {province!r} has no region")
            self._by_key[fold(name)] = Municipality(name, province, region_of[province])
        for alias, name in aliases.items():
            self._by_key.setdefault(fold(alias), self._by_key[fold(name)])
        self._keys = list(self._by_key)

    @classmethod
    def bundled(cls) -> Directory:
        """Load the municipality list and region map shipped with the package."""
        data = resources.files("bot.data")
        rows = csv.DictReader(io.StringIO(data.joinpath("municipalities.csv").read_text("utf-8")))
        regions = tomllib.loads(data.joinpath("regions.toml").read_text("utf-8"))
        return cls(
            {row["name"]: row["province"] for row in rows},
            regions["regions"],
            regions["aliases"],
        )

    def __len__(self) -> int:
        return len({m.name for m in self._by_key.values()})

    def get(self, name: str) -> Municipality | None:
        """Return the municipality with exactly this (folded) name or alias."""
        return self._by_key.get(fold(name))

    def resolve(self, typed: str) -> Resolution:
        """Resolve a typed name, forgiving case, accents and typos; else suggest up to three."""
        key = fold(typed)
        if not key:
            return Resolution(match=None)
        if key in self._by_key:
            return Resolution(match=self._by_key[key])
        hits = process.extract(
            key, self._keys, scorer=fuzz.WRatio, processor=None, limit=8, score_cutoff=_SUGGEST
        )
        # Among equal scores, names that start with what was typed come first.
        hits.sort(key=lambda hit: (-hit[1], not hit[0].startswith(key)))
        names = list(dict.fromkeys(self._by_key[k].name for k, _, _ in hits))
        if not hits:
            return Resolution(match=None)
        best = self._by_key[hits[0][0]]
        # Aliases of one municipality are no rivals; another municipality this close is.
        rival = next((score for k, score, _ in hits if self._by_key[k] != best), 0.0)
        if hits[0][1] >= _ACCEPT and hits[0][1] - rival >= _MARGIN:
            return Resolution(match=best)
        return Resolution(match=None, suggestions=tuple(names[:3]))
