"""FAQ checks that need the matcher: every phrasing must find its own entry first."""

from __future__ import annotations

from bot.core.faq import Faq
from bot.core.matcher import Matcher


def ambiguous_phrasings(faq: Faq, matcher: Matcher) -> list[str]:
    """Return a `file:entry: reason` line for each phrasing another entry ties or beats."""
    problems = []
    for entry in faq.entries:
        for phrasing in (*entry.phrasings, *entry.phrasings_en):
            ranking = matcher.rank(phrasing, limit=3)
            own = next((c.score for c in ranking if c.entry_id == entry.id), 0.0)
            rival = next((c for c in ranking if c.entry_id != entry.id), None)
            if rival is not None and rival.score >= own:
                problems.append(
                    f"{entry.file}:{entry.id}: phrasing '{phrasing}' ranks under "
                    f"'{rival.entry_id}' ({rival.score:g} vs {own:g}); make it more distinctive"
                )
    return problems
