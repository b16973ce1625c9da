"""The roster as duty officers see it: who is on duty, hand-overs, gaps told to admins."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from bot.core.access import Act, may
from bot.core.actions import (
    AcceptHandover,
)
from bot.core.models import Button, Member, Outgoing, Reply
from bot.core.paging import PagingStore
from bot.core.ports import Clock
from bot.core.roster import Shift, handover, on_duty, uncovered
from bot.core.roster_text import admins, shift_line, when
from bot.core.texts import Texts

log = logging.getLogger(__name__)

_DAY = timedelta(hours=24)
# An offer holds for an hour: later, the giver's shift may no longer be what they offered,
# and they have not agreed to hand over whatever it is now.
_OFFER_VALID = timedelta(hours=1)


class Duty:
    """/piket, /overdracht and its button, and the daily check for a roster gap."""

    def __init__(self, *, store: PagingStore, clock: Clock, texts: Texts) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts

    async def check_roster(self) -> bool:
        """Alert administrators (once a day) when nobody is on duty now or in 24 hours."""
        now = self.clock.now()
        gap = uncovered(await self.store.shifts(now, now + _DAY), now, _DAY)
        if gap is None:
            return False
        start_at, end_at = (when(t) for t in gap)
        told = await admins(self.store)
        if not told:
            # Not marked as told: the first administrator to register hears of it.
            log.warning("nobody on duty %s – %s, and no administrator to tell", start_at, end_at)
            return True
        if not await self.store.once(f"roster-gap:{now.date().isoformat()}", now):
            return True
        for admin in told:
            text = self.texts.get("roster_gap", admin.language, start=start_at, end=end_at)
            await self.store.send(
                Outgoing(
                    admin.chat_id, text, f"roster-gap:{now.date()}:{admin.user_id}", urgent=True
                ),
                now,
            )
        return True

    async def on_duty(self, member: Member | None, language: str) -> Reply:
        """/piket: who is on duty now and next."""
        if not may(member, Act.ON_DUTY):
            return Reply(self.texts.get("not_officer", language))
        now = self.clock.now()
        shifts = await self.store.shifts(now, now + _DAY)
        names = {m.user_id: m.label for m in await self.store.members()}
        nobody = self.texts.get("on_duty_nobody", language)

        def lines(chosen: Iterable[Shift]) -> list[str]:
            return [shift_line(self.texts, s, names, language) for s in chosen] or [nobody]

        current = lines(on_duty(shifts, now))
        upcoming = lines(s for s in shifts if s.start > now)
        text = self.texts.get("on_duty", language, now="\n".join(current), next="\n".join(upcoming))
        return Reply(text)

    async def offer_handover(self, member: Member | None, ref: str) -> Reply:
        """/overdracht @user: offer the rest of your shift to another duty officer."""
        lang = member.language if member else "nl"
        target = await self.store.find_member(ref) if ref else None
        now = self.clock.now()
        mine = on_duty(await self.store.shifts(now, now + _DAY), now)
        mine = [s for s in mine if member is not None and s.user_id == member.user_id]
        if (
            member is None
            or not may(member, Act.HANDOVER)
            or target is None
            or target.user_id == member.user_id
            or not may(target, Act.ACCEPT_HANDOVER)
            or not mine
        ):
            return Reply(self.texts.get("handover_usage", lang))
        shift = mine[0]
        offer = self.texts.get(
            "handover_offer",
            target.language,
            name=member.label,
            level=shift.level,
            end=when(shift.end),
        )
        # The button names the stored offer; who gives and who may take it stay on the server.
        offer_id = await self.store.offer_handover(
            member.user_id, target.user_id, now, now + _OFFER_VALID
        )
        button = Button(self.texts.get("button_accept", target.language), AcceptHandover(offer_id))
        await self.store.send(Outgoing(target.chat_id, offer, f"ho:{offer_id}", (button,)), now)
        return Reply(self.texts.get("handover_sent", lang, name=target.label))

    async def accept_handover(
        self, member: Member | None, user_id: int, offer_id: int
    ) -> str | None:
        """[Overnemen]: take over the rest of a colleague's shift; a text for the presser."""
        lang = member.language if member else "nl"
        now = self.clock.now()
        offer = await self.store.handover_offer(offer_id)
        # Only the colleague it was offered to, still a duty officer, within the hour, once.
        if (
            offer is None
            or member is None
            or offer.taker != user_id
            or not may(member, Act.ACCEPT_HANDOVER)
            or now > offer.expires_at
            or offer.accepted
        ):
            log.warning("hand-over offer %d refused to user %d", offer_id, user_id)
            return self.texts.get("button_expired", lang)
        shifts = await self.store.shifts(now, now + timedelta(days=400))
        shortened, added = handover(shifts, offer.giver, user_id, now)
        if not added or not await self.store.accept_offer(offer.id, now):
            return self.texts.get("button_expired", member.language)
        await self.store.replace_shifts(shortened, added)
        log.info("hand-over %d: user %d took over from user %d", offer.id, user_id, offer.giver)
        end = when(max(s.end for s in added))
        giver = await self.store.member(offer.giver)
        done = self.texts.get(
            "handover_done", giver.language if giver else lang, name=member.label, end=end
        )
        if giver is not None:
            await self.store.send(Outgoing(giver.chat_id, done, f"ho-done:{offer.id}"), now)
        return self.texts.get("handover_done", lang, name=member.label, end=end)
