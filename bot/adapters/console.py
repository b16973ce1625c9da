"""The local chat: the desk in a terminal, with commands to play any user at any time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TextIO

from bot.config import parse_duration
from bot.core.clock import AMSTERDAM, parse_moment
from bot.core.commands import COMMANDS, Call, Where, find, split
from bot.core.commands import HELP as HELP_COMMAND
from bot.core.desk import Desk
from bot.core.models import Button, Member, Purpose, Reply, Role, Sender
from bot.core.roster import Shift
from bot.core.text import clean
from bot.store.sqlite import Store

HELP = """Typ een vraag, of:
  <nummer>             kies een knop uit het laatste antwoord
{commands}
  :role ROL            speel een andere gebruiker ({roles})
  :municipality NAAM   kies de gemeente van de gebruiker
  :at 2026-11-21T23:30 doe alsof het dat tijdstip is (:at now voor de echte tijd)
  :wait 6m             laat de tijd verstrijken (oproepen lopen door naar het volgende niveau)
  :lang nl|en          taal van de gebruiker
  :quit                stoppen

Het demorooster: niveau 1 ben jij (speel de piketfunctionaris met :role duty_officer),
niveau 2 een backup en niveau 3 een coördinator."""

# The console's pretend Telegram ids: you, a backup and a coordinator, and the agents' group.
YOU = 1
HELPDESK_CHAT = -1
_DEMO_ROSTER = ((YOU, 1, "jij"), (2, 2, "de backup"), (3, 3, "de coördinator"))
_WHERE = {
    YOU: "aan jou",
    2: "aan de backup",
    3: "aan de coördinator",
    HELPDESK_CHAT: "aan de helpdesk",
}


class ConsoleClock:
    """The real time, or the time set with :at running on from there; it never stands still.

    Two moments are never equal, as on a real clock: the desk tells messages apart by the
    time they were sent, so a frozen clock would swallow a second relay.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self._last: datetime | None = None

    def now(self) -> datetime:
        """Return the current (pretend) time, always later than the one returned before."""
        moment = datetime.now(UTC) + self.offset
        if self._last is not None and moment <= self._last:
            moment = self._last + timedelta(microseconds=1)
        self._last = moment
        return moment

    def set(self, moment: datetime | None) -> None:
        """Pretend it is `moment` now (None: the real time again)."""
        self.offset = timedelta(0) if moment is None else moment - datetime.now(UTC)
        self._last = None

    def advance(self, delta: timedelta) -> None:
        """Let time pass."""
        self.offset += delta


