"""Shared helpers for the benchmarks: load the bundled FAQ and build a triage over it."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.core.directory import Directory  # noqa: E402
from bot.core.faq import Entry, Faq, load_faq  # noqa: E402
from bot.core.triage import Triage  # noqa: E402
from bot.wiring import build_matcher, triage_over  # noqa: E402

DATA = ROOT / "bench" / "data"


def bundled_faq() -> Faq:
    """Load the FAQ in faq/."""
    return load_faq(ROOT / "faq")


_DIRECTORY = Directory.bundled()


def triage_for(faq: Faq) -> Triage:
    """Build a triage over an FAQ with the default settings (its crisis detector learns
    from that FAQ's questions, so a phrasing left out is left out there too)."""
    return triage_over(faq, build_matcher(faq), Settings(), _DIRECTORY)


def read_tsv(name: str) -> list[dict[str, str]]:
    """Read a tab-separated file with a header from bench/data/."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


__all__ = ["DATA", "ROOT", "Entry", "Faq", "bundled_faq", "read_tsv", "triage_for"]
