"""Open the SQLite database: WAL, foreign keys, and migrations applied in order."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import aiosqlite

from bot.errors import StoreError
from bot.store.connection import Connection
from bot.store.schema import MIGRATIONS

log = logging.getLogger(__name__)


async def open_database(path: Path | str) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database; raise StoreError if it cannot."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        db = await aiosqlite.connect(str(path), isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from exc
    try:
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA foreign_keys = ON")
        # Other processes (the admin commands, a backup) hold the write lock for milliseconds;
        # a second means something is wrong, and the user should hear so without waiting.
        await db.execute("PRAGMA busy_timeout = 1000")
        await migrate(db)
    except BaseException as exc:
        await db.close()  # else its worker thread outlives the caller
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{path}: cannot open the database: {exc}") from exc
        raise
    return db


async def schema_version(db: aiosqlite.Connection | Connection) -> int:
    """Return the number of migrations applied to a database."""
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(db: aiosqlite.Connection, target: int = len(MIGRATIONS)) -> None:
    """Apply the migrations a database lacks, each in its own transaction."""
    current = await schema_version(db)
    if current > len(MIGRATIONS):
        raise StoreError(
            f"the database has schema version {current}, newer than this bot knows "
            f"({len(MIGRATIONS)}); upgrade the bot"
        )
    for version in range(current + 1, target + 1):
        script = MIGRATIONS[version - 1]
        try:
            await db.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;")
        except sqlite3.Error:
            if db.in_transaction:
                await db.rollback()
            raise
        log.info("database migrated to schema version %d", version)