class ConsoleChat:
    """Read lines, drive the desk, print replies with numbered buttons and what it sends on."""

    def __init__(self, *, desk: Desk, store: Store, clock: ConsoleClock) -> None:
        self.desk = desk
        self.store = store
        self.clock = clock
        # Municipal staff, the helpdesk's usual asker; ':role guest' shows the FAQ-only view.
        self.role = Role.STAFF
        self.municipality: str | None = None
        self.language = "nl"
        self.options: tuple[Button, ...] = ()

    async def seed(self) -> None:
        """Fill the throwaway database with a demo roster, so paging can be tried."""
        now = self.clock.now()
        always = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
        for user_id, level, name in _DEMO_ROSTER:
            if user_id != YOU:
                demo = Member(user_id=user_id, chat_id=user_id, role=Role.DUTY_OFFICER, name=name)
                await self.store.users.save(demo, now)
            await self.store.shifts.add(Shift(user_id, level, *always))
        await self._save()

    async def run(self, lines: Iterator[str], out: TextIO, *, echo: bool) -> None:
        """Chat until the input ends or the user types :quit."""
        async with self.store.transaction():
            await self.seed()
        out.write("OTAV-helpdesk (console). Typ :help voor hulp, :quit om te stoppen.\n")
        for typed in lines:
            line = clean(typed)
            if echo:
                out.write(f"jij> {line}\n")
            if line.strip() in (":quit", ":q", ":exit"):
                break
            async with self.store.transaction():  # one typed line, one transaction, as on Telegram
                shown = await self.handle(line)
            out.write(shown + "\n")
            out.flush()

    async def handle(self, line: str) -> str:
        """Handle one typed line; return what the console prints."""
        text = line.strip()
        if text.startswith(":"):
            return await self._command(text)
        sender = Sender(user_id=YOU, chat_id=YOU, language_code=self.language)
        if text.isdigit() and self.options:
            number = int(text)
            if not 1 <= number <= len(self.options):
                return f"Kies een nummer van 1 tot {len(self.options)}."
            answer = await self.desk.press(sender, self.options[number - 1].action)
            replies = list(answer.replies)
            # Telegram shows a toast as a pop-up; here it is printed, unless a reply says it.
            if answer.toast and all(r.text != answer.toast for r in replies):
                replies.insert(0, Reply(answer.toast))
        elif (typed := split(text)) is not None:
            replies = await self._slash(sender, *typed)
        else:
            replies = await self.desk.message(sender, line)
        shown = [self._show(r) for r in replies]
        return "\n".join(shown + await self._deliveries())

    async def _slash(self, sender: Sender, name: str, args: str) -> list[Reply]:
        """A command, from the table Telegram uses; an agents' group command is typed as if
        in that group, an unknown one gets the help."""
        command = find(name, Where.PRIVATE)
        if command is None and (command := find(name, Where.GROUP)) is not None:
            sender = replace(sender, chat_id=HELPDESK_CHAT)
        return await (command or HELP_COMMAND).run(self.desk, Call(sender, args))

    def _show(self, reply: Reply) -> str:
        self.options = reply.buttons or self.options
        lines = [f"bot> {reply.text}"]
        lines += [f"  [{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)]
        return "\n".join(lines)

    async def _deliveries(self) -> list[str]:
        """Show what the desk sent on (to the helpdesk, the officers, you), marked as sent."""
        shown = []
        for pending in await self.store.outbox.due(self.clock.now(), limit=100):
            message = pending.message
            where = _WHERE.get(message.chat_id, f"aan chat {message.chat_id}")
            if message.chat_id == YOU and message.purpose is Purpose.PAGE:
                where = f"{where} (piketfunctionaris, niveau 1)"
            shown.append(f"→ {where}: {message.text}")
            if message.chat_id == YOU and message.buttons:
                self.options = message.buttons
                shown += [f"  [{i}] {b.label}" for i, b in enumerate(message.buttons, start=1)]
            await self.store.outbox.sent(pending.ids, None, self.clock.now())
        return shown

    async def _command(self, text: str) -> str:
        name, _, arg = text[1:].partition(" ")
        arg = arg.strip()
        roles = ", ".join(r.value for r in Role)
        if name == "help":
            return HELP.format(roles=roles, commands=self._commands())
        if name == "role":
            if arg not in {r.value for r in Role}:
                return f"Onbekende rol {arg!r}. Kies uit: {roles}."
            self.role = Role(arg)
            await self._save()
            return f"Je bent nu: {self.role.value}."
        if name == "municipality":
            return await self._set_municipality(arg)
        if name == "at":
            return self._set_time(arg)
        if name == "wait":
            return await self._wait(arg)
        if name == "lang":
            if arg not in ("nl", "en"):
                return "Kies :lang nl of :lang en."
            self.language = arg
            await self._save()
            return f"Taal: {arg}."
        return f"Onbekend commando :{name}. Typ :help voor de commando's."

    def _commands(self) -> str:
        texts = self.desk.texts
        return "\n".join(
            f"  /{c.name:<19} {texts.get(f'command_{c.name}', self.language)}" for c in COMMANDS
        )

    async def _save(self) -> None:
        """Store the simulated user the way an invite would."""
        member = Member(
            user_id=YOU,
            chat_id=YOU,
            role=self.role,
            municipality=self.municipality,
            name="jij",
            language=self.language,
        )
        await self.store.users.save(member, self.clock.now())

    async def _set_municipality(self, arg: str) -> str:
        if not arg:
            self.municipality = None
            await self._save()
            return "Gemeente: (geen)."
        found = self.desk.triage.directory.resolve(arg)
        if found.match is None:
            hint = f" Bedoel je: {', '.join(found.suggestions)}?" if found.suggestions else ""
            return f"Gemeente {arg!r} ken ik niet.{hint}"
        self.municipality = found.match.name
        await self._save()
        return f"Gemeente: {found.match.name} (regio {found.match.region})."

    async def _wait(self, arg: str) -> str:
        try:
            delta = parse_duration(arg)
        except ValueError as exc:
            return str(exc)
        self.clock.advance(delta)
        await self.desk.pager.sweep()
        now = self.clock.now().astimezone(AMSTERDAM)
        shown = [f"Tijd: {now.isoformat(timespec='minutes')}."]
        return "\n".join(shown + await self._deliveries())

    def _set_time(self, arg: str) -> str:
        if arg in ("", "now", "nu"):
            self.clock.set(None)
            return "Tijd: de echte tijd."
        try:
            moment = parse_moment(arg)
        except ValueError as exc:
            return str(exc)
        self.clock.set(moment)
        return f"Tijd: {moment.isoformat(timespec='minutes')}."
