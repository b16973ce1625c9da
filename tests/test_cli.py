"""The command line: the `ask --json` contract, `faq check`, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import GOOD_ENTRIES, write_faq
from tests.helpers import run_cli

FIELDS = {"question", "route", "faq_id", "alternatives", "score", "crisis", "reply"}


def test_ask_json_answers_one_question(tmp_path: Path) -> None:
    result = run_cli("ask", "--json", "Wat is het OTAV?", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert set(record) == FIELDS
    assert record["route"] == "answer"
    assert record["faq_id"] == "otav-wat-is-het"
    assert 0 <= record["score"] <= 100
    assert record["crisis"] is False
    assert "Bron:" in record["reply"]


def test_ask_json_reads_one_question_per_stdin_line(tmp_path: Path) -> None:
    lines = ["wat is het gzza", "hallo", "", "hoe vraag ik een paspoort aan", "🙂🙂🙂"]
    result = run_cli("ask", "--json", stdin="\n".join(lines) + "\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == lines
    assert [r["route"] for r in records] == [
        "answer",
        "smalltalk",
        "smalltalk",
        "handoff",
        "smalltalk",
    ]
    assert records[0]["faq_id"] == "gzza"
    assert records[3]["faq_id"] is None


def test_ask_handles_huge_and_control_character_messages(tmp_path: Path) -> None:
    huge = "opvang " * 1500
    odd = "wat\x00is\x07het\x1bgzza"
    result = run_cli("ask", "--json", stdin=f"{huge}\n{odd}\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    assert all(r["reply"] for r in records)
    assert records[1]["faq_id"] == "gzza"


def test_ask_rejects_unknown_role_with_the_allowed_values(tmp_path: Path) -> None:
    result = run_cli("ask", "--json", "--role", "king", "test", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'king'" in result.stderr
    assert "mayor" in result.stderr and "deputy_mayor" in result.stderr


def test_ask_rejects_unparsable_time(tmp_path: Path) -> None:
    result = run_cli("ask", "--json", "--at", "zaterdag laat", "test", cwd=tmp_path)
    assert result.returncode == 2
    assert "expected a time in ISO-8601" in result.stderr


def test_faq_check_passes_on_the_bundled_faq(tmp_path: Path) -> None:
    result = run_cli("faq", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_faq_check_lists_problems_and_fails(tmp_path: Path) -> None:
    faq = write_faq(
        tmp_path / "faq", GOOD_ENTRIES.replace('"Het antwoord op Wat is het GZZA?"', '""')
    )
    config = tmp_path / "config.toml"
    config.write_text('[faq]\ndir = "faq"\n', encoding="utf-8")
    result = run_cli("faq", "check", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert "otav.toml:gzza: empty field 'answer'" in result.stderr
    assert faq.is_dir()


def test_shell_refuses_to_start_on_a_broken_faq(tmp_path: Path) -> None:
    write_faq(tmp_path / "faq", GOOD_ENTRIES + "[[entry]\n")
    (tmp_path / "config.toml").write_text('[faq]\ndir = "faq"\n', encoding="utf-8")
    result = run_cli("shell", stdin="hallo\n", cwd=tmp_path)
    assert result.returncode == 1
    assert "otav.toml:-: invalid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_config_file_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("ask", "--config", "nope.toml", "test", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "error: nope.toml: config file not found"


def test_config_with_wrong_type_names_key_and_expectation(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[matching]\nmargin = "veel"\n', encoding="utf-8")
    result = run_cli("ask", "test", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: config.toml: [matching] margin: expected a number from 0 to 100, got 'veel'"
    )


def test_control_characters_and_windows_line_ends_are_dropped(tmp_path: Path) -> None:
    result = run_cli("ask", "--json", stdin="wat is het\x00gzza\r\n", cwd=tmp_path)
    record = json.loads(result.stdout)
    assert record["question"] == "wat is het gzza"
    assert record["route"] == "answer" and record["faq_id"] == "gzza"


def test_faq_calibrate_then_check_and_a_changed_faq_makes_the_calibration_stale(
    tmp_path: Path,
) -> None:
    faq = write_faq(tmp_path / "faq")
    (tmp_path / "config.toml").write_text('[faq]\ndir = "faq"\n', encoding="utf-8")
    made = run_cli("faq", "calibrate", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "answer from p = " in made.stdout and (faq / "calibration.toml").is_file()
    assert run_cli("faq", "check", cwd=tmp_path).returncode == 0
    # One phrasing more: the fit no longer fits this FAQ, and check says what to do.
    otav = faq / "otav.toml"
    otav.write_text(
        otav.read_text(encoding="utf-8").replace('"otav info"', '"otav info", "otav team"'),
        encoding="utf-8",
    )
    stale = run_cli("faq", "check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "calibration.toml:-: stale" in stale.stderr and "faq calibrate" in stale.stderr
    assert "Traceback" not in stale.stderr
    # The bot refuses to start on it too, rather than decide on weights for another FAQ.
    refused = run_cli("ask", "wat is het otav", cwd=tmp_path)
    assert refused.returncode == 1 and "stale" in refused.stderr


def test_ask_in_english_answers_from_the_english_side(tmp_path: Path) -> None:
    result = run_cli("ask", "--json", "--lang", "en", "What is OTAV?", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["faq_id"] == "otav-wat-is-het" and "📄 Source:" in record["reply"]
    assert set(record) == FIELDS  # the interface others rely on: no field more
