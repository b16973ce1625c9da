"""Command-line entry points; argument parsing only, the work happens elsewhere."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn, TextIO

from bot.admin import (
    add_shift,
    create_invite,
    escalation_report,
    import_roster,
    invite_link,
    list_users,
    read_roster_file,
    remove_shift,
    revoke_user,
    set_role,
    show_roster,
    unanswered_report,
)
from bot.config import TOKEN_ENV, Settings, load_settings, parse_duration
from bot.core.clock import SystemClock, parse_moment
from bot.core.directory import Directory
from bot.core.faq import load_faq
from bot.core.ids import small_id
from bot.core.models import Grant, Inquiry, Role, User
from bot.core.settings import HelpdeskMode
from bot.core.text import Language, clean
from bot.core.triage import Triage
from bot.errors import ConfigError, FaqError, HelpdeskError, UsageError
from bot.store.checks import check_database
from bot.store.sqlite import Store
from bot.wiring import build_desk, build_detector, build_pager, build_triage, load_checked

ROLES = [r.value for r in Role]
# Their routes and replies depend on where they work.
_NEEDS_MUNICIPALITY = frozenset({Role.MAYOR, Role.DEPUTY_MAYOR, Role.STAFF})


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; return the process exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        code: int = args.handler(args, settings)
        return code
    except (ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FaqError as exc:
        print(f"the FAQ has {len(exc.problems)} problem(s):", file=sys.stderr)
        for line in exc.problems:
            print(line, file=sys.stderr)
        return 1
    except HelpdeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the exit flush cannot fail again
        return 0


class _Parser(argparse.ArgumentParser):
    """Argument errors in one line: what was wrong and what is expected."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    parser = _Parser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ask = commands.add_parser("ask", parents=[common], help="answer questions (read-only)")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument("--role", choices=ROLES, default="guest")
    ask.add_argument("--municipality", help="the asker's municipality")
    ask.add_argument("--at", type=_moment, help="ISO-8601 time (default: now)")
    ask.add_argument("--lang", choices=("nl", "en"), default="nl", help="the asker's language")
    ask.add_argument("question", nargs="?", help="the question (default: one per stdin line)")
    ask.set_defaults(handler=_ask)

    shell = commands.add_parser("shell", parents=[common], help="chat with the bot locally")
    shell.set_defaults(handler=_shell)

    run = commands.add_parser("run", parents=[common], help="start the Telegram bot")
    run.set_defaults(handler=_run)

    invite = commands.add_parser("invite", help="one-time invites")
    invite_commands = invite.add_subparsers(dest="invite_command", required=True, metavar="ACTION")
    create = invite_commands.add_parser("create", parents=[common], help="make an invite link")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--municipality", help="the user's municipality")
    create.add_argument("--name", help="how colleagues see this user (optional)")
    create.add_argument("--expires", type=_duration, default=timedelta(days=7), help="e.g. 7d")
    create.set_defaults(handler=_invite_create)

    users = commands.add_parser("users", help="registered users")
    user_commands = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    user_commands.add_parser("list", parents=[common]).set_defaults(handler=_users_list)
    revoke = user_commands.add_parser("revoke", parents=[common])
    revoke.add_argument("user", help="Telegram user id or @username")
    revoke.set_defaults(handler=_users_revoke)
    set_role = user_commands.add_parser("set-role", parents=[common])
    set_role.add_argument("user", help="Telegram user id or @username")
    set_role.add_argument("role", choices=ROLES)
    set_role.set_defaults(handler=_users_set_role)

    roster = commands.add_parser("roster", help="the duty roster")
    roster_commands = roster.add_subparsers(dest="roster_command", required=True, metavar="ACTION")
    add = roster_commands.add_parser("add", parents=[common], help="add a shift")
    add.add_argument("--user", required=True, help="Telegram user id or @username")
    add.add_argument(
        "--level", type=int, required=True, help="1 duty officer, 2 backup, 3 coordinator"
    )
    add.add_argument("--from", dest="start", type=_moment, required=True, help="ISO-8601")
    add.add_argument("--to", dest="end", type=_moment, required=True, help="ISO-8601")
    add.set_defaults(handler=_roster_add)
    remove = roster_commands.add_parser("remove", parents=[common], help="remove a shift")
    remove.add_argument(
        "--id", type=_record_id, required=True, help="the shift's id (see roster show)"
    )
    remove.set_defaults(handler=_roster_remove)
    show = roster_commands.add_parser("show", parents=[common], help="who is on duty")
    show.add_argument("--at", type=_moment, help="ISO-8601 time (default: now)")
    show.set_defaults(handler=_roster_show)
    load = roster_commands.add_parser("import", parents=[common], help="import shifts from CSV")
    load.add_argument("file", type=Path, help="CSV with a header: user,level,from,to")
    load.set_defaults(handler=_roster_import)

    report = commands.add_parser("report", help="reports")
    report_commands = report.add_subparsers(dest="report_command", required=True, metavar="KIND")
    unanswered = report_commands.add_parser("unanswered", parents=[common])
    unanswered.add_argument("--since", type=_duration, default=timedelta(days=30), help="e.g. 30d")
    unanswered.set_defaults(handler=_report_unanswered)
    escalations = report_commands.add_parser("escalations", parents=[common])
    escalations.add_argument("--since", type=_duration, default=timedelta(days=30), help="e.g. 30d")
    escalations.add_argument("--csv", action="store_true", help="CSV for a spreadsheet")
    escalations.set_defaults(handler=_report_escalations)

    faq = commands.add_parser("faq", help="FAQ maintenance")
    faq_commands = faq.add_subparsers(dest="faq_command", required=True, metavar="ACTION")
    check = faq_commands.add_parser("check", parents=[common], help="validate faq/")
    check.set_defaults(handler=_faq_check)
    calibrate = faq_commands.add_parser(
        "calibrate", parents=[common], help="refit the answer decision on the FAQ (under a minute)"
    )
    calibrate.set_defaults(handler=_faq_calibrate)

    crisis = commands.add_parser("crisis", help="crisis detection maintenance")
    crisis_commands = crisis.add_subparsers(dest="crisis_command", required=True, metavar="ACTION")
    crisis_commands.add_parser(
        "fit",
        parents=[common],
        help="refit the crisis decision on bot/data's examples and the FAQ's questions",
    ).set_defaults(handler=_crisis_fit)
    return parser


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _record_id(text: str) -> int:
    number = small_id(text)
    if number is None:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return number


