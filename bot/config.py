"""TOML config → frozen, validated settings; every error names the file and the key."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.escalation import Policy
from bot.core.hours import WEEKDAYS, OfficeHours, weekday_numbers
from bot.core.limits import Limits
from bot.core.settings import (
    AfterHours,
    Contacts,
    CrisisSettings,
    HelpdeskMode,
    HelpdeskSettings,
    MatchingSettings,
    TriageSettings,
)
from bot.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("config.toml")
TOKEN_ENV = "HELPDESK_TELEGRAM_TOKEN"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
# The five OTAV regions, as in bot/data/regions.toml (a test keeps the two in step).
OTAV_REGIONS = ("Noord", "Oost", "Midden", "West", "Zuid")


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach the Bot API."""

    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    username: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    # Messages per second to Telegram in all (Telegram allows a bot about 30).
    rate_limit: int = 30


@dataclass(frozen=True)
class Settings:
    """Everything configurable, parsed once."""

    source: str = "built-in defaults"
    faq_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "faq")
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    office_hours: OfficeHours = field(default_factory=OfficeHours)
    contacts: Contacts = field(default_factory=Contacts)
    crisis: CrisisSettings = field(default_factory=CrisisSettings)
    helpdesk: HelpdeskSettings = field(default_factory=HelpdeskSettings)
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    database: Path = field(default_factory=lambda: Path("var") / "helpdesk.sqlite3")
    paging: Policy = field(default_factory=Policy)
    sweep_interval: timedelta = timedelta(seconds=2)
    limits: Limits = field(default_factory=Limits)

    @property
    def triage(self) -> TriageSettings:
        """What the triage needs of these settings."""
        return TriageSettings(
            matching=self.matching,
            office_hours=self.office_hours,
            contacts=self.contacts,
            crisis=self.crisis,
        )


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from `path` (or ./config.toml when present, else defaults)."""
    env = os.environ if environ is None else environ
    if path is None:
        path = DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
    if path is None:
        return _with_env_token(Settings(), env)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    return _with_env_token(parse_settings(data, path), env)


# Every section and key the file may hold: a misspelt one is an error, not a silent default.
_KNOWN: dict[str, frozenset[str]] = {
    "faq": frozenset({"dir"}),
    "matching": frozenset(
        {
            "answer_threshold",
            "clarify_threshold",
            "margin",
            "clarify_candidates",
            "answer_probability",
            "clarify_probability",
        }
    ),
    "office_hours": frozenset(
        {"days", "open", "close", "timezone", "public_holidays", "closed_dates"}
    ),
    "contacts": frozenset({"emergency", "otav_phone", "otav_email", "ngb_phone", "regions"}),
    "crisis": frozenset({"after_hours_policy"}),
    "helpdesk": frozenset({"chat_id", "mode", "region_chats", "retention"}),
    "telegram": frozenset(
        {
            "token",
            "base_url",
            "username",
            "webhook_url",
            "webhook_secret",
            "webhook_listen",
            "webhook_port",
            "rate_limit",
        }
    ),
    "storage": frozenset({"path"}),
    "paging": frozenset({"ack_timeout", "resolve_reminder", "sweep_interval"}),
    "limits": frozenset(
        {
            "questions_per_minute",
            "tickets_per_hour",
            "guest_tickets_per_hour",
            "crisis_tickets_per_hour",
            "invite_attempts_per_hour",
        }
    ),
}


def parse_settings(data: Mapping[str, Any], path: Path) -> Settings:
    """Validate parsed TOML into Settings; relative paths resolve against the file's folder."""
    reader = _Reader(path)
    _check_known(data, path)
    faq = reader.section(data, "faq")
    matching = reader.section(data, "matching")
    telegram = reader.section(data, "telegram")
    crisis = reader.section(data, "crisis")
    paging = reader.section(data, "paging")
    policy = reader.text(crisis, "crisis", "after_hours_policy", AfterHours.OFFER.value)
    if policy not in ("offer", "auto"):
        raise reader.fail("crisis", "after_hours_policy", "'offer' or 'auto'", policy)
    defaults = Settings()
    base = MatchingSettings()
    answer = reader.number(matching, "matching", "answer_threshold", base.answer_threshold)
    clarify = reader.number(matching, "matching", "clarify_threshold", base.clarify_threshold)
    if clarify > answer:
        raise ConfigError(f"{path}: [matching] clarify_threshold must not exceed answer_threshold")
    return Settings(
        source=str(path),
        faq_dir=reader.path(faq, "faq", "dir", defaults.faq_dir),
        matching=MatchingSettings(
            answer_threshold=answer,
            clarify_threshold=clarify,
            margin=reader.number(matching, "matching", "margin", base.margin),
            clarify_candidates=int(
                reader.number(matching, "matching", "clarify_candidates", 3, low=1, high=5)
            ),
            answer_probability=_probability(reader, matching, "answer_probability"),
            clarify_probability=_probability(reader, matching, "clarify_probability"),
        ),
        office_hours=_office_hours(reader, reader.section(data, "office_hours")),
        contacts=_contacts(reader, reader.section(data, "contacts")),
        crisis=CrisisSettings(after_hours_policy=AfterHours(policy)),
        helpdesk=_helpdesk(reader, reader.section(data, "helpdesk")),
        telegram=_telegram(reader, telegram),
        database=reader.path(reader.section(data, "storage"), "storage", "path", defaults.database),
        paging=Policy(
            ack_timeout=reader.duration(paging, "paging", "ack_timeout", Policy().ack_timeout),
            resolve_reminder=reader.duration(
                paging, "paging", "resolve_reminder", Policy().resolve_reminder
            ),
        ),
        sweep_interval=reader.duration(paging, "paging", "sweep_interval", timedelta(seconds=2)),
        limits=_limits(reader, reader.section(data, "limits")),
    )


