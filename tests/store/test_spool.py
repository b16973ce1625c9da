"""The spool keeps updates in a file while the database is locked, and survives a torn line."""

from __future__ import annotations

from pathlib import Path

from bot.store.spool import Spool


def test_spooled_updates_come_back_in_order_and_clear(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "db.sqlite3.spool")
    spool.append(7, '{"update_id": 7}')
    spool.append(8, '{"update_id": 8, "text": "ë 😀"}')
    assert Spool(tmp_path / "db.sqlite3.spool").read() == [
        (7, '{"update_id": 7}'),
        (8, '{"update_id": 8, "text": "ë 😀"}'),
    ]
    spool.clear()
    assert spool.read() == [] and not (tmp_path / "db.sqlite3.spool").exists()


def test_a_line_cut_short_by_a_crash_is_left_out_and_takes_nothing_with_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "db.sqlite3.spool"
    spool = Spool(path)
    spool.append(1, "{}")
    with path.open("a", encoding="utf-8") as file:
        file.write('\n{"id": 2, "upd')  # killed halfway through an append
    spool.append(3, "{}")
    assert spool.read() == [(1, "{}"), (3, "{}")]


def test_an_update_spooled_while_others_are_moved_is_not_cleared_with_them(
    tmp_path: Path,
) -> None:
    for spool in (Spool(tmp_path / "db.sqlite3.spool"), Spool(None)):
        spool.append(1, "{}")
        assert spool.read() == [(1, "{}")]
        spool.append(2, "{}")  # while 1 is being moved into the inbox
        spool.clear()
        assert spool.read() == [(2, "{}")]


def test_without_a_file_it_keeps_them_in_memory() -> None:
    spool = Spool(None)
    spool.append(3, "{}")
    assert spool.read() == [(3, "{}")]
    spool.clear()
    assert spool.read() == []
