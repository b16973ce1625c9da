"""Paging the flying brigade: escalations, the relay between mayor and officer, the roster."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.access import Act, may
from bot.core.actions import (
    AcceptHandover,
    Ack,
    PageFeedback,
    PagingAction,
    PassOn,
    Resolve,
)
from bot.core.clock import AMSTERDAM
from bot.core.escalation import (
    Escalation,
    Notice,
    Policy,
    Refusal,
    State,
    Transition,
    acknowledge,
    cancel,
    pass_on,
    resolve,
    restaff,
    start,
    timeout,
    withdraw,
)
from bot.core.ids import small_id
from bot.core.models import Button, Member, Outgoing, Purpose, Reply, Role
from bot.core.ports import Clock
from bot.core.roster import (
    HandoverOffer,
    Plan,
    Responder,
    Shift,
    build_plan,
    handover,
    on_duty,
    uncovered,
)
from bot.core.settings import Contacts
from bot.core.texts import Texts

log = logging.getLogger(__name__)

_DAY = timedelta(hours=24)
# An offer holds for an hour: later, the giver's shift may no longer be what they offered,
# and they have not agreed to hand over whatever it is now.
_OFFER_VALID = timedelta(hours=1)


# The paging buttons, by the word their data starts with.
# Who may press a paging button at all; whether it is theirs is decided on the page.
_ACTS: dict[type[PagingAction], Act] = {
    Ack: Act.ACK,
    PassOn: Act.PASS,
    Resolve: Act.RESOLVE,
    PageFeedback: Act.PAGE_FEEDBACK,
    AcceptHandover: Act.ACCEPT_HANDOVER,
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
        self._lock = asyncio.Lock()

    async def page(self, mayor: Member, message: str, phone: str | None = None) -> Reply | None:
        """Page the duty officer for a mayor; refuse a second open escalation."""
        async with self._lock:
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
        async with self._lock:
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
        if isinstance(action, AcceptHandover):
            return await self._accept_handover(member, user_id, action.offer)
        async with self._lock:
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
            return await self._settle(outcome, lang)

    async def relay(self, member: Member, text: str, reply_to: int | None) -> list[Reply] | None:
        """Relay between a mayor and the officer holding their escalation; None if not ours."""
        if member.role in (Role.MAYOR, Role.DEPUTY_MAYOR):
            esc = await self.store.open_for_mayor(member.user_id)
            if esc is not None:
                return await self._from_mayor(esc, member, text)
        if not may(member, Act.RELAY):
            return None
        held = await self.store.held_by(member.user_id)
        if reply_to is not None:
            paged = await self.store.page_of(member.chat_id, reply_to)
            held = [e for e in held if e.id == paged] or held
        if len(held) != 1:
            return None
        await self._send_relay(held[0], held[0].mayor_chat, "relay_to_mayor", text, member)
        return []

    async def resolve_command(
        self, member: Member | None, note: str, language: str
    ) -> Reply | None:
        """/afgehandeld [note]: resolve the one escalation the officer holds."""
        if member is None or not may(member, Act.RESOLVE):
            return Reply(self.texts.get("not_duty_officer", language))
        async with self._lock:
            held = await self.store.held_by(member.user_id)
            if len(held) != 1:
                return Reply(self.texts.get("resolve_which", member.language))
            outcome = resolve(held[0], member.user_id, note, self.clock.now())
            text = await self._settle(outcome, member.language)
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
            return pass_on(esc, by.user_id, f"{why} ({by.label})", now, self.policy)

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
            return Reply(self.texts.get("not_duty_officer", lang))
        number = small_id(ref)
        async with self._lock:
            esc = await self.store.escalation(number) if number is not None else None
            if esc is None:
                return Reply(self.texts.get(usage, lang))
            refused = await self._settle(act(esc, member, self.clock.now()), lang)
        return Reply(refused or self.texts.get(done, lang, id=esc.id))

    async def sweep(self) -> int:
        """Advance every open escalation whose deadline passed; return how many."""
        advanced = 0
        async with self._lock:
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
        async with self._lock:
            for esc in await self.store.open_escalations():
                outcome = withdraw(esc, gone.user_id, why, now, self.policy)
                if isinstance(outcome, Transition):
                    await self._apply(outcome)
                    if outcome.notices:
                        moved.append(esc.id)
        log.info("user %d stood down (%s); pages passed on: %s", gone.user_id, why, moved)
        for admin in await self._admins():
            lang = admin.language
            lines = [self._line(s, {gone.user_id: gone.label}, lang) for s in shifts]
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

    async def check_roster(self) -> bool:
        """Alert administrators (once a day) when nobody is on duty now or in 24 hours."""
        now = self.clock.now()
        gap = uncovered(await self.store.shifts(now, now + _DAY), now, _DAY)
        if gap is None:
            return False
        start_at, end_at = (self._when(t) for t in gap)
        admins = await self._admins()
        if not admins:
            # Not marked as told: the first administrator to register hears of it.
            log.warning("nobody on duty %s – %s, and no administrator to tell", start_at, end_at)
            return True
        if not await self.store.once(f"roster-gap:{now.date().isoformat()}", now):
            return True
        for admin in admins:
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
        current = [self._line(s, names, language) for s in on_duty(shifts, now)] or [nobody]
        upcoming = [self._line(s, names, language) for s in shifts if s.start > now] or [nobody]
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
            end=self._when(shift.end),
        )
        # The button names the stored offer; who gives and who may take it stay on the server.
        offer_id = await self.store.offer_handover(
            member.user_id, target.user_id, now, now + _OFFER_VALID
        )
        button = Button(self.texts.get("button_accept", target.language), AcceptHandover(offer_id))
        await self.store.send(Outgoing(target.chat_id, offer, f"ho:{offer_id}", (button,)), now)
        return Reply(self.texts.get("handover_sent", lang, name=target.label))

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

    async def _settle(self, outcome: Transition | Refusal, language: str) -> str | None:
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
                for admin in await self._admins()
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

    async def _from_mayor(self, esc: Escalation, mayor: Member, text: str) -> list[Reply] | None:
        if esc.plan.first_level() is None:
            return None  # nobody to pass it to: the desk handles it as any message
        if esc.state is State.ACKNOWLEDGED and esc.holder is not None:
            holder = esc.plan.find(esc.holder)
            if holder is not None:
                await self._send_relay(esc, holder[1].chat_id, "relay_to_officer", text, mayor)
                return []
        waiting = self.texts.get(
            "relay_waiting", mayor.language, id=esc.id, ngb_phone=self.contacts.ngb_phone
        )
        for responder in esc.plan.paged_up_to(esc.level):
            await self._send_relay(esc, responder.chat_id, "relay_to_officer", text, mayor)
        return [Reply(waiting)]

    async def _send_relay(
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

    async def _accept_handover(
        self, member: Member | None, user_id: int, offer_id: int
    ) -> str | None:
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
        end = self._when(max(s.end for s in added))
        giver = await self.store.member(offer.giver)
        done = self.texts.get(
            "handover_done", giver.language if giver else lang, name=member.label, end=end
        )
        if giver is not None:
            await self.store.send(Outgoing(giver.chat_id, done, f"ho-done:{offer.id}"), now)
        return self.texts.get("handover_done", lang, name=member.label, end=end)

    async def _plan(self, now: datetime) -> Plan:
        shifts = await self.store.shifts(now, now + timedelta(seconds=1))
        people = {
            m.user_id: Responder(user_id=m.user_id, chat_id=m.chat_id, name=m.label)
            for m in await self.store.members()
        }
        return build_plan(shifts, now, people)

    async def _admins(self) -> list[Member]:
        return [m for m in await self.store.members() if m.role is Role.ADMIN]

    def _role_word(self, member: Member) -> str:
        return "loco-burgemeester" if member.role is Role.DEPUTY_MAYOR else "burgemeester"

    def _role_name(self, member: Member) -> str:
        role = self._role_word(member)
        return f"{role} van {member.municipality}" if member.municipality else role

    def _line(self, shift: Shift, names: Mapping[int, str], language: str) -> str:
        who = names.get(shift.user_id, str(shift.user_id))
        start, end = self._when(shift.start), self._when(shift.end)
        return self.texts.get(
            "roster_line", language, level=shift.level, who=who, start=start, end=end
        )

    def _when(self, moment: datetime) -> str:
        # Day and month in figures: the same in Dutch and English.
        return f"{moment.astimezone(AMSTERDAM):%d-%m %H:%M}"
