"""Handle different chats at once, but each chat's updates strictly in the order they came."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from .intake import Intake


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Run updates concurrently across chats and one at a time within a chat.

    A user who types two messages quickly must see them handled in order (a follow-up joins
    the ticket the first one opened), while one slow chat must not hold up twenty others.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}
        self.intake: Intake | None = None  # set once the store is open

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_of(update)
        lock, users = self._chats.get(key, (asyncio.Lock(), 0))
        self._chats[key] = (lock, users + 1)
        try:
            async with lock:
                if self.intake is None:
                    await coroutine
                else:
                    await self.intake.handle(update, coroutine)
        finally:
            lock, users = self._chats[key]
            if users == 1:
                del self._chats[key]  # forget idle chats, so the table stays small
            else:
                self._chats[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def _chat_of(update: object) -> int:
    """The chat an update belongs to; updates without one share a single queue."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return 0
