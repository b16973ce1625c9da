"""The settings the core's services use, as values; config.py parses TOML into them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.core.hours import OfficeHours


@dataclass(frozen=True)
class MatchingSettings:
    """Score thresholds (0–100) that turn a ranking into answer, clarify or hand-off."""

    answer_threshold: float = 55.0
    clarify_threshold: float = 45.0
    margin: float = 8.0
    clarify_candidates: int = 3
    # With a calibrated FAQ (faq/calibration.toml) these decide instead of the scores above;
    # None: the thresholds the calibration chose by its rule.
    answer_probability: float | None = None
    clarify_probability: float | None = None


@dataclass(frozen=True)
class Contacts:
    """Public numbers and addresses that replies name; defaults from the source documents."""

    emergency: str = "112"
    otav_phone: str = "070-373 8393"
    otav_email: str = "otav@vng.nl"
    ngb_phone: str = "070-373 8080"
    # Per OTAV region: how to reach its account managers (organisational contacts only).
    regions: Mapping[str, str] = field(default_factory=dict)


class AfterHours(StrEnum):
    """What a mayor's crisis report after office hours does."""

    OFFER = "offer"  # the crisis reply offers a button that pages the duty officer
    AUTO = "auto"  # the duty officer is paged at once


class HelpdeskMode(StrEnum):
    """How agents answer in their group."""

    TOPICS = "topics"  # a forum supergroup: one topic per ticket
    REPLIES = "replies"  # agents reply to the ticket's post


@dataclass(frozen=True)
class CrisisSettings:
    """How after-hours crises of mayors are handled: offer a paging button, or page at once."""

    after_hours_policy: AfterHours = AfterHours.OFFER


@dataclass(frozen=True)
class HelpdeskSettings:
    """The agents' group: where tickets go, and how agents answer in it."""

    chat_id: int | None = None
    mode: HelpdeskMode = HelpdeskMode.REPLIES
    # Per OTAV region: a chat where its account managers hear of urgent reports.
    region_chats: Mapping[str, int] = field(default_factory=dict)
    retention: timedelta = timedelta(days=90)

    def chats(self) -> frozenset[int]:
        """The group chats the bot belongs in: the agents' group and the region chats."""
        ours = set(self.region_chats.values())
        if self.chat_id is not None:
            ours.add(self.chat_id)
        return frozenset(ours)


@dataclass(frozen=True)
class TriageSettings:
    """What deciding where a message goes needs: thresholds, hours, contacts, crisis policy."""

    matching: MatchingSettings = field(default_factory=MatchingSettings)
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    contacts: Contacts = field(default_factory=Contacts)
    crisis: CrisisSettings = field(default_factory=CrisisSettings)
