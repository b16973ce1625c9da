"""Every slash command: its names, where it works, and what the desk does with it.

Telegram and the console both translate a typed command into a `Call` and run it from this
table, so a command works the same in both. Who may use a command is decided by the service
it calls (an officer's command refuses a non-officer with its own explanation); the menu
text names the audience. The menu texts are `command_<name>` in texts.toml.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.core.actions import Themes
from bot.core.desk import Desk
from bot.core.models import Reply, Sender

# As Telegram recognises a command: a slash, up to 32 letters, digits or _, maybe @bot.
_TYPED = re.compile(r"/(?P<name>[A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?=\s|$)")


class Where(StrEnum):
    """Where a command is typed."""

    PRIVATE = "private"  # a user's own chat with the bot
    GROUP = "group"  # the agents' group


@dataclass(frozen=True)
class Call:
    """A command as typed: by whom, what follows it, and where in the agents' group."""

    sender: Sender
    args: str = ""
    thread_id: int | None = None
    reply_to: int | None = None
    replied_text: str = ""

    @property
    def first(self) -> str:
        """The first word after the command ('' when none)."""
        return self.args.partition(" ")[0]


Handler = Callable[[Desk, Call], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Command:
    """A command: its names (the first is the one shown), where it works, what it does."""

    names: tuple[str, ...]
    where: Where
    run: Handler
    in_menu: bool = True

    @property
    def name(self) -> str:
        """The name the menu shows."""
        return self.names[0]


async def _start(desk: Desk, call: Call) -> list[Reply]:
    return await desk.reception.start(call.sender, call.first or None)


async def _help(desk: Desk, call: Call) -> list[Reply]:
    _, user = await desk.reception.identify(call.sender)
    return [desk.reception.help(user)]


async def _themes(desk: Desk, call: Call) -> list[Reply]:
    return list((await desk.press(call.sender, Themes())).replies)


async def _crisis(desk: Desk, call: Call) -> list[Reply]:
    return await desk.message(call.sender, call.args, crisis=True)


async def _my_data(desk: Desk, call: Call) -> list[Reply]:
    return [await desk.privacy.my_data(call.sender)]


async def _forget(desk: Desk, call: Call) -> list[Reply]:
    _, user = await desk.reception.identify(call.sender)
    return [desk.privacy.forget_prompt(user)]


async def _on_duty(desk: Desk, call: Call) -> list[Reply]:
    member, user = await desk.reception.identify(call.sender)
    return [await desk.duty.on_duty(member, user.language)]


async def _test_page(desk: Desk, call: Call) -> list[Reply]:
    member, user = await desk.reception.identify(call.sender)
    refusal = await desk.pager.test_page(member, user.language)
    return [refusal] if refusal else []


async def _resolve(desk: Desk, call: Call) -> list[Reply]:
    member, user = await desk.reception.identify(call.sender)
    reply = await desk.officers.resolve_command(member, call.args, user.language)
    return [reply] if reply else []


async def _pass_on(desk: Desk, call: Call) -> list[Reply]:
    member, user = await desk.reception.identify(call.sender)
    return [await desk.officers.pass_command(member, call.args, user.language)]


async def _cancel(desk: Desk, call: Call) -> list[Reply]:
    member, user = await desk.reception.identify(call.sender)
    return [await desk.officers.cancel_command(member, call.first, user.language)]


async def _handover(desk: Desk, call: Call) -> list[Reply]:
    member, _ = await desk.reception.identify(call.sender)
    return [await desk.duty.offer_handover(member, call.first)]


async def _close(desk: Desk, call: Call) -> list[Reply]:
    return await desk.agents.close(
        call.sender,
        call.args,
        thread_id=call.thread_id,
        reply_to=call.reply_to,
        replied_text=call.replied_text,
    )


# In menu order.
COMMANDS: tuple[Command, ...] = (
    Command(("start",), Where.PRIVATE, _start),
    Command(("themas", "thema", "themes"), Where.PRIVATE, _themes),
    Command(("help", "hulp"), Where.PRIVATE, _help),
    Command(("crisis",), Where.PRIVATE, _crisis),
    Command(("mijngegevens",), Where.PRIVATE, _my_data),
    Command(("verwijderen",), Where.PRIVATE, _forget),
    Command(("piket",), Where.PRIVATE, _on_duty),
    Command(("testpiket",), Where.PRIVATE, _test_page),
    Command(("afgehandeld",), Where.PRIVATE, _resolve),
    Command(("doorzetten",), Where.PRIVATE, _pass_on),
    Command(("annuleer",), Where.PRIVATE, _cancel),
    Command(("overdracht",), Where.PRIVATE, _handover),
    Command(("sluit",), Where.GROUP, _close, in_menu=False),
)
HELP = next(c for c in COMMANDS if c.name == "help")


def find(name: str, where: Where) -> Command | None:
    """The command typed as `name` (any case, without the slash) where it was typed."""
    wanted = name.lower()
    return next((c for c in COMMANDS if c.where is where and wanted in c.names), None)


def split(text: str) -> tuple[str, str] | None:
    """Split '/name args' (or '/name@bot args') into name and args; None if it is not a
    command, as Telegram reads one ("/ ik heb een vraag" is a question)."""
    found = _TYPED.match(text)
    return None if found is None else (found["name"], text[found.end() :].strip())
