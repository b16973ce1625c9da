"""Handlers: translate Telegram updates into desk calls and desk replies into messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.core.actions import decode
from bot.core.commands import Call, Command
from bot.core.desk import Desk
from bot.core.models import Outgoing, Reply, Sender
from bot.core.text import clean
from bot.core.texts import language_of
from bot.errors import StoreError
from bot.store.sqlite import Store

from .courier import Courier
from .intake import Intake
from .render import chunks

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
_T = TypeVar("_T")

# Telegram keeps an unconfirmed update for 24 hours; remembering ids a bit longer is enough.
_SEEN_FOR = timedelta(hours=25)


class Frontend:
    """The bot's handlers; the desk, courier and store are attached once the store is open.

    Every handler runs inside the transaction the intake opened for its update: what it
    sends goes to the outbox, and the courier delivers it once the transaction committed.
    """

    def __init__(self) -> None:
        self._desk: Desk | None = None
        self._courier: Courier | None = None
        self._store: Store | None = None
        self._intake: Intake | None = None

    def attach(self, desk: Desk, courier: Courier, store: Store, intake: Intake) -> None:
        """Connect the desk, the courier, the store and the intake (done in post_init)."""
        self._desk, self._courier, self._store, self._intake = desk, courier, store, intake

    @property
    def desk(self) -> Desk:
        assert self._desk is not None, "Frontend used before post_init attached the desk"
        return self._desk

    @property
    def courier(self) -> Courier:
        assert self._courier is not None, "Frontend used before post_init attached the courier"
        return self._courier

    @property
    def store(self) -> Store:
        assert self._store is not None, "Frontend used before post_init attached the store"
        return self._store

    @property
    def intake(self) -> Intake:
        assert self._intake is not None, "Frontend used before post_init attached the intake"
        return self._intake

    async def once(self, update: Update, context: Context) -> None:
        """Runs first: skip an update handled before, which Telegram or the inbox sends again."""
        if await self.store.inbox.handled(update.update_id):
            log.info("update %d was handled before; skipped", update.update_id)
            raise ApplicationHandlerStop

    async def handled(self, update: Update, context: Context) -> None:
        """Runs last, in the same transaction as the handler: the update is done."""
        await self.store.inbox.mark(update.update_id, self.desk.clock.now())

    def command(self, command: Command) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        """The handler of a command of the table: the same call as the console makes."""

        async def run(update: Update, context: Context) -> None:
            message = update.effective_message
            topic = message is not None and message.is_topic_message
            call = Call(
                sender=_sender(update),
                args=_rest(context),
                thread_id=message.message_thread_id if message and topic else None,
                reply_to=_replied_to(message) if message else None,
                replied_text=_replied_text(message, context.bot.id) if message else "",
            )
            await self._send(update, await command.run(self.desk, call))

        return run

    async def text(self, update: Update, context: Context) -> None:
        """A text in a private chat: the crisis button, or a question."""
        message = update.effective_message
        assert message is not None
        text = message.text or ""
        sender = _sender(update)
        _, user = await self.desk.reception.identify(sender)
        is_button = text.strip() == self.desk.texts.get("crisis_button", user.language)
        replies = await self.desk.message(
            sender, "" if is_button else text, crisis=is_button, reply_to=_replied_to(message)
        )
        await self._send(update, replies)

    async def contact(self, update: Update, context: Context) -> None:
        """A shared phone number: the desk keeps a mayor's own, in memory, for one page."""
        message = update.effective_message
        assert message is not None and message.contact is not None
        contact = message.contact
        reply = await self.desk.crisis.share_phone(
            _sender(update), contact.user_id, contact.phone_number
        )
        await self._send(update, [reply])

    async def sweep(self, context: Context | None = None) -> None:
        """Job: advance escalations whose deadline passed, then deliver."""
        if await self._job("the sweep", self.desk.pager.sweep):
            self.courier.kick()

    async def check_roster(self, context: Context) -> None:
        """Job: alert administrators when nobody is on duty in the coming 24 hours."""
        if await self._job("the roster check", self.desk.duty.check_roster):
            self.courier.kick()

    async def replay(self, context: Context) -> None:
        """Job: handle again what the inbox kept but a fault left unhandled."""
        await self.intake.replay(context.application.update_queue)

    async def other(self, update: Update, context: Context) -> None:
        """Anything but text in a private chat: say what the bot reads."""
        _, user = await self.desk.reception.identify(_sender(update))
        await self._send(update, [Reply(self.desk.texts.get("unsupported", user.language))])

    async def button(self, update: Update, context: Context) -> None:
        """A button press, in a private chat or the agents' group."""
        query = update.callback_query
        assert query is not None
        chat = update.effective_chat
        if chat is None:  # a button on an inline message: nothing of ours
            self.store.transaction.on_commit(lambda: query.answer())
            return
        in_private = chat.type == ChatType.PRIVATE
        if not in_private and chat.id != self.desk.helpdesk.chat_id:
            await self.stranger(update, context)
            return
        sender = _sender(update)
        action = decode(query.data or "")
        on_message = query.message.message_id if query.message is not None else None
        answer = (
            await self.desk.press(sender, action, on_message)
            if in_private
            else await self.desk.agents.press(sender, action)
        )
        # After commit: Telegram's answer must not hold the transaction open.
        self.store.transaction.on_commit(lambda: query.answer(_toast(answer.toast)))
        if answer.edit is not None and query.message is not None:
            text = chunks(answer.edit.text)[0]
            self.store.transaction.on_commit(
                lambda: query.edit_message_text(text, reply_markup=None)
            )
        if in_private:
            await self._send(update, answer.replies)

    async def stranger(self, update: Update, context: Context) -> None:
        """Anything from a group the bot does not belong in: say so, and leave it."""
        chat = update.effective_chat
        member = update.my_chat_member
        query = update.callback_query
        said = update.effective_message
        if said is not None and (said.migrate_to_chat_id or said.migrate_from_chat_id):
            # A group becoming a supergroup (turning on topics does it) gets a new id: that
            # may be the agents' own group, so never leave on it; say what to configure.
            log.warning(
                "chat %d moved to a new id; update [helpdesk] chat_id if it is ours",
                chat.id if chat else 0,
            )
            return
        # A private chat's my_chat_member is a user blocking or unblocking the bot: not ours.
        if chat is None or chat.type == ChatType.PRIVATE or chat.id in self.desk.helpdesk.chats():
            if query is not None:  # a button in a region chat: answered, and left alone
                self.store.transaction.on_commit(lambda: query.answer())
            return
        if member is not None and member.new_chat_member.status not in ("member", "administrator"):
            return  # the bot was removed: nothing to say, nowhere to say it
        if query is not None:
            self.store.transaction.on_commit(lambda: query.answer())
        user = update.effective_user
        language = language_of(user.language_code if user else None)
        for message in self.desk.agents.leave(chat.id, language):
            await self.store.outbox.put(message, self.desk.clock.now())

    async def group_text(self, update: Update, context: Context) -> None:
        """A message in the agents' group: relay it when it belongs to a ticket."""
        message = update.effective_message
        assert message is not None
        replies = await self.desk.agents.message(
            _sender(update),
            message.text or "",
            message_id=message.message_id,
            thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_to=_replied_to(message),
            replied_text=_replied_text(message, context.bot.id),
        )
        await self._send(update, replies)

    async def purge(self, context: Context) -> None:
        """Job: erase tickets past their retention, and handled update ids past a day."""

        async def erase() -> int:
            await self.store.inbox.forget_before(self.desk.clock.now() - _SEEN_FOR)
            return await self.desk.privacy.purge()

        erased = await self._job("the purge", erase)
        if erased:
            log.info("erased %d closed tickets past retention", erased)

    async def _job(self, what: str, work: Callable[[], Awaitable[_T]]) -> _T | None:
        """Run a job's work in a transaction; a busy or failing database puts it off."""
        try:
            async with self.store.transaction():
                return await work()
        except StoreError as exc:
            log.warning("%s is put off: %s", what, exc)
            return None

    async def error(self, update: object, context: Context) -> None:
        """Log every error with its traceback; the intake rolls the update back and apologises."""
        log.error("error while handling an update", exc_info=context.error)
        if self._intake is not None:
            self._intake.failed(update, context.error)

    async def _send(self, update: Update, replies: Sequence[Reply]) -> None:
        """Queue the replies to an update in the outbox: retried until Telegram takes them."""
        chat = update.effective_chat
        if chat is None or not replies:
            return
        message = update.effective_message
        thread = message.message_thread_id if message and message.is_topic_message else None
        now = self.desk.clock.now()
        for index, reply in enumerate(replies):
            await self.store.outbox.put(
                Outgoing(
                    chat_id=chat.id,
                    text=reply.text,
                    dedupe_key=f"reply:{update.update_id}:{index}",
                    buttons=reply.buttons,
                    keyboard=reply.keyboard,
                    thread_id=thread,
                    urgent=reply.urgent,
                ),
                now,
            )


def _rest(context: Context) -> str:
    """A command's arguments as one text, cleaned like any text (no lone surrogates)."""
    return clean(" ".join(context.args or []))


def _toast(text: str | None) -> str | None:
    return text[:200] if text else None


def _sender(update: Update) -> Sender:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    return Sender(
        user_id=user.id,
        chat_id=chat.id,
        username=user.username,
        language_code=user.language_code,
    )


def _replied_to(message: Message) -> int | None:
    replied = message.reply_to_message
    # In a forum, a message without an explicit reply "replies" to the topic's first message.
    if replied is None or (
        message.is_topic_message and replied.message_id == message.message_thread_id
    ):
        return None
    return replied.message_id


def _replied_text(message: Message, bot_id: int) -> str:
    """Return the text of the bot's own message this one replies to (else '')."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return ""
    return replied.text or ""
