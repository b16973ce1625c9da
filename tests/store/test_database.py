"""The database: migrations from empty and from older versions, WAL and foreign keys."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.actions import Claim
from bot.core.clock import AMSTERDAM
from bot.core.models import Button, Grant, Outgoing, Purpose, Role
from bot.errors import StoreError
from bot.store.database import migrate, open_database, schema_version
from bot.store.schema import MIGRATIONS
from bot.store.sqlite import Store

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)


async def test_empty_database_gets_the_whole_schema(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "new.sqlite3")
    try:
        assert await schema_version(db) == len(MIGRATIONS)
        async with db.execute("PRAGMA journal_mode") as cursor:
            assert (await cursor.fetchone())[0] == "wal"  # type: ignore[index]
        async with db.execute("PRAGMA foreign_keys") as cursor:
            assert (await cursor.fetchone())[0] == 1  # type: ignore[index]
    finally:
        await db.close()


async def test_opening_twice_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "twice.sqlite3"
    for _ in range(2):
        store = await Store.open(path)
        await store.close()
    store = await Store.open(path)
    try:
        assert await schema_version(store.db) == len(MIGRATIONS)
    finally:
        await store.close()


async def test_previous_version_is_migrated_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    # Build a database as the previous release left it, with a user and an invite in it.
    raw = sqlite3.connect(path)
    raw.executescript(MIGRATIONS[0] + "\nPRAGMA user_version = 1;")
    raw.execute(
        "INSERT INTO users (user_id, chat_id, role, municipality, created_at)"
        " VALUES (42, 42, 'mayor', 'Brummen', '2026-01-01T00:00:00+00:00')"
    )
    raw.commit()
    raw.close()
    store = await Store.open(path)
    try:
        assert await schema_version(store.db) == len(MIGRATIONS)
        member = await store.users.get(42)
        assert member is not None and member.role is Role.MAYOR
        async with store.transaction():
            ticket = await store.tickets.create(
                user_id=42, chat_id=42, question="q", language="nl", urgent=False, now=NOW
            )
        assert ticket.id == 1
    finally:
        await store.close()


async def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer than this bot knows"):
        await open_database(path)


async def test_invite_codes_are_single_use_and_stored_hashed(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        grant = Grant(role=Role.STAFF, municipality="Brummen", name=None)
        async with store.transaction():
            await store.invites.create("secret-code", grant, NOW, NOW.replace(day=30))
            async with store.db.execute("SELECT code_hash FROM invites") as cursor:
                stored = (await cursor.fetchone())[0]  # type: ignore[index]
            assert "secret-code" not in stored
            assert await store.invites.redeem("secret-code", 1, NOW) == grant
            assert await store.invites.redeem("secret-code", 2, NOW) is None
    finally:
        await store.close()


async def test_migration_failure_rolls_back(tmp_path: Path) -> None:
    db = await open_database(tmp_path / "db.sqlite3")
    try:
        await db.execute("PRAGMA user_version = 1")
        with pytest.raises(sqlite3.Error):
            await migrate(db)  # migration 2 finds its tables already there
        assert await schema_version(db) == 1
    finally:
        await db.close()


async def test_forgetting_a_user_drops_their_updates_not_yet_handled(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        async with store.transaction():
            for number, who in ((1, 5), (2, 6)):
                message = {"message": {"text": "vraag", "from": {"id": who}, "chat": {"id": who}}}
                await store.inbox.keep(number, json.dumps(message), now)
            press = {"callback_query": {"id": "q", "from": {"id": 5}, "data": "forget"}}
            await store.inbox.keep(3, json.dumps(press), now)
            await store.users.forget(5)
        assert [number for number, _ in await store.inbox.pending()] == [2]
    finally:
        await store.close()


async def test_unanswered_questions_go_after_the_retention_period(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        old = datetime(2026, 8, 1, 10, 0, tzinfo=UTC)
        new = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
        async with store.transaction():
            await store.notes.unanswered("een oude vraag", "handoff", old)
            await store.notes.unanswered("een nieuwe vraag", "handoff", new)
            assert await store.notes.purge_unanswered(datetime(2026, 9, 1, tzinfo=UTC)) == 1
        left = await store.notes.unanswered_since(old)
        assert [text for _, _, text in left] == ["een nieuwe vraag"]
    finally:
        await store.close()


async def test_an_outbox_message_keeps_its_purpose_buttons_and_ticket_line(
    tmp_path: Path,
) -> None:
    store = await Store.open(tmp_path / "bot.db")
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    followup = Outgoing(
        -100,
        "nog een vraag",
        "followup:7",
        (Button("Oppakken", Claim(3)),),
        purpose=Purpose.FOLLOWUP,
        ref=3,
        line=7,
    )
    try:
        async with store.transaction():
            await store.outbox.put(followup, now)
            await store.outbox.put(replace(followup, dedupe_key="followup:8", line=None), now)
            # Queued by a version before messages carried their line: the key still names it.
            await store.db.execute(
                "UPDATE outbox SET payload = json_remove(payload, '$.line')"
                " WHERE dedupe_key = 'followup:8'"
            )
        due = [p.message for p in await store.outbox.due(now, limit=10)]
    finally:
        await store.close()
    assert [(m.purpose, m.ref, m.line) for m in due] == [
        (Purpose.FOLLOWUP, 3, 7),
        (Purpose.FOLLOWUP, 3, 8),
    ]
    assert due[0].buttons == (Button("Oppakken", Claim(3)),)


async def test_a_write_outside_a_transaction_fails_and_changes_nothing(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(RuntimeError, match="a write outside a transaction: INSERT"):
            await store.notes.unanswered("een vraag", "handoff", NOW)
        with pytest.raises(RuntimeError, match="outside a transaction: delete FROM"):
            await store.db.execute("  delete FROM unanswered")
        async with store.transaction():
            await store.notes.unanswered("een vraag", "handoff", NOW)
        assert len(await store.notes.unanswered_since(NOW)) == 1  # reads need none
    finally:
        await store.close()


async def test_a_failing_statement_is_the_projects_store_error(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(StoreError, match="the database failed"):
            async with store.db.execute("SELECT * FROM no_such_table"):
                pass
        with pytest.raises(StoreError, match="the database failed"):
            async with store.transaction():
                await store.db.execute("INSERT INTO no_such_table VALUES (1)")
    finally:
        await store.close()


async def test_a_broken_constraint_is_a_bug_not_a_database_fault(tmp_path: Path) -> None:
    """A StoreError is tried again later; a bug would fail again, so it stays itself."""
    store = await Store.open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with store.transaction():
                await store.db.execute(
                    "INSERT INTO users (user_id, chat_id, role, created_at) VALUES (1, 1, NULL, '')"
                )
    finally:
        await store.close()