def _probability(reader: _Reader, table: Mapping[str, Any], key: str) -> float | None:
    if key not in table:
        return None
    return reader.number(table, "matching", key, 0.5, low=0.01, high=0.99)


def _limits(reader: _Reader, table: Mapping[str, Any]) -> Limits:
    """Every limit is a whole number of at least 1: a first question, ticket or crisis report
    always goes through."""
    base = Limits()

    def count(key: str) -> int:
        value = table.get(key, getattr(base, key))
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
            raise reader.fail("limits", key, "a whole number from 1 to 10000", value)
        return value

    return Limits(**{key: count(key) for key in _KNOWN["limits"]})


def _check_regions(reader: _Reader, table: str, values: Mapping[str, Any]) -> None:
    """A misspelt region would leave that region's account managers silently untold."""
    unknown = sorted(set(values) - set(OTAV_REGIONS))
    if unknown:
        raise ConfigError(
            f"{reader.file}: [{table}] unknown region {unknown[0]!r};"
            f" expected one of {', '.join(OTAV_REGIONS)}"
        )


def _check_known(data: Mapping[str, Any], path: Path) -> None:
    for name, table in data.items():
        if name not in _KNOWN:
            known = ", ".join(f"[{n}]" for n in _KNOWN)
            raise ConfigError(f"{path}: unknown section [{name}]; expected one of {known}")
        for key in table if isinstance(table, dict) else ():
            if key not in _KNOWN[name]:
                known = ", ".join(sorted(_KNOWN[name]))
                raise ConfigError(f"{path}: [{name}] unknown key {key!r}; expected one of {known}")


def _office_hours(reader: _Reader, table: Mapping[str, Any]) -> OfficeHours:
    base = OfficeHours()
    days = table.get("days", list(WEEKDAYS[:5]))
    if not isinstance(days, list) or not all(isinstance(d, str) for d in days):
        raise reader.fail("office_hours", "days", "a list of weekdays such as ['mon', 'tue']", days)
    try:
        numbers = weekday_numbers(days)
    except ValueError as exc:
        raise ConfigError(f"{reader.file}: [office_hours] days: {exc}") from None
    opens = reader.clock_time(table, "office_hours", "open", base.opens)
    closes = reader.clock_time(table, "office_hours", "close", base.closes)
    if closes <= opens:
        raise ConfigError(
            f"{reader.file}: [office_hours] close ({closes:%H:%M}) "
            f"must be after open ({opens:%H:%M})"
        )
    zone_name = reader.text(table, "office_hours", "timezone", "Europe/Amsterdam")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.fail(
            "office_hours", "timezone", "an IANA zone such as Europe/Amsterdam", zone_name
        ) from None
    holidays = table.get("public_holidays", True)
    if not isinstance(holidays, bool):
        raise reader.fail("office_hours", "public_holidays", "true or false", holidays)
    closed = table.get("closed_dates", [])
    if not isinstance(closed, list) or not all(isinstance(d, date) for d in closed):
        raise reader.fail(
            "office_hours", "closed_dates", "a list of dates such as [2026-12-24]", closed
        )
    return OfficeHours(
        days=numbers,
        opens=opens,
        closes=closes,
        zone=zone,
        public_holidays=holidays,
        closed_dates=frozenset(closed),
    )


def _helpdesk(reader: _Reader, table: Mapping[str, Any]) -> HelpdeskSettings:
    chat_id = table.get("chat_id")
    if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
        raise reader.fail("helpdesk", "chat_id", "a Telegram chat id (a whole number)", chat_id)
    mode = reader.text(table, "helpdesk", "mode", HelpdeskMode.REPLIES.value)
    if mode not in {m.value for m in HelpdeskMode}:
        raise reader.fail("helpdesk", "mode", "'topics' or 'replies'", mode)
    chats = table.get("region_chats", {})
    if not isinstance(chats, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in chats.values()
    ):
        raise reader.fail("helpdesk", "region_chats", "a table of region = chat id", chats)
    _check_regions(reader, "helpdesk.region_chats", chats)
    retention = reader.duration(table, "helpdesk", "retention", timedelta(days=90))
    return HelpdeskSettings(
        chat_id=chat_id, mode=HelpdeskMode(mode), region_chats=dict(chats), retention=retention
    )


