"""Mayor and duty officer talk through the bot while a page is open."""

from __future__ import annotations

import logging
import secrets

from bot.core.access import Act, may
from bot.core.escalation import (
    Escalation,
    State,
)
from bot.core.models import Member, Outgoing, Purpose, Reply, Role
from bot.core.paging import PagingStore
from bot.core.ports import Clock
from bot.core.settings import Contacts
from bot.core.texts import Texts

log = logging.getLogger(__name__)


class Relay:
    """Pass messages between a mayor and the officer(s) of their open page."""

    def __init__(
        self, *, store: PagingStore, clock: Clock, texts: Texts, contacts: Contacts
    ) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.contacts = contacts

    async def relay(self, member: Member, text: str, reply_to: int | None) -> list[Reply] | None:
        """Relay between a mayor and the officer holding their escalation; None if not ours."""
        if member.role in (Role.MAYOR, Role.DEPUTY_MAYOR):
            esc = await self.store.open_for_mayor(member.user_id)
            if esc is not None:
                return await self.from_mayor(esc, member, text)
        if not may(member, Act.RELAY):
            return None
        held = await self.store.held_by(member.user_id)
        if reply_to is not None:
            paged = await self.store.page_of(member.chat_id, reply_to)
            held = [e for e in held if e.id == paged] or held
        if len(held) != 1:
            return None
        await self._send(held[0], held[0].mayor_chat, "relay_to_mayor", text, member)
        return []

    async def from_mayor(self, esc: Escalation, mayor: Member, text: str) -> list[Reply] | None:
        """What a mayor writes during a page: to its holder, or to everyone paged so far."""
        if esc.plan.first_level() is None:
            return None  # nobody to pass it to: the desk handles it as any message
        if esc.state is State.ACKNOWLEDGED and esc.holder is not None:
            holder = esc.plan.find(esc.holder)
            if holder is not None:
                await self._send(esc, holder[1].chat_id, "relay_to_officer", text, mayor)
                return []
        waiting = self.texts.get(
            "relay_waiting", mayor.language, id=esc.id, ngb_phone=self.contacts.ngb_phone
        )
        for responder in esc.plan.paged_up_to(esc.level):
            await self._send(esc, responder.chat_id, "relay_to_officer", text, mayor)
        return [Reply(waiting)]

    async def _send(
        self, esc: Escalation, chat_id: int, key: str, text: str, sender: Member
    ) -> None:
        now = self.clock.now()
        to = await self.store.member(chat_id)  # a private chat's id is its user's id
        body = self.texts.get(
            key,
            to.language if to else "nl",
            id=esc.id,
            text=text,
            name=sender.label,
            mayor_name=esc.mayor_name,
        )
        # Unique per message, also when two come at the same clock reading (a fast burst,
        # a clock that stands still): a shared key would have dropped all but the first.
        stamp = f"{now.timestamp():.6f}:{secrets.token_hex(4)}"
        await self.store.send(
            Outgoing(
                chat_id,
                body,
                f"relay:{esc.id}:{sender.user_id}:{chat_id}:{stamp}",
                urgent=True,
                # A burst still queued for the officer goes as one message.
                batch=f"relay:{esc.id}:{sender.user_id}",
                origin=sender.chat_id,
                purpose=Purpose.RELAY,
                ref=esc.id,
            ),
            now,
        )
