"""Build the python-telegram-bot Application: handlers, resources, jobs, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.commands import COMMANDS, HELP, Where
from bot.core.ports import Clock
from bot.core.texts import Texts
from bot.core.triage import Triage
from bot.errors import ConfigError
from bot.store.spool import Spool
from bot.store.sqlite import Store
from bot.wiring import build_desk

from .courier import Courier
from .frontend import Frontend
from .intake import DurableQueue, Intake
from .updates import ChatOrderedProcessor

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# How often kept updates a fault left unhandled are tried again.
REPLAY_INTERVAL = timedelta(seconds=2)


@dataclass
class _Running:
    """What post_init starts and post_shutdown stops, in reverse order."""

    store: Store | None = None
    courier: Courier | None = None
    delivery: asyncio.Task[None] | None = None

    async def close(self) -> None:
        """Stop delivering (lanes finish the message in hand), then close the store."""
        if self.delivery is not None:
            self.delivery.cancel()
            await asyncio.gather(self.delivery, return_exceptions=True)
        if self.courier is not None:
            await self.courier.stop()
        if self.store is not None:
            await self.store.close()
        self.store, self.courier, self.delivery = None, None, None


def check_token(token: str) -> str:
    """Return the token if it looks like a Bot API token; raise ConfigError otherwise."""
    if not token:
        raise ConfigError(
            "no Telegram token: set [telegram] token in the config or HELPDESK_TELEGRAM_TOKEN"
        )
    if not _TOKEN.match(token):
        raise ConfigError("the Telegram token is malformed: expected '<digits>:<letters>'")
    return token


def build_application(settings: Settings, triage: Triage, clock: Clock) -> Application:  # type: ignore[type-arg]
    """Build the Application; the store opens in post_init and closes in post_shutdown."""
    frontend = Frontend()
    queue = DurableQueue()
    processor = ChatOrderedProcessor()
    running = _Running()

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        store = await Store.open(settings.database)
        running.store = store
        desk = build_desk(store, settings, triage, clock)
        # Retries are paced in real time, whatever clock the desk runs on.
        courier = Courier(
            bot=app.bot,
            desk=desk,
            outbox=store.outbox,
            transaction=store.transaction,
            clock=SystemClock(),
            rate=settings.telegram.rate_limit,
        )
        intake = Intake(
            bot=app.bot,
            store=store,
            clock=clock,
            texts=triage.replies.texts,
            ngb_phone=settings.contacts.ngb_phone,
            after=courier.kick,
            spool=Spool(_spool_path(settings)),
            process=app.process_update,
        )
        frontend.attach(desk, courier, store, intake)
        queue.intake = processor.intake = intake
        texts = triage.replies.texts
        await app.bot.set_my_commands(menu(texts, "nl"))
        await app.bot.set_my_commands(menu(texts, "en"), language_code="en")
        # At start-up, before any new update: deadlines that passed while the bot was down,
        # what was queued to send, and what was kept but not handled.
        await frontend.sweep()
        running.courier = courier
        running.delivery = asyncio.create_task(courier.run(), name="courier")
        await intake.replay(queue)
        assert app.job_queue is not None
        app.job_queue.run_repeating(frontend.sweep, interval=settings.sweep_interval)
        app.job_queue.run_repeating(frontend.replay, interval=REPLAY_INTERVAL)
        app.job_queue.run_repeating(frontend.check_roster, interval=timedelta(minutes=15), first=1)
        app.job_queue.run_repeating(frontend.purge, interval=timedelta(hours=6), first=10)
        log.info("bot @%s ready; database %s", app.bot.username, settings.database)

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        await running.close()

    app = (
        Application.builder()
        .token(check_token(settings.telegram.token))
        .base_url(settings.telegram.base_url)
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.telegram.rate_limit))
        .update_queue(queue)
        .concurrent_updates(processor)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    _add_handlers(app, frontend, settings)
    return app


def _spool_path(settings: Settings) -> Path | None:
    """The spool lives next to the database; a database in memory spools in memory."""
    database = str(settings.database)
    return None if database == ":memory:" else Path(f"{database}.spool")


def _add_handlers(app: Application, frontend: Frontend, settings: Settings) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(TypeHandler(Update, frontend.once), group=-1)
    app.add_handler(TypeHandler(Update, frontend.handled), group=1)
    group = filters.Chat(chat_id=settings.helpdesk.chat_id or [])
    for command in COMMANDS:
        where = private if command.where is Where.PRIVATE else group
        app.add_handler(CommandHandler(command.names, frontend.command(command), filters=where))
    app.add_handler(MessageHandler(private & filters.CONTACT, frontend.contact))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, frontend.text))
    app.add_handler(MessageHandler(private & filters.COMMAND, frontend.command(HELP)))
    app.add_handler(MessageHandler(private & ~filters.TEXT, frontend.other))
    app.add_handler(CallbackQueryHandler(frontend.button))
    ours = filters.Chat(chat_id=settings.helpdesk.chats())
    app.add_handler(MessageHandler(~private & ~ours, frontend.stranger))
    app.add_handler(ChatMemberHandler(frontend.stranger, ChatMemberHandler.MY_CHAT_MEMBER))
    if settings.helpdesk.chat_id is not None:
        app.add_handler(
            MessageHandler(group & filters.TEXT & ~filters.COMMAND, frontend.group_text)
        )
    app.add_error_handler(frontend.error)


def run(app: Application, settings: Settings) -> None:  # type: ignore[type-arg]
    """Run until SIGINT or SIGTERM: long polling, or a webhook when one is configured."""
    telegram = settings.telegram
    if telegram.webhook_url:
        app.run_webhook(
            listen=telegram.webhook_listen,
            port=telegram.webhook_port,
            url_path="telegram",
            webhook_url=telegram.webhook_url,
            secret_token=telegram.webhook_secret or None,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)


def menu(texts: Texts, language: str) -> list[BotCommand]:
    """Telegram's command menu in a language, from the command table."""
    return [
        BotCommand(c.name, texts.get(f"command_{c.name}", language)) for c in COMMANDS if c.in_menu
    ]
