"""The small interfaces the desk needs from the outside: a clock and a store."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.core.models import Grant, Member, Outgoing, Ticket


class Clock(Protocol):
    """Where the time comes from; tests pass a settable one."""

    def now(self) -> datetime:
        """Return the current, timezone-aware time."""
        ...


class UserRepo(Protocol):
    """Registered users."""

    async def get(self, user_id: int) -> Member | None: ...
    async def save(self, who: Member, now: datetime) -> None: ...
    async def forget(self, user_id: int) -> None: ...


class InviteRepo(Protocol):
    """One-time invite codes."""

    async def redeem(self, code: str, user_id: int, now: datetime) -> Grant | None: ...


class TicketRepo(Protocol):
    """Helpdesk tickets."""

    async def create(
        self,
        *,
        user_id: int,
        chat_id: int,
        question: str,
        language: str,
        urgent: bool,
        now: datetime,
    ) -> Ticket: ...
    async def get(self, ticket_id: int) -> Ticket | None: ...
    async def open_for(self, user_id: int) -> Ticket | None: ...
    async def by_thread(self, thread_id: int) -> Ticket | None: ...
    async def by_group_message(self, message_id: int) -> Ticket | None: ...
    async def claim(
        self, ticket_id: int, agent_id: int, agent_name: str, now: datetime
    ) -> bool: ...
    async def close(self, ticket_id: int, now: datetime) -> bool: ...
    async def posted(self, ticket_id: int, message_id: int, thread_id: int | None) -> None: ...
    async def set_thread(self, ticket_id: int, thread_id: int) -> None: ...
    async def add_message(self, ticket_id: int, sender: str, text: str, now: datetime) -> int: ...
    async def message_posted(self, message_row: int, group_message_id: int) -> None: ...
    async def of_user(self, user_id: int) -> list[Ticket]: ...
    async def purge_closed(self, before: datetime) -> int: ...


class NoteRepo(Protocol):
    """Anonymous feedback and unanswered questions."""

    async def feedback(self, entry_id: str, helpful: bool, now: datetime) -> None: ...
    async def unanswered(self, text: str, route: str, now: datetime) -> None: ...


class OutboxRepo(Protocol):
    """Messages to others, written down before they are sent."""

    async def put(self, message: Outgoing, now: datetime) -> bool: ...


class Store(Protocol):
    """Everything the desk keeps."""

    @property
    def users(self) -> UserRepo: ...
    @property
    def invites(self) -> InviteRepo: ...
    @property
    def tickets(self) -> TicketRepo: ...
    @property
    def notes(self) -> NoteRepo: ...
    @property
    def outbox(self) -> OutboxRepo: ...
