"""Paging the flying brigade: escalations, the relay between mayor and officer, the roster."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.access import Act, may
from bot.core.actions import (
    Ack,
    PageFeedback,
    PagingAction,
    PassOn,
    Resolve,
)
from bot.core.escalation import (
    Escalation,
    Notice,
    Policy,
    Refusal,
    Transition,
    acknowledge,
    pass_on,
    resolve,
    restaff,
    start,
    timeout,
    withdraw,
)
from bot.core.models import Button, Member, Outgoing, Purpose, Reply, Role
from bot.core.ports import Clock
from bot.core.roster import (
    HandoverOffer,
    Plan,
    Responder,
    Shift,
    build_plan,
)
from bot.core.roster_text import admins, shift_line
from bot.core.settings import Contacts
from bot.core.texts import Texts

log = logging.getLogger(__name__)


# The paging buttons, by the word their data starts with.
# Who may press a paging button at all; whether it is theirs is decided on the page.
_ACTS: dict[type[PagingAction], Act] = {
    Ack: Act.ACK,
    PassOn: Act.PASS,
    Resolve: Act.RESOLVE,
    PageFeedback: Act.PAGE_FEEDBACK,
}


class PagingStore(Protocol):
    """What paging keeps: escalations, shifts, users, the outbox and once-only alerts."""

    async def next_escalation_id(self) -> int: ...
    async def record(
        self, transition: Transition, messages: list[Outgoing], now: datetime, *, new: bool
    ) -> None: ...
    async def escalation(self, escalation_id: int) -> Escalation | None: ...
    async def open_for_mayor(self, mayor_id: int) -> Escalation | None: ...
    async def held_by(self, user_id: int) -> list[Escalation]: ...
    async def open_escalations(self) -> list[Escalation]: ...
    async def due(self, now: datetime) -> list[Escalation]: ...
    async def feedback(self, escalation_id: int, helpful: bool) -> bool: ...
    async def page_of(self, chat_id: int, message_id: int) -> int | None: ...
    async def pages_by(self, mayor_id: int) -> int: ...
    async def shifts(self, start: datetime, end: datetime) -> list[Shift]: ...
    async def replace_shifts(self, shortened: Sequence[Shift], added: Sequence[Shift]) -> None: ...
    async def members(self) -> list[Member]: ...
    async def member(self, user_id: int) -> Member | None: ...
    async def find_member(self, ref: str) -> Member | None: ...
    async def send(self, message: Outgoing, now: datetime) -> None: ...
    async def once(self, key: str, now: datetime) -> bool: ...
    async def offer_handover(
        self, giver: int, taker: int, now: datetime, until: datetime
    ) -> int: ...
    async def handover_offer(self, offer_id: int) -> HandoverOffer | None: ...
    async def accept_offer(self, offer_id: int, now: datetime) -> bool: ...


class Pager:
    """Start, advance and relay escalations; the state machine decides, this keeps and sends."""

    def __init__(
        self,
        *,
        store: PagingStore,
        clock: Clock,
        policy: Policy,
        texts: Texts,
        contacts: Contacts,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.texts = texts
        self.contacts = contacts
        # Read, decide and write as one step: a sweep's timeout and an officer's press, or two
        # presses, must never both act on the same state (the store keeps one process).
        self.lock = asyncio.Lock()

    async def page(self, mayor: Member, message: str, phone: str | None = None) -> Reply | None:
        """Page the duty officer for a mayor; refuse a second open escalation."""
        async with self.lock:
            refusal = await self.open_page(mayor)
            if refusal is not None:
                return refusal
            plan = await self._plan(self.clock.now())
            await self._begin(mayor, message, phone, plan, test=False)
        return None

    async def open_page(self, mayor: Member) -> Reply | None:
        """Say so when a mayor's page is still open (a second one is never started)."""
        existing = await self.store.open_for_mayor(mayor.user_id)
        if existing is None:
            return None
        lang = mayor.language
        state = self.texts.get(f"state_{existing.state.value}", lang)
        return Reply(self.texts.get("page_open_already", lang, id=existing.id, state=state))

    async def test_page(self, officer: Member | None, language: str) -> Reply | None:
        """Page yourself through the whole path, marked as a test everywhere."""
        if officer is None or not may(officer, Act.TEST_PAGE):
            return Reply(self.texts.get("not_duty_officer", language))
        me = Responder(user_id=officer.user_id, chat_id=officer.chat_id, name=officer.label)
        async with self.lock:
            open_test = await self.store.open_for_mayor(officer.user_id)
            if open_test is not None:
                return Reply(self.texts.get("test_open_already", officer.language, id=open_test.id))
            await self._begin(officer, "TEST", None, Plan(levels=((me,),)), test=True)
        return None

    async def press(self, member: Member | None, user_id: int, action: PagingAction) -> str | None:
        """Handle a paging button; return a short text for the presser (None: nothing to say,
        the messages it causes say it)."""
        lang = member.language if member else "nl"
        act = _ACTS[type(action)]
        if not may(member, act):
            log.warning("%s button %r refused to user %d", act.value, action, user_id)
            return self.texts.get("button_expired", lang)  # not theirs
        async with self.lock:
            esc = await self.store.escalation(action.page)
            if esc is None:
                return self.texts.get("button_expired", lang)
            if isinstance(action, PageFeedback):
                if user_id != esc.mayor_id:
                    return self.texts.get("button_expired", lang)
                if not await self.store.feedback(esc.id, action.helpful):
                    return self.texts.get("feedback_counted", lang)
                return self.texts.get("feedback_thanks", lang)
            now = self.clock.now()
            name = member.label if member else str(user_id)
            outcome: Transition | Refusal
            match action:
                case Ack():
                    outcome = acknowledge(esc, user_id, now, self.policy)
                case PassOn():
                    outcome = pass_on(esc, user_id, f"doorgezet door {name}", now, self.policy)
                case Resolve():
                    outcome = resolve(esc, user_id, "", now)
            return await self.settle(outcome, lang)

    async def sweep(self) -> int:
        """Advance every open escalation whose deadline passed; return how many."""
        advanced = 0
        async with self.lock:
            now = self.clock.now()
            for esc in await self.store.due(now):
                outcome = timeout(esc, now, self.policy)
                if esc.plan.first_level() is None:
                    plan = await self._plan(now)
                    if plan.first_level() is not None:
                        outcome = restaff(esc, plan, now, self.policy)
                if isinstance(outcome, Transition):
                    await self._apply(outcome)
                    late = (now - esc.deadline).total_seconds() if esc.deadline else 0.0
                    log.info(
                        "escalation %d: %s (%s), %.1f s after its deadline",
                        esc.id,
                        outcome.event,
                        outcome.detail,
                        late,
                    )
                    advanced += 1
        return advanced

    async def stand_down(self, gone: Member, shifts: Sequence[Shift], why: str) -> list[int]:
        """Take a user who may no longer be paged off every open page (each goes on to the
        next level when it was theirs), and tell administrators which of their shifts no
        longer count. Return the pages passed on."""
        now = self.clock.now()
        moved: list[int] = []
        async with self.lock:
            for esc in await self.store.open_escalations():
                outcome = withdraw(esc, gone.user_id, why, now, self.policy)
                if isinstance(outcome, Transition):
                    await self._apply(outcome)
                    if outcome.notices:
                        moved.append(esc.id)
        log.info("user %d stood down (%s); pages passed on: %s", gone.user_id, why, moved)
        for admin in await admins(self.store):
            lang = admin.language
            lines = [shift_line(self.texts, s, {gone.user_id: gone.label}, lang) for s in shifts]
            text = self.texts.get(
                "stood_down_admins",
                lang,
                name=gone.label,
                why=why,
                shifts="\n".join(lines) or self.texts.get("on_duty_nobody", lang),
                pages=", ".join(f"#{n}" for n in moved) or "-",
            )
            key = f"stood-down:{gone.user_id}:{now.timestamp():.0f}:{admin.user_id}"
            await self.store.send(Outgoing(admin.chat_id, text, key, urgent=bool(moved)), now)
        return moved

    # --- inside ---------------------------------------------------------------------------

    async def _begin(
        self, mayor: Member, message: str, phone: str | None, plan: Plan, *, test: bool
    ) -> None:
        now = self.clock.now()
        # The officer must see at once whether the mayor or a deputy is asking.
        name = (
            f"{mayor.name}, {self._role_word(mayor)}"
            if mayor.name and not test
            else mayor.name or self._role_name(mayor)
        )
        transition = start(
            id=await self.store.next_escalation_id(),
            mayor_id=mayor.user_id,
            mayor_chat=mayor.chat_id,
            mayor_name=name,
            municipality=mayor.municipality or "-",
            message=message,
            phone=phone,
            plan=plan,
            now=now,
            policy=self.policy,
            test=test,
        )
        await self._apply(transition, new=True)

    async def settle(self, outcome: Transition | Refusal, language: str) -> str | None:
        """Apply a transition, or say why it was refused (under the lock, by the caller)."""
        if isinstance(outcome, Refusal):
            return self.texts.get(
                f"refused_{outcome.reason}", language, name=outcome.holder_name or "-"
            )
        await self._apply(outcome)
        return None

    async def _apply(self, transition: Transition, *, new: bool = False) -> None:
        """Keep the new state, its event and its messages together, then they are sent."""
        messages: list[Outgoing] = []
        mayor = await self.store.member(transition.escalation.mayor_id)
        for notice in transition.notices:
            messages += await self._messages(notice, transition.escalation, mayor)
        await self.store.record(transition, messages, self.clock.now(), new=new)

    async def _messages(
        self, notice: Notice, esc: Escalation, mayor: Member | None
    ) -> list[Outgoing]:
        if notice.to_admins:
            return [
                self._outgoing(notice, esc, admin.chat_id, admin.language, f":{admin.user_id}")
                for admin in await admins(self.store)
            ]
        if notice.chat_id == esc.mayor_chat and mayor is not None:
            lang = mayor.language
        else:  # an officer: in a private chat, the chat id is the user id
            officer = await self.store.member(notice.chat_id)
            lang = officer.language if officer else "nl"
        return [self._outgoing(notice, esc, notice.chat_id, lang, "")]

    def _outgoing(
        self, notice: Notice, esc: Escalation, chat_id: int, lang: str, suffix: str
    ) -> Outgoing:
        values: dict[str, object] = dict(notice.values)
        values["test"] = self.texts.get("test_marker", lang) if esc.test else ""
        values.setdefault("ngb_phone", self.contacts.ngb_phone)
        values["note"] = f" {notice.values['note']}" if notice.values.get("note") else ""
        text = self.texts.get(notice.key, lang, **values)
        buttons = tuple(
            Button(self.texts.get(label, lang), action) for label, action in notice.buttons
        )
        return Outgoing(
            chat_id=chat_id,
            text=text,
            dedupe_key=notice.dedupe + suffix,
            buttons=buttons,
            urgent=True,
            purpose=Purpose.PAGE if notice.key == "page" else Purpose.ESCALATION,
            ref=esc.id,
        )

    async def _plan(self, now: datetime) -> Plan:
        shifts = await self.store.shifts(now, now + timedelta(seconds=1))
        people = {
            m.user_id: Responder(user_id=m.user_id, chat_id=m.chat_id, name=m.label)
            for m in await self.store.members()
        }
        return build_plan(shifts, now, people)

    def _role_word(self, member: Member) -> str:
        return "loco-burgemeester" if member.role is Role.DEPUTY_MAYOR else "burgemeester"

    def _role_name(self, member: Member) -> str:
        role = self._role_word(member)
        return f"{role} van {member.municipality}" if member.municipality else role
