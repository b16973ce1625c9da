"""Loading the FAQ: the bundled content is valid, and each kind of mistake is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.faq import load_faq
from bot.core.faqcheck import ambiguous_phrasings
from bot.errors import FaqError
from bot.wiring import build_matcher
from tests.conftest import GOOD_ENTRIES, ROOT, entry_toml, write_faq


def problems(folder: Path) -> list[str]:
    with pytest.raises(FaqError) as caught:
        load_faq(folder)
    return caught.value.problems


def test_bundled_faq_is_valid_and_covers_every_topic() -> None:
    faq = load_faq(ROOT / "faq")
    assert ambiguous_phrasings(faq, build_matcher(faq)) == []
    assert len(faq.entries) >= 45
    for entry in faq.entries:
        assert len(entry.phrasings) >= 6, entry.id
        assert faq.theme(entry.theme) is not None


def test_small_valid_faq_loads(tmp_path: Path) -> None:
    faq = load_faq(write_faq(tmp_path))
    assert [e.id for e in faq.entries] == ["otav-wat", "gzza"]
    assert [e.id for e in faq.in_theme("huis")] == ["gzza"]


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    found = problems(write_faq(tmp_path, GOOD_ENTRIES + "[[entry]\nid = 'x'\n"))
    assert len(found) == 1
    assert found[0].startswith("otav.toml:-: invalid TOML")
    assert "line" in found[0]


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    twice = GOOD_ENTRIES + entry_toml("gzza", "huis", "Nog eens?", ["a b"] * 6)
    assert "otav.toml:gzza: duplicate id (also in otav.toml)" in problems(
        write_faq(tmp_path, twice)
    )


def test_an_id_a_button_could_not_carry_is_refused(tmp_path: Path) -> None:
    """Entry and theme ids travel in button data: one that could not would make a button
    that always says it has expired."""
    long_id = "a" * 49
    folder = write_faq(tmp_path, GOOD_ENTRIES + entry_toml(long_id, "huis", "Lang?", ["a b"] * 6))
    themes = folder / "themes.toml"
    themes.write_text(themes.read_text().replace('id = "huis"', 'id = "huis_2"'))
    found = problems(folder)
    rule = "id must be lowercase letters, digits and '-', at most 48 characters"
    assert f"otav.toml:{long_id}: {rule}" in found
    assert f"themes.toml:huis_2: {rule}" in found


def test_missing_and_empty_fields_are_named(tmp_path: Path) -> None:
    broken = GOOD_ENTRIES + '[[entry]]\nid = "leeg"\ntheme = "otav"\nquestion = " "\n'
    found = problems(write_faq(tmp_path, broken))
    assert "otav.toml:leeg: empty field 'question'" in found
    assert "otav.toml:leeg: missing field 'answer' (text expected)" in found
    assert "otav.toml:leeg: missing field 'phrasings' (a list of texts)" in found
    assert "otav.toml:leeg: missing field 'as_of' (a date such as 2016-01-08)" in found


def test_a_wrong_type_is_named_as_such_and_the_topic_is_not_called_missing(
    tmp_path: Path,
) -> None:
    wrong = GOOD_ENTRIES.replace('question = "Wat is het GZZA?"', "question = 5").replace(
        "as_of = 2016-01-08", 'as_of = "gisteren"', 1
    )
    found = problems(write_faq(tmp_path, wrong, required=["otav-wat", "gzza"]))
    assert "otav.toml:gzza: field 'question' must be text, got 5" in found
    assert (
        "otav.toml:otav-wat: field 'as_of' must be a date such as 2016-01-08, got 'gisteren'"
        in found
    )
    assert not [line for line in found if "required topic has no entry" in line]


def test_too_few_phrasings_unknown_theme_and_source(tmp_path: Path) -> None:
    odd = entry_toml("vreemd", "sport", "Wat?", ["een", "twee"]).replace('"doc"', '"wiki"')
    found = problems(write_faq(tmp_path, GOOD_ENTRIES + odd))
    assert "otav.toml:vreemd: unknown theme 'sport' (not in themes.toml)" in found
    assert "otav.toml:vreemd: 'phrasings' needs at least 6, has 2" in found
    assert "otav.toml:vreemd: unknown source 'wiki' (not in sources.toml)" in found


def test_missing_required_topic_is_reported(tmp_path: Path) -> None:
    folder = write_faq(tmp_path, required=["otav-wat", "gzza", "nl-alert"])
    assert problems(folder) == ["topics.toml:nl-alert: required topic has no entry"]


def test_missing_folder_and_file(tmp_path: Path) -> None:
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}:-: FAQ folder not found"]
    folder = write_faq(tmp_path / "faq")
    (folder / "themes.toml").unlink()
    found = problems(folder)
    assert "themes.toml:-: file not found" in found


def test_ambiguous_phrasing_is_reported(tmp_path: Path) -> None:
    stolen = GOOD_ENTRIES.replace('"otav info"', '"gzza regeling"')
    faq = load_faq(write_faq(tmp_path, stolen))
    found = ambiguous_phrasings(faq, build_matcher(faq))
    assert [line.split(" (")[0] for line in found] == [
        "otav.toml:otav-wat: phrasing 'gzza regeling' ranks under 'gzza'",
        "otav.toml:gzza: phrasing 'gzza regeling' ranks under 'otav-wat'",
    ]


def test_english_phrasings_are_optional_and_a_wrong_one_is_named(tmp_path: Path) -> None:
    odd = entry_toml("vreemd", "otav", "Wat is vreemd?", [f"vreemd {n}" for n in range(6)])
    odd = odd.replace("phrasings = [", 'phrasings_en = ["odd", 3]\nphrasings = [', 1)
    found = problems(write_faq(tmp_path, GOOD_ENTRIES + odd))
    assert any(p.startswith("otav.toml:vreemd: field 'phrasings_en' must be") for p in found)
