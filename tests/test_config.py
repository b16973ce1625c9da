"""Settings: the example file is complete and valid; a bad value names file, key and problem."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import OTAV_REGIONS, load_settings
from bot.errors import ConfigError
from tests.conftest import ROOT


def test_the_example_config_loads_with_its_documented_values() -> None:
    settings = load_settings(ROOT / "config.example.toml", environ={})
    assert settings.paging.ack_timeout == timedelta(minutes=5)
    assert settings.paging.resolve_reminder == timedelta(minutes=30)
    assert settings.sweep_interval == timedelta(seconds=2)
    assert settings.telegram.rate_limit == 30
    assert settings.helpdesk.retention == timedelta(days=90)
    assert settings.contacts.ngb_phone == "070-373 8080"
    assert settings.database == ROOT / "var" / "helpdesk.sqlite3"


def test_the_token_may_come_from_the_environment() -> None:
    settings = load_settings(
        ROOT / "config.example.toml", environ={"HELPDESK_TELEGRAM_TOKEN": "123:abc"}
    )
    assert settings.telegram.token == "123:abc"


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        ('[paging]\nack_timeout = "5 minuten"', "[paging] ack_timeout"),
        ('[helpdesk]\nmode = "forum"', "'topics' or 'replies'"),
        ('[crisis]\nafter_hours_policy = "sometimes"', "'offer' or 'auto'"),
        ("[telegram]\nrate_limit = 0", "[telegram] rate_limit"),
        ('[helpdesk]\nchat_id = "agents"', "a Telegram chat id"),
        ("[office_hours]\ndays = ['maandag']", "[office_hours] days"),
        ("[matching]\nanswer_threshold = 40\nclarify_threshold = 50", "clarify_threshold"),
        ("[paging\nack_timeout = 1", "invalid TOML"),
        ('[pagin]\nack_timeout = "1m"', "unknown section [pagin]"),
        ('[contacts.regions]\nNoordoost = "x@example.org"', "unknown region 'Noordoost'"),
        ('[telegram]\nwebhook_url = "https://x.example/telegram"', "[telegram] webhook_secret"),
        ('[paging]\nack_timeuot = "1m"', "[paging] unknown key 'ack_timeuot'"),
        ("[limits]\ncrisis_tickets_per_hour = 0", "[limits] crisis_tickets_per_hour"),
        ('[limits]\nquestions_per_minute = "veel"', "a whole number from 1 to 10000"),
        ("[matching]\nanswer_probability = 1.5", "[matching] answer_probability"),
    ],
)
def test_a_bad_value_names_the_file_and_what_is_expected(
    tmp_path: Path, toml: str, says: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value).startswith(str(path))
    assert says in str(caught.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_regions_in_config_checks_match_the_bundled_data() -> None:
    data = tomllib.loads((ROOT / "bot" / "data" / "regions.toml").read_text(encoding="utf-8"))
    assert tuple(data["regions"]) == OTAV_REGIONS
