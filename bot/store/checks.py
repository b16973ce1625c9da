"""Before start-up: refuse a database that is empty, damaged or not writable, in one line."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import tempfile
from pathlib import Path

from bot.errors import StoreError

# Primary result codes (the low byte of an extended code).
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_NOT_WRITABLE = (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN)
_FIX_PATH = "fix [storage] path"


def check_database(path: Path) -> None:
    """Raise StoreError unless the bot can use `path`: a missing file is fine, it is created.

    Never creates or changes the file. A database another process is writing is fine:
    the bot waits for a busy database at run time.
    """
    try:
        info = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        _check_folder_for_new(path)
        return
    except OSError as exc:
        raise StoreError(f"{path} cannot be read ({exc.strerror}): {_FIX_PATH}") from None
    if stat.S_ISDIR(info.st_mode):
        raise StoreError(f"{path} is a folder, not a database: {_FIX_PATH}")
    if info.st_size == 0:
        raise StoreError(_empty(path))
    if not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(_read_only(path, "permission denied"))
    _check_folder(path, path.parent)
    _check_contents(path)


def _check_folder_for_new(path: Path) -> None:
    """The first start creates the file and any missing folders: the nearest must allow it."""
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise StoreError(f"{path} cannot be created: {folder} is a file, not a folder: {_FIX_PATH}")
    _check_folder(path, folder)


def _check_folder(path: Path, folder: Path) -> None:
    """SQLite keeps its -wal, -shm and -journal files next to the database."""
    problem = None
    if not os.access(folder, os.W_OK | os.X_OK):
        problem = "permission denied"
    else:
        try:  # root passes os.access; a real file says what the folder allows
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            problem = exc.strerror or str(exc)
    if problem is not None:
        raise StoreError(
            f"{path}: its folder {folder} is not writable ({problem}): "
            "give the bot's user write access to it"
        )


def _check_contents(path: Path) -> None:
    """Read the schema version and check the pages, then try a write and roll it back."""
    # mode=rw: checking never creates a file; a short timeout: a busy database is fine.
    try:
        db = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(_problem(path, exc)) from None
    with contextlib.closing(db):
        try:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            tables = int(
                db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            )
            if tables == 0:
                raise StoreError(_empty(path))
            if version == 0:
                raise StoreError(
                    f"{path} is not a helpdesk database (it has tables but no schema version): "
                    f"{_FIX_PATH}, or restore it from a backup"
                )
            found = [str(row[0]) for row in db.execute("PRAGMA quick_check(3)")]
            if found != ["ok"]:
                raise StoreError(_damaged(path, "; ".join(found)))
            # A real write, rolled back: it needs the file and a journal next to it writable.
            db.execute("BEGIN IMMEDIATE")
            db.execute(f"PRAGMA user_version = {version}")
            db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            if _code(exc) in _BUSY:
                return  # another process is writing: the bot copes with that at run time
            raise StoreError(_problem(path, exc)) from None
        finally:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1)) & 0xFF


def _problem(path: Path, exc: sqlite3.Error) -> str:
    if _code(exc) in _NOT_WRITABLE:
        return _read_only(path, str(exc))
    return _damaged(path, str(exc))


def _empty(path: Path) -> str:
    return f"{path} is empty: restore it from a backup, or delete it to start afresh"


def _damaged(path: Path, detail: str) -> str:
    detail = " ".join(detail.replace("*** in database main ***", "").split())
    if len(detail) > 120:
        detail = detail[:117] + "..."
    return f"{path} is damaged ({detail}): restore it from a backup"


def _read_only(path: Path, detail: str) -> str:
    return (
        f"{path} is not writable ({detail}): give the bot's user write access to it and its folder"
    )
