"""Users and invites: who may do what, bound by Telegram user id."""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.core.ids import small_id
from bot.core.models import Grant, Member, Purpose, Role
from bot.store.connection import Connection
from bot.store.rows import first, member, stamp

# Outbox messages that carry a user's ticket, and those that carry their page.
_TICKETS = (Purpose.TICKET.value, Purpose.FOLLOWUP.value)
_PAGES = (Purpose.PAGE.value, Purpose.ESCALATION.value, Purpose.RELAY.value)


def hash_code(code: str) -> str:
    """Hash an invite code: the database never holds a usable code."""
    return hashlib.sha256(code.strip().encode()).hexdigest()


class Users:
    """The users table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def get(self, user_id: int) -> Member | None:
        """Return an active (not revoked) user."""
        sql = "SELECT * FROM users WHERE user_id = ? AND revoked_at IS NULL"
        row = await first(self.db, sql, (user_id,))
        return member(row) if row else None

    async def save(self, who: Member, now: datetime) -> None:
        """Insert or replace a user (clearing any revocation)."""
        await self.db.execute(
            """INSERT INTO users (user_id, chat_id, role, municipality, name, username,
                                  language, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (user_id) DO UPDATE SET chat_id = excluded.chat_id,
                 role = excluded.role, municipality = excluded.municipality,
                 name = excluded.name, username = excluded.username,
                 language = excluded.language, revoked_at = NULL""",
            (
                who.user_id,
                who.chat_id,
                who.role.value,
                who.municipality,
                who.name,
                who.username,
                who.language,
                stamp(now),
            ),
        )

    async def list(self, role: Role | None = None) -> list[Member]:
        """Return active users, optionally of one role."""
        sql = "SELECT * FROM users WHERE revoked_at IS NULL"
        args: tuple[str, ...] = ()
        if role is not None:
            sql, args = sql + " AND role = ?", (role.value,)
        async with self.db.execute(sql + " ORDER BY user_id", args) as cursor:
            return [member(r) for r in await cursor.fetchall()]

    async def find(self, ref: str) -> Member | None:
        """Find an active user by Telegram id or @username."""
        if ref.lstrip("-").isdigit():
            number = small_id(ref)
            return await self.get(number) if number is not None else None
        sql = "SELECT * FROM users WHERE lower(username) = lower(?) AND revoked_at IS NULL"
        async with self.db.execute(sql, (ref.lstrip("@"),)) as cursor:
            row = await cursor.fetchone()
        return member(row) if row else None

    async def set_role(self, user_id: int, role: Role) -> bool:
        """Change a user's role; return whether the user exists."""
        cursor = await self.db.execute(
            "UPDATE users SET role = ? WHERE user_id = ? AND revoked_at IS NULL",
            (role.value, user_id),
        )
        return cursor.rowcount > 0

    async def revoke(self, user_id: int, now: datetime) -> bool:
        """Revoke a user's role; they are a guest from now on."""
        cursor = await self.db.execute(
            "UPDATE users SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
            (stamp(now), user_id),
        )
        return cursor.rowcount > 0

    async def forget(self, user_id: int) -> None:
        """Erase what the bot keeps about a user, who asked for it.

        Gone: their row, tickets, drafts, updates not yet handled, the invite's name, their
        feedback marks and counted attempts, and
        every message queued for them or carrying their ticket. Their crisis pages stay as a
        log line for accountability, without their name, message or phone number. (In
        Telegram a private chat's id is the user's id.)
        """
        await self.db.execute(
            """DELETE FROM outbox WHERE chat_id = ? OR (purpose IN (?, ?)
               AND ref IN (SELECT id FROM tickets WHERE user_id = ?))""",
            (user_id, *_TICKETS, user_id),
        )
        # Copies of their pages and relays at the officers: unsent ones go, sent ones keep
        # no text (a page's log line stays in escalation_events).
        mine = "purpose IN (?, ?, ?) AND ref IN (SELECT id FROM escalations WHERE mayor_id = ?)"
        await self.db.execute(
            f"DELETE FROM outbox WHERE sent_at IS NULL AND {mine}", (*_PAGES, user_id)
        )
        await self.db.execute(
            f"UPDATE outbox SET payload = json_set(payload, '$.text', '-') WHERE {mine}",
            (*_PAGES, user_id),
        )
        await self.db.execute("DELETE FROM tickets WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
        # Updates kept but not handled yet: their text, and a replay that would bring it back.
        await self.db.execute(
            """DELETE FROM inbox WHERE handled_at IS NULL AND ? IN (
                   json_extract(payload, '$.message.from.id'),
                   json_extract(payload, '$.edited_message.from.id'),
                   json_extract(payload, '$.callback_query.from.id'))""",
            (user_id,),
        )
        await self.db.execute(
            "UPDATE escalations SET mayor_name = '-', message = '', phone = NULL"
            " WHERE mayor_id = ?",
            (user_id,),
        )
        await self.db.execute(
            "UPDATE invites SET name = NULL, used_by = NULL WHERE used_by = ?", (user_id,)
        )
        # Which answers they rated and when they asked: counted for limits, nothing more.
        await self.db.execute("DELETE FROM alerts WHERE key LIKE ?", (f"vote:{user_id}:%",))
        await self.db.execute("DELETE FROM attempts WHERE user_id = ?", (user_id,))
        await self.db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))


class Invites:
    """One-time invite codes, stored hashed."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    async def create(self, code: str, grant: Grant, now: datetime, expires: datetime) -> None:
        """Store a new invite code (hashed)."""
        await self.db.execute(
            "INSERT INTO invites (code_hash, role, municipality, name, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                hash_code(code),
                grant.role.value,
                grant.municipality,
                grant.name,
                stamp(now),
                stamp(expires),
            ),
        )

    async def peek(self, code: str, now: datetime) -> Grant | None:
        """Return what a code would grant, without using it; None if wrong, used or expired."""
        async with self.db.execute(
            """SELECT role, municipality, name FROM invites
               WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?""",
            (hash_code(code), stamp(now)),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return Grant(role=Role(row["role"]), municipality=row["municipality"], name=row["name"])

    async def redeem(self, code: str, user_id: int, now: datetime) -> Grant | None:
        """Use a code once: return what it grants, or None if wrong, used or expired."""
        cursor = await self.db.execute(
            """UPDATE invites SET used_at = ?, used_by = ?
               WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?
               RETURNING role, municipality, name""",
            (stamp(now), user_id, hash_code(code), stamp(now)),
        )
        row = await cursor.fetchone()
        await cursor.close()
        if row is None:
            return None
        return Grant(role=Role(row["role"]), municipality=row["municipality"], name=row["name"])
