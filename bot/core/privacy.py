"""What the bot keeps about a user: shown on request, erased on request, purged in time."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.core.actions import (
    Forget,
)
from bot.core.models import (
    Button,
    Reply,
    Role,
    Sender,
    User,
)
from bot.core.paging import PagingStore
from bot.core.ports import Clock, Store
from bot.core.reception import Reception
from bot.core.texts import Texts

log = logging.getLogger(__name__)
# Sent messages go after a week: the outbox needs them only while a retry may come.
_SENT_KEPT = timedelta(days=7)
# A question or shared number older than this asks for no page.
_DRAFT_KEPT = timedelta(days=1)


class Privacy:
    """/mijngegevens, /verwijderen and the retention purge."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        texts: Texts,
        reception: Reception,
        pages: PagingStore,
        retention: timedelta,
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.reception = reception
        self.pages = pages
        self.retention = retention

    async def my_data(self, sender: Sender) -> Reply:
        """Show what the bot keeps about the user."""
        member, user = await self.reception.identify(sender)
        tickets = await self.store.tickets.of_user(sender.user_id)
        lang = user.language
        if member is None and not tickets:
            return Reply(self.texts.get("nothing_stored", lang))
        text = self.texts.get(
            "my_data",
            lang,
            user_id=sender.user_id,
            role=member.role.value if member else Role.GUEST.value,
            municipality=(member.municipality if member else None) or "-",
            name=(member.name if member else None) or "-",
            lang=lang,
            tickets=len(tickets),
            open=sum(t.is_open for t in tickets),
            pages=await self.pages.pages_by(sender.user_id),
            phone=self.texts.get(
                "yes" if await self.store.drafts.has_phone(sender.user_id) else "no", lang
            ),
            days=self.retention.days,
        )
        return Reply(text)

    def forget_prompt(self, user: User) -> Reply:
        """Ask before erasing a user's data."""
        button = Button(self.texts.get("button_forget", user.language), Forget())
        return Reply(self.texts.get("forget_confirm", user.language), (button,))

    async def purge(self) -> int:
        """Erase tickets closed, and unanswered questions kept, longer ago than the retention
        period; return how many tickets.

        Sent messages go after a week: the outbox needs them only while a retry may come.
        """
        now = self.clock.now()
        await self.store.outbox.purge(now - _SENT_KEPT)
        await self.store.drafts.purge(now - _DRAFT_KEPT)
        await self.store.notes.purge_unanswered(now - self.retention)
        await self.store.notes.purge_votes(now - _SENT_KEPT)
        await self.store.attempts.purge(now - _DRAFT_KEPT)
        return await self.store.tickets.purge_closed(now - self.retention)

    async def forget(self, sender: Sender) -> Reply:
        """Erase what the bot keeps about the sender, as /verwijderen's button asks."""
        _, user = await self.reception.identify(sender)
        await self.store.users.forget(sender.user_id)
        return Reply(self.texts.get("forgotten", user.language))
