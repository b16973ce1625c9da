"""A duty officer's commands on a page: /afgehandeld, /doorzetten N reden, /annuleer N."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.core.access import Act, may
from bot.core.escalation import (
    Escalation,
    Refusal,
    Transition,
    cancel,
    pass_on,
    resolve,
)
from bot.core.ids import small_id
from bot.core.models import Member, Reply, Role
from bot.core.paging import Pager

log = logging.getLogger(__name__)


class OfficerCommands:
    """Act on a page by command, under the pager's lock, as its buttons do."""

    def __init__(self, pager: Pager) -> None:
        self.pager = pager

    async def resolve_command(
        self, member: Member | None, note: str, language: str
    ) -> Reply | None:
        """/afgehandeld [note]: resolve the one escalation the officer holds."""
        if member is None or not may(member, Act.RESOLVE):
            return Reply(self.pager.texts.get("not_duty_officer", language))
        async with self.pager.lock:
            held = await self.pager.store.held_by(member.user_id)
            if len(held) != 1:
                return Reply(self.pager.texts.get("resolve_which", member.language))
            outcome = resolve(held[0], member.user_id, note, self.pager.clock.now())
            text = await self.pager.settle(outcome, member.language)
        return Reply(text) if text else None

    async def cancel_command(self, member: Member | None, ref: str, language: str) -> Reply:
        """/annuleer N: withdraw a page (an administrator, or an officer it was paged to)."""

        def act(esc: Escalation, by: Member, now: datetime) -> Transition | Refusal:
            return cancel(esc, by.user_id, by.role == Role.ADMIN, now)

        return await self._on_page(
            member, ref, language, Act.CANCEL, act, "cancel_usage", "cancel_done"
        )

    async def pass_command(self, member: Member | None, args: str, language: str) -> Reply:
        """/doorzetten N reden: pass a page to the next level, saying why."""
        ref, _, reason = args.strip().partition(" ")
        why = reason.strip()

        def act(esc: Escalation, by: Member, now: datetime) -> Transition | Refusal:
            return pass_on(esc, by.user_id, f"{why} ({by.label})", now, self.pager.policy)

        # Without a reason there is nothing to do but say how: as for an unknown number.
        ref = ref if why else ""
        return await self._on_page(member, ref, language, Act.PASS, act, "pass_usage", "pass_done")

    async def _on_page(
        self,
        member: Member | None,
        ref: str,
        language: str,
        allowed: Act,
        act: Callable[[Escalation, Member, datetime], Transition | Refusal],
        usage: str,
        done: str,
    ) -> Reply:
        """An officer's command on page number `ref`: act on it under the lock, or say why not."""
        lang = member.language if member else language
        if member is None or not may(member, allowed):
            return Reply(self.pager.texts.get("not_duty_officer", lang))
        number = small_id(ref)
        async with self.pager.lock:
            esc = await self.pager.store.escalation(number) if number is not None else None
            if esc is None:
                return Reply(self.pager.texts.get(usage, lang))
            refused = await self.pager.settle(act(esc, member, self.pager.clock.now()), lang)
        return Reply(refused or self.pager.texts.get(done, lang, id=esc.id))