def _moment(text: str) -> datetime:
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def user_for(role: str, municipality: str | None, language: str = "nl") -> User:
    """Make the simulated user of the command line: a named role counts as verified."""
    parsed = Role(role)
    return User(
        role=parsed,
        municipality=municipality,
        verified=parsed is not Role.GUEST,
        language=language,
    )


def resolve_municipality(directory: Directory, typed: str | None) -> str | None:
    """Return the official name of a typed municipality; raise UsageError with suggestions."""
    if typed is None:
        return None
    found = directory.resolve(typed)
    if found.match is not None:
        return found.match.name
    hint = f"; did you mean: {', '.join(found.suggestions)}?" if found.suggestions else ""
    raise UsageError(f"unknown municipality {typed!r}{hint}")


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    triage = build_triage(settings)
    user = user_for(args.role, resolve_municipality(triage.directory, args.municipality))
    user = replace(user, language=args.lang)
    at: datetime = args.at or SystemClock().now()
    questions: Iterable[str] = (
        [args.question]
        if args.question is not None
        else (clean(line.rstrip("\r\n")) for line in sys.stdin)
    )
    out = sys.stdout
    for question in questions:
        _ask_one(triage, Inquiry(text=question, user=user, at=at), args.json, out)
    return 0


def _ask_one(triage: Triage, inquiry: Inquiry, as_json: bool, out: TextIO) -> None:
    outcome = triage.answer(inquiry)
    decision = outcome.decision
    reply = "\n\n".join(r.text for r in outcome.replies)
    if not as_json:
        out.write(reply + "\n\n")
        return
    record = {
        "question": inquiry.text,
        "route": decision.route.value,
        "faq_id": decision.entry_id,
        "alternatives": list(decision.alternatives),
        "score": round(decision.score),
        "crisis": decision.crisis,
        "reply": reply,
    }
    out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _shell(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adapters.console import HELPDESK_CHAT, ConsoleChat, ConsoleClock

    triage = build_triage(settings)
    interactive = sys.stdin.isatty()

    async def chat() -> int:
        # A throwaway database: the console plays, it keeps nothing.
        store = await Store.open(":memory:")
        clock = ConsoleClock()
        helpdesk = replace(settings.helpdesk, chat_id=HELPDESK_CHAT, mode=HelpdeskMode.REPLIES)
        desk = build_desk(store, settings, triage, clock, helpdesk=helpdesk)
        try:
            console = ConsoleChat(desk=desk, store=store, clock=clock)
            await console.run(_lines(interactive), sys.stdout, echo=not interactive)
        finally:
            await store.close()
        return 0

    return asyncio.run(chat())


def _lines(interactive: bool) -> Iterator[str]:
    if not interactive:
        for line in sys.stdin:
            yield line.rstrip("\n")
        return
    while True:
        try:
            yield input("jij> ")
        except EOFError:
            print()
            return


def _faq_check(args: argparse.Namespace, settings: Settings) -> int:
    faq, _, _ = load_checked(settings)  # the same checks the bot makes at start
    build_detector(faq)  # and the crisis model must be fitted on today's words
    phrasings = sum(len(e.phrasings) for e in faq.entries)
    english = sum(len(e.phrasings_en) for e in faq.entries)
    print(
        f"{settings.faq_dir}: {len(faq.entries)} entries in {len(faq.themes)} themes, "
        f"{phrasings} phrasings ({english} English): OK"
    )
    return 0


def _crisis_fit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.crisis_fit import fit_model, write

    model, report = fit_model(load_faq(settings.faq_dir).questions())
    for line in report:
        print(line)
    print(f"written: {write(model, report)}")
    return 0


def _faq_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.calibrate import calibrate

    faq = load_faq(settings.faq_dir)
    for line in calibrate(settings.faq_dir, faq, Language.bundled()):
        print(line)
    print(f"written: {settings.faq_dir / 'calibration.toml'}")
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from telegram.error import InvalidToken, NetworkError

    from bot.adapters.telegram.application import build_application, run
    from bot.logs import configure as configure_logging

    configure_logging(settings.telegram.token)
    if str(settings.database) != ":memory:":
        check_database(settings.database)  # refuse an empty, damaged or read-only one
    app = build_application(settings, build_triage(settings), SystemClock())
    try:
        run(app, settings)
    except InvalidToken:
        raise ConfigError(
            f"Telegram refused the token: check [telegram] token or {TOKEN_ENV}"
        ) from None
    except NetworkError as exc:
        url = settings.telegram.base_url
        raise HelpdeskError(f"cannot reach the Bot API at {url}: {exc.message}") from None
    return 0


def _with_store(
    settings: Settings, work: Callable[[Store], Awaitable[int]], *, writes: bool = True
) -> int:
    if str(settings.database) != ":memory:":
        check_database(settings.database)  # else an empty file would become a new database

    async def main() -> int:
        store = await Store.open(settings.database)
        try:
            if not writes:
                return await work(store)
            async with store.transaction():  # one command, one transaction
                return await work(store)
        finally:
            await store.close()

    return asyncio.run(main())


def _invite_create(args: argparse.Namespace, settings: Settings) -> int:
    if args.expires <= timedelta(0):
        raise UsageError("--expires must be longer than nothing, e.g. 7d")
    if Role(args.role) in _NEEDS_MUNICIPALITY and not args.municipality:
        raise UsageError(f"a {args.role} invite needs --municipality (e.g. --municipality Brummen)")
    municipality = resolve_municipality(Directory.bundled(), args.municipality)
    grant = Grant(role=Role(args.role), municipality=municipality, name=args.name)
    username = settings.telegram.username or _bot_username(settings)

    async def work(store: Store) -> str:
        code = await create_invite(store, grant, SystemClock().now(), args.expires)
        return f"code: {code}\n{invite_link(username, code)}"

    return _print_from_store(settings, work)


def _bot_username(settings: Settings) -> str:
    """Ask Telegram for the bot's username when the config does not name it."""
    from telegram import Bot

    from bot.adapters.telegram.application import check_token

    async def ask() -> str:
        bot = Bot(check_token(settings.telegram.token), base_url=settings.telegram.base_url)
        async with bot:
            return bot.username

    try:
        return asyncio.run(ask())
    except ConfigError:
        raise ConfigError(
            "cannot make the link: set [telegram] username (or a token to look it up)"
        ) from None
    except Exception as exc:  # any network failure: say what to configure instead
        raise ConfigError(
            f"cannot reach Telegram to look up the bot's username ({exc}); set [telegram] username"
        ) from None


def _users_list(args: argparse.Namespace, settings: Settings) -> int:
    return _print_from_store(settings, lambda store: list_users(store), writes=False)


def _users_revoke(args: argparse.Namespace, settings: Settings) -> int:
    return _print_from_store(
        settings, lambda store: revoke_user(store, build_pager(store, settings), args.user)
    )


def _users_set_role(args: argparse.Namespace, settings: Settings) -> int:
    return _print_from_store(
        settings,
        lambda store: set_role(store, build_pager(store, settings), args.user, Role(args.role)),
    )


def _report_unanswered(args: argparse.Namespace, settings: Settings) -> int:
    since = SystemClock().now() - args.since
    return _print_from_store(settings, lambda store: unanswered_report(store, since), writes=False)


def _print_from_store(
    settings: Settings,
    work: Callable[[Store], Awaitable[str | list[str]]],
    *,
    writes: bool = True,
) -> int:
    """Run one command on the database and print what it says once it committed: a reader
    paging through the output must not hold the bot's write lock (a read takes none)."""
    said: list[str] = []

    async def run(store: Store) -> int:
        result = await work(store)
        said.append(result if isinstance(result, str) else "\n".join(result))
        return 0

    code = _with_store(settings, run, writes=writes)
    print("\n".join(said))
    return code


def _roster_add(args: argparse.Namespace, settings: Settings) -> int:
    return _print_from_store(
        settings, lambda store: add_shift(store, args.user, args.level, args.start, args.end)
    )


def _roster_remove(args: argparse.Namespace, settings: Settings) -> int:
    return _print_from_store(settings, lambda store: remove_shift(store, args.id))


def _roster_show(args: argparse.Namespace, settings: Settings) -> int:
    at: datetime = args.at or SystemClock().now()
    return _print_from_store(settings, lambda store: show_roster(store, at), writes=False)


def _roster_import(args: argparse.Namespace, settings: Settings) -> int:
    text = read_roster_file(args.file)
    return _print_from_store(settings, lambda store: import_roster(store, args.file, text))


def _report_escalations(args: argparse.Namespace, settings: Settings) -> int:
    since = SystemClock().now() - args.since
    return _print_from_store(
        settings, lambda store: escalation_report(store, since, args.csv), writes=False
    )
