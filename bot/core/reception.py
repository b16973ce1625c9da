"""Who a sender is: their stored role, an invite redeemed with /start, and the help."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.access import OFFICERS
from bot.core.actions import (
    CrisisKey,
    SharePhone,
)
from bot.core.limits import Kind, Limiter, Verdict
from bot.core.models import (
    Button,
    Member,
    Outgoing,
    Pressed,
    Reply,
    Role,
    Sender,
    User,
)
from bot.core.ports import Clock, Store
from bot.core.texts import Texts, language_of

log = logging.getLogger(__name__)


class Reception:
    """Identify senders, bind invites to them, and explain what they can do."""

    def __init__(self, *, store: Store, clock: Clock, texts: Texts, limiter: Limiter) -> None:
        self.store = store
        self.clock = clock
        self.texts = texts
        self.limiter = limiter

    async def identify(self, sender: Sender) -> tuple[Member | None, User]:
        """Return the stored member (if any) and the routing view of a sender."""
        language = language_of(sender.language_code)
        member = await self.store.users.get(sender.user_id)
        if member is None:
            return None, User(language=language)
        return member, member.as_user(language)

    async def start(self, sender: Sender, code: str | None) -> list[Reply]:
        """Greet a user; with an invite code, bind its role to their Telegram user id."""
        member, user = await self.identify(sender)
        lang = user.language
        if code:
            refusal = await self._redeem(sender, member, code, lang)
            if refusal is not None:
                return [refusal]
            member, user = await self.identify(sender)
        if member is None:
            return [Reply(self.texts.get("start_guest", lang), keyboard=())]
        name = f" {member.name}" if member.name else ""
        text = self.texts.get(
            f"start_{member.role.value}",
            lang,
            name=name,
            municipality=member.municipality or "-",
        )
        return [Reply(text, keyboard=self.keyboard(member.as_user(lang)))]

    async def _redeem(
        self, sender: Sender, member: Member | None, code: str, lang: str
    ) -> Reply | None:
        """Bind an invite's role to the sender; return why not, or None when done."""
        now = self.clock.now()
        if await self.limiter.check(sender.user_id, Kind.INVITE, now) is not Verdict.OK:
            return Reply(self.texts.get("invite_locked", lang))
        grant = await self.store.invites.peek(code, now)
        if grant is None:
            await self.limiter.count(sender.user_id, Kind.INVITE, now)
            log.warning("wrong invite code from user %d", sender.user_id)
            if await self.limiter.check(sender.user_id, Kind.INVITE, now) is Verdict.FIRST_OVER:
                await self._tell_admins_of_lockout(sender, now)
            return Reply(self.texts.get("invite_invalid", lang))
        if member is not None and member.role is Role.ADMIN and grant.role is not Role.ADMIN:
            # An administrator's role changes by command only; the code stays for its owner.
            return Reply(self.texts.get("invite_admin_kept", lang, role=grant.role.value))
        await self.store.invites.redeem(code, sender.user_id, now)
        who = Member(
            user_id=sender.user_id,
            chat_id=sender.chat_id,
            role=grant.role,
            municipality=grant.municipality,
            name=grant.name,
            username=sender.username,
            language=lang,
        )
        await self.store.users.save(who, now)
        return None

    async def _tell_admins_of_lockout(self, sender: Sender, now: datetime) -> None:
        who = f"{sender.user_id}" + (f" (@{sender.username})" if sender.username else "")
        for admin in await self.store.users.list(Role.ADMIN):
            text = self.texts.get("invite_lockout_admins", admin.language, who=who)
            await self.store.outbox.put(
                Outgoing(
                    admin.chat_id,
                    text,
                    f"invite-lockout:{sender.user_id}:{now:%Y%m%d%H%M}:{admin.user_id}",
                ),
                now,
            )

    def help(self, user: User) -> Reply:
        """Explain the commands."""
        text = self.texts.get("help", user.language)
        if user.is_mayor:
            text += "\n" + self.texts.get("help_mayor", user.language)
        if user.role in OFFICERS:
            text += "\n" + self.texts.get("help_officer", user.language)
        return Reply(text, keyboard=self.keyboard(user))

    def keyboard(self, user: User) -> tuple[Button, ...]:
        """A mayor's quick replies under the message field: 🚨 and 📞."""
        if not user.is_mayor:
            return ()
        return (
            Button(self.texts.get("crisis_button", user.language), CrisisKey()),
            Button(self.texts.get("button_share_phone", user.language), SharePhone()),
        )

    def expired(self, user: User) -> Pressed:
        """The one reply to a button that is stale, garbled, forged or not the user's."""
        text = self.texts.get("button_expired", user.language)
        return Pressed(toast=text, replies=(Reply(text),))
