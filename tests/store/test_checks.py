"""The start-up check: empty, damaged and read-only databases are refused; busy ones are not."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.errors import StoreError
from bot.store.checks import check_database
from bot.store.sqlite import Store


async def migrated(path: Path, rows: int = 0) -> Path:
    """Make a database as the bot does, with `rows` filler rows to give it some pages."""
    store = await Store.open(path)
    await store.close()
    if rows:
        raw = sqlite3.connect(path)
        raw.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)")
        raw.executemany(
            "INSERT INTO filler (body) VALUES (?)",
            [(f"row {i} " + "x" * 100,) for i in range(rows)],
        )
        raw.commit()
        raw.close()
    return path


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def refusal(path: Path) -> str:
    with pytest.raises(StoreError) as caught:
        check_database(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


@contextmanager
def read_only(target: Path) -> Iterator[None]:
    """Make a file or folder unwritable: by its mode, or for root (who ignores modes) chattr +i."""
    if os.geteuid() != 0:
        mode = target.stat().st_mode
        target.chmod(mode & ~0o222)
        try:
            yield
        finally:
            target.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root, who ignores file modes, and chattr is not installed")
    made = subprocess.run([chattr, "+i", str(target)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"running as root, who ignores file modes, and chattr +i failed: {made.stderr}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(target)], check=True)


def test_a_missing_file_is_fine_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    check_database(path)
    assert names(tmp_path) == []


def test_a_missing_file_in_missing_folders_is_fine(tmp_path: Path) -> None:
    check_database(tmp_path / "var" / "data" / "helpdesk.sqlite3")
    assert names(tmp_path) == []


async def test_a_database_made_by_the_bot_passes_and_is_left_as_it_was(tmp_path: Path) -> None:
    path = await migrated(tmp_path / "db.sqlite3", rows=200)
    before = path.read_bytes()
    check_database(path)
    assert path.read_bytes() == before
    assert names(tmp_path) == ["db.sqlite3"]  # no -wal, -shm or -journal left


def test_a_zero_byte_file_is_refused_as_empty_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.touch()
    assert refusal(path) == (
        f"{path} is empty: restore it from a backup, or delete it to start afresh"
    )
    assert path.stat().st_size == 0
    assert names(tmp_path) == ["db.sqlite3"]


def test_a_database_without_tables_is_refused_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode = WAL")  # writes the header page, nothing else
    raw.close()
    assert path.stat().st_size > 0
    assert " is empty: " in refusal(path)


def test_tables_without_a_schema_version_are_not_a_helpdesk_database(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    raw.close()
    assert "is not a helpdesk database" in refusal(path)


def test_random_bytes_are_refused_as_damaged(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(random.Random(1).randbytes(10_000))
    assert refusal(path) == (
        f"{path} is damaged (file is not a database): restore it from a backup"
    )


async def test_pages_overwritten_in_the_middle_are_refused_as_damaged(tmp_path: Path) -> None:
    path = await migrated(tmp_path / "db.sqlite3", rows=200)
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:8192] = random.Random(2).randbytes(4096)
    path.write_bytes(data)
    message = refusal(path)
    assert message.startswith(f"{path} is damaged (")
    assert message.endswith("): restore it from a backup")


async def test_a_database_another_process_is_writing_passes(tmp_path: Path) -> None:
    path = await migrated(tmp_path / "db.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        check_database(path)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


async def test_a_database_locked_even_for_readers_passes(tmp_path: Path) -> None:
    path = await migrated(tmp_path / "db.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = DELETE")
        writer.execute("BEGIN EXCLUSIVE")
        done = threading.Event()

        def check() -> None:
            check_database(path)  # waits a second at most, then lets it be
            done.set()

        threading.Thread(target=check).start()
        assert done.wait(5)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("not a folder")
    path = tmp_path / "var" / "helpdesk.sqlite3"
    assert refusal(path) == (
        f"{path} cannot be created: {tmp_path / 'var'} is a file, not a folder: fix [storage] path"
    )


def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    path.mkdir()
    assert refusal(path) == f"{path} is a folder, not a database: fix [storage] path"


async def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = await migrated(tmp_path / "db.sqlite3")
    with read_only(path):
        message = refusal(path)
    assert message.startswith(f"{path} is not writable (")
    assert message.endswith("give the bot's user write access to it and its folder")


async def test_a_database_in_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = await migrated(folder / "db.sqlite3")
    with read_only(folder):
        message = refusal(path)
    assert message.startswith(f"{path}: its folder {folder} is not writable (")


def test_a_new_database_in_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "var" / "db.sqlite3"
    with read_only(folder):
        message = refusal(path)
    assert message.startswith(f"{path}: its folder {folder} is not writable (")


async def test_a_read_only_file_is_found_by_a_real_write_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = await migrated(tmp_path / "db.sqlite3")
    monkeypatch.setattr("bot.store.checks.os.access", lambda *_: True)  # as on some mounts
    with read_only(path):
        message = refusal(path)
    assert message == (
        f"{path} is not writable (attempt to write a readonly database): "
        "give the bot's user write access to it and its folder"
    )


async def test_a_read_only_folder_is_found_by_a_real_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    path = await migrated(folder / "db.sqlite3")
    monkeypatch.setattr("bot.store.checks.os.access", lambda *_: True)
    with read_only(folder):
        message = refusal(path)
    assert message.startswith(f"{path}: its folder {folder} is not writable (")