def _telegram(reader: _Reader, table: Mapping[str, Any]) -> TelegramSettings:
    base = TelegramSettings()
    if reader.text(table, "telegram", "webhook_url", "") and not reader.text(
        table, "telegram", "webhook_secret", ""
    ):
        # Without the secret anyone who finds the URL can post forged updates to the bot.
        raise ConfigError(
            f"{reader.file}: [telegram] webhook_secret: required when webhook_url is set"
            " (Telegram sends it with every update, so forged ones are refused)"
        )
    return TelegramSettings(
        token=reader.text(table, "telegram", "token", ""),
        base_url=reader.text(table, "telegram", "base_url", base.base_url),
        username=reader.text(table, "telegram", "username", "").lstrip("@"),
        webhook_url=reader.text(table, "telegram", "webhook_url", ""),
        webhook_secret=reader.text(table, "telegram", "webhook_secret", ""),
        webhook_listen=reader.text(table, "telegram", "webhook_listen", base.webhook_listen),
        webhook_port=int(
            reader.number(table, "telegram", "webhook_port", base.webhook_port, 1, 65535)
        ),
        rate_limit=int(reader.number(table, "telegram", "rate_limit", base.rate_limit, 1, 10000)),
    )


def _contacts(reader: _Reader, table: Mapping[str, Any]) -> Contacts:
    base = Contacts()
    regions = table.get("regions", {})
    if not isinstance(regions, dict) or not all(isinstance(v, str) for v in regions.values()):
        raise reader.fail("contacts", "regions", "a table of region = 'contact text'", regions)
    _check_regions(reader, "contacts.regions", regions)
    return Contacts(
        emergency=reader.text(table, "contacts", "emergency", base.emergency),
        otav_phone=reader.text(table, "contacts", "otav_phone", base.otav_phone),
        otav_email=reader.text(table, "contacts", "otav_email", base.otav_email),
        ngb_phone=reader.text(table, "contacts", "ngb_phone", base.ngb_phone),
        regions={str(k): v.strip() for k, v in regions.items()},
    )


def parse_duration(value: str) -> timedelta:
    """Parse a duration such as "30s", "5m", "2h" or "7d"; raise ValueError otherwise."""
    match = _DURATION.match(value)
    if not match:
        raise ValueError(f"expected a duration such as '30s', '5m', '2h' or '7d', got {value!r}")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def _with_env_token(settings: Settings, env: Mapping[str, str]) -> Settings:
    token = env.get(TOKEN_ENV, "").strip()
    if not token:
        return settings
    return replace(settings, telegram=replace(settings.telegram, token=token))


class _Reader:
    """Typed access to config values, with errors that name the file, section and key."""

    def __init__(self, path: Path) -> None:
        self.file = path

    def fail(self, section: str, key: str, expected: str, got: object) -> ConfigError:
        return ConfigError(f"{self.file}: [{section}] {key}: expected {expected}, got {got!r}")

    def section(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.file}: [{name}] must be a table")
        return value

    def number(
        self,
        table: Mapping[str, Any],
        section: str,
        key: str,
        default: float,
        low: float = 0,
        high: float = 100,
    ) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(section, key, f"a number from {low:g} to {high:g}", value)
        if not low <= value <= high:
            raise self.fail(section, key, f"a number from {low:g} to {high:g}", value)
        return float(value)

    def text(self, table: Mapping[str, Any], section: str, key: str, default: str) -> str:
        value = table.get(key, default)
        if not isinstance(value, str):
            raise self.fail(section, key, "text", value)
        return value.strip()

    def path(self, table: Mapping[str, Any], section: str, key: str, default: Path) -> Path:
        if key not in table:
            return default
        value = self.text(table, section, key, "")
        if not value:
            raise self.fail(section, key, "a path", value)
        return (self.file.parent / value).resolve()

    def clock_time(self, table: Mapping[str, Any], section: str, key: str, default: time) -> time:
        value = table.get(key)
        if value is None:
            return default
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(str(value))
        except ValueError:
            raise self.fail(section, key, "a time of day such as '09:00'", value) from None

    def duration(
        self, table: Mapping[str, Any], section: str, key: str, default: timedelta
    ) -> timedelta:
        value = table.get(key)
        if value is None:
            return default
        try:
            return parse_duration(str(value)) if isinstance(value, str) else _no_duration()
        except ValueError:
            raise self.fail(
                section, key, "a duration such as '30s', '5m', '2h' or '7d'", value
            ) from None


def _no_duration() -> timedelta:
    raise ValueError("not text")
