"""The administrator command line end to end: real `python -m bot` processes on a temp database."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import escalation
from bot.core.clock import AMSTERDAM
from bot.core.escalation import Policy, Transition
from bot.core.models import Member
from bot.core.roster import Plan, Responder
from bot.store.sqlite import Store
from tests.helpers import run_cli

CONFIG = '[storage]\npath = "db.sqlite3"\n[telegram]\nusername = "otav_test_bot"\n'
NIGHT = ["--from", "2026-11-23T17:00", "--to", "2026-11-24T09:00"]
BACKWARDS = ["--from", "2026-11-24T09:00", "--to", "2026-11-23T17:00"]
HEADER = "user,level,from,to\n"


class Admin:
    """An administrator at a terminal, with a config and database in a temp folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.config = folder / "config.toml"
        self.config.write_text(CONFIG, encoding="utf-8")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = run_cli(*args, "--config", str(self.config), cwd=self.folder)
        assert "Traceback" not in result.stderr + result.stdout
        return result

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def enrol(self, user_id: int, username: str, role: str, name: str, town: str = "") -> None:
        """Invite someone with the CLI and redeem the code as /start would."""
        extra = ["--municipality", town] if town else []
        out = self.ok("invite", "create", "--role", role, "--name", name, *extra)
        code = out.splitlines()[0].removeprefix("code: ")

        async def redeem(store: Store) -> None:
            now = datetime.now(UTC)
            grant = await store.invites.redeem(code, user_id, now)
            assert grant is not None
            member = Member(
                user_id=user_id,
                chat_id=user_id,
                role=grant.role,
                municipality=grant.municipality,
                name=grant.name,
                username=username,
            )
            await store.users.save(member, now)

        self.with_store(redeem)

    def with_store(self, work: Callable[[Store], Awaitable[None]]) -> None:
        async def main() -> None:
            store = await Store.open(self.folder / "db.sqlite3")
            try:
                async with store.transaction():
                    await work(store)
            finally:
                await store.close()

        asyncio.run(main())


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    """An admin with two registered people: a duty officer and a mayor."""
    desk = Admin(tmp_path)
    desk.enrol(101, "ans_dijk", "duty_officer", "Ans Dijk")
    desk.enrol(202, "burg_utrecht", "mayor", "Burgemeester Utrecht", "utrecht")
    return desk


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stderr.strip().splitlines()[-1]


# -- invites ----------------------------------------------------------------------------------


def test_invite_create_prints_a_code_and_its_deep_link(tmp_path: Path) -> None:
    out = Admin(tmp_path).ok("invite", "create", "--role", "duty_officer", "--expires", "7d")
    code_line, link = out.splitlines()
    code = code_line.removeprefix("code: ")
    assert code_line.startswith("code: ") and len(code) >= 16
    assert link == f"https://t.me/otav_test_bot?start={code}"


def test_invite_create_rejects_a_bad_expiry_in_one_line(tmp_path: Path) -> None:
    result = Admin(tmp_path).run("invite", "create", "--role", "agent", "--expires", "soon")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1  # one line, no usage block
    assert last_line(result) == (
        "python -m bot invite create: error: argument --expires: "
        "expected a duration such as '30s', '5m', '2h' or '7d', got 'soon'"
        " (see python -m bot invite create --help)"
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--role", "agent", "--expires", "0d"), "--expires must be longer than nothing"),
        (("--role", "mayor"), "a mayor invite needs --municipality"),
    ],
)
def test_invite_create_refuses_a_dead_code_or_a_mayor_without_a_town(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    result = Admin(tmp_path).run("invite", "create", *args)
    assert result.returncode == 2
    assert says in last_line(result)


def test_invite_create_rejects_an_unknown_role_naming_the_allowed_ones(tmp_path: Path) -> None:
    result = Admin(tmp_path).run("invite", "create", "--role", "king")
    assert result.returncode == 2
    assert "invalid choice: 'king'" in last_line(result)
    for role in ("mayor", "deputy_mayor", "staff", "duty_officer", "agent", "admin", "guest"):
        assert f"'{role}'" in last_line(result)


# -- users ------------------------------------------------------------------------------------


def test_users_list_set_role_and_revoke(admin: Admin) -> None:
    assert admin.ok("users", "list").splitlines() == [
        "101\tduty_officer\t-\tAns Dijk\t@ans_dijk",
        "202\tmayor\tUtrecht\tBurgemeester Utrecht\t@burg_utrecht",
    ]
    assert admin.ok("users", "set-role", "@ans_dijk", "agent").strip() == "101 is now agent"
    assert "101\tagent\t-\tAns Dijk" in admin.ok("users", "list")
    assert admin.ok("users", "revoke", "202").strip() == "revoked 202 (mayor)"
    assert admin.ok("users", "list").splitlines() == ["101\tagent\t-\tAns Dijk\t@ans_dijk"]


def test_users_list_on_an_empty_database(tmp_path: Path) -> None:
    assert Admin(tmp_path).ok("users", "list").strip() == "(no users)"


@pytest.mark.parametrize("ref", ["303", "@nobody", "99999999999999999999", "-5"])
@pytest.mark.parametrize("extra", [(), ("admin",)], ids=["revoke", "set-role"])
def test_users_commands_refuse_an_unknown_user(admin: Admin, ref: str, extra: tuple[str]) -> None:
    action = "set-role" if extra else "revoke"
    result = admin.run("users", action, ref, *extra)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: no active user {ref!r} (give a Telegram user id or @username)"
    )


# -- the roster -------------------------------------------------------------------------------


def test_roster_add_show_and_remove(admin: Admin) -> None:
    out = admin.ok("roster", "add", "--user", "@ans_dijk", "--level", "1", *NIGHT)
    assert out.strip() == "shift 1: Ans Dijk level 1 2026-11-23 17:00 – 2026-11-24 09:00"
    shown = admin.ok("roster", "show", "--at", "2026-11-23T20:00").splitlines()
    assert shown[0] == "on duty at 2026-11-23 20:00 CET:"
    assert shown[1] == "  [1] level 1: Ans Dijk, 2026-11-23 17:00 – 2026-11-24 09:00"
    assert admin.ok("roster", "remove", "--id", "1").strip() == "shift 1 removed"
    assert admin.ok("roster", "show", "--at", "2026-11-23T20:00").splitlines()[1] == "  nobody"
    again = admin.run("roster", "remove", "--id", "1")
    assert again.returncode == 2
    assert "no shift with id 1" in again.stderr


def test_roster_remove_wants_a_number(admin: Admin) -> None:
    result = admin.run("roster", "remove", "--id", "abc")
    assert result.returncode == 2
    assert "expected a positive whole number, got 'abc'" in last_line(result)


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--user", "101", "--level", "1", *BACKWARDS], "the shift must end after it starts"),
        (["--user", "101", "--level", "4", *NIGHT], "level must be 1, 2 or 3"),
        (["--user", "@nobody", "--level", "1", *NIGHT], "no registered user '@nobody'"),
        (["--user", "101", "--level", "1", "--from", "morgen", "--to", "x"], "ISO-8601"),
    ],
)
def test_roster_add_refuses_a_bad_shift(admin: Admin, args: list[str], problem: str) -> None:
    result = admin.run("roster", "add", *args)
    assert result.returncode == 2
    assert problem in result.stderr
    assert "  nobody" in admin.ok("roster", "show", "--at", "2026-11-23T20:00")


@pytest.mark.parametrize("role", ["mayor", "agent", "staff"])
def test_roster_add_refuses_who_is_not_a_duty_officer_or_admin(admin: Admin, role: str) -> None:
    admin.enrol(303, "someone", role, "Iemand", "Brummen" if role != "agent" else "")
    result = admin.run("roster", "add", "--user", "303", "--level", "1", *NIGHT)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert f"is {role}" in result.stderr and "only a duty_officer or admin" in result.stderr
    assert "  nobody" in admin.ok("roster", "show", "--at", "2026-11-23T20:00")


def test_roster_add_accepts_an_admin(admin: Admin) -> None:
    admin.enrol(404, "beheer", "admin", "Beheerder")
    out = admin.ok("roster", "add", "--user", "@beheer", "--level", "3", *NIGHT)
    assert out.startswith("shift 1: Beheerder level 3")


# -- roster import ----------------------------------------------------------------------------

GOOD_ROWS = (
    "@ans_dijk,1,2026-11-23T17:00,2026-11-24T09:00\n"
    "101,2,2026-11-23T17:00,2026-11-24T09:00\n"
    "ans_dijk,3,2026-11-23T18:00,2026-11-23T23:00\n"
)


def test_roster_import_a_good_file(admin: Admin) -> None:
    (admin.folder / "roster.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    assert admin.ok("roster", "import", "roster.csv").strip() == (
        "imported 3 shifts from roster.csv"
    )
    shown = admin.ok("roster", "show", "--at", "2026-11-23T20:00").splitlines()
    assert shown[1:4] == [
        "  [1] level 1: Ans Dijk, 2026-11-23 17:00 – 2026-11-24 09:00",
        "  [2] level 2: Ans Dijk, 2026-11-23 17:00 – 2026-11-24 09:00",
        "  [3] level 3: Ans Dijk, 2026-11-23 18:00 – 2026-11-23 23:00",
    ]


def test_roster_import_a_file_saved_by_excel_with_a_byte_order_mark(admin: Admin) -> None:
    (admin.folder / "roster.csv").write_text(HEADER + GOOD_ROWS, encoding="utf-8-sig")
    assert "imported 3 shifts" in admin.ok("roster", "import", "roster.csv")
    assert "[3] level 3: Ans Dijk" in admin.ok("roster", "show", "--at", "2026-11-23T20:00")


@pytest.mark.parametrize(
    ("bad_row", "problem"),
    [
        ("@nobody,1,2026-11-23T17:00,2026-11-24T09:00", "unknown user '@nobody'"),
        ("101,7,2026-11-23T17:00,2026-11-24T09:00", "level must be 1, 2 or 3"),
        ("101,one,2026-11-23T17:00,2026-11-24T09:00", "level must be 1, 2 or 3"),
        ("101,1,vanavond,2026-11-24T09:00", "expected a time in ISO-8601"),
        ("101,1,2026-11-24T09:00,2026-11-23T17:00", "the shift must end after it starts"),
        ("@burg_utrecht,1,2026-11-23T17:00,2026-11-24T09:00", "only a duty_officer or admin"),
    ],
)
def test_roster_import_a_bad_row_imports_nothing(admin: Admin, bad_row: str, problem: str) -> None:
    rows = GOOD_ROWS.splitlines()
    text = HEADER + "\n".join([rows[0], bad_row, rows[2]]) + "\n"
    (admin.folder / "roster.csv").write_text(text, encoding="utf-8")
    result = admin.run("roster", "import", "roster.csv")
    assert result.returncode == 2
    assert result.stderr.startswith("error: roster.csv:3: ")
    assert problem in result.stderr and "nothing was imported" in result.stderr
    assert admin.ok("roster", "show", "--at", "2026-11-23T20:00").splitlines()[1] == "  nobody"


# -- reports ----------------------------------------------------------------------------------


def test_report_escalations_on_an_empty_database(tmp_path: Path) -> None:
    desk = Admin(tmp_path)
    assert desk.ok("report", "escalations", "--since", "30d").splitlines() == [
        "(no escalations)",
        "time to acknowledge: no data",
        "time to resolve: no data",
    ]
    assert desk.ok("report", "escalations", "--csv").splitlines() == [
        "id,created,municipality,state,ack_seconds,resolve_seconds"
    ]


def test_report_escalations_times_to_acknowledge_and_resolve(tmp_path: Path) -> None:
    desk = Admin(tmp_path)
    now = datetime.now(UTC).replace(microsecond=0)
    officer = Responder(user_id=101, chat_id=101, name="Ans Dijk")
    plan = Plan(levels=((officer,), (), ()))

    async def page(store: Store, at: datetime, ack: int, done: int, test: bool = False) -> None:
        """One escalation acknowledged after `ack` and resolved after `done` minutes."""
        first = escalation.start(
            id=await store.escalations.next_id(),
            mayor_id=202,
            mayor_chat=202,
            mayor_name="Burgemeester",
            municipality="Utrecht",
            message="brand in de opvang",
            phone=None,
            plan=plan,
            now=at,
            policy=Policy(),
            test=test,
        )
        await store.escalations.record(first, [], at, new=True)
        acked = escalation.acknowledge(first.escalation, 101, at + timedelta(minutes=ack))
        assert isinstance(acked, Transition)
        await store.escalations.record(acked, [], at + timedelta(minutes=ack))
        closed = escalation.resolve(acked.escalation, 101, "klaar", at + timedelta(minutes=done))
        assert isinstance(closed, Transition)
        await store.escalations.record(closed, [], at + timedelta(minutes=done))

    async def fill(store: Store) -> None:
        await page(store, now - timedelta(hours=3), ack=3, done=20)
        await page(store, now - timedelta(hours=2), ack=10, done=40)
        await page(store, now - timedelta(hours=1), ack=60, done=90, test=True)
        await page(store, now - timedelta(days=40), ack=1, done=2)

    desk.with_store(fill)
    first = (now - timedelta(hours=3)).astimezone(AMSTERDAM)
    second = (now - timedelta(hours=2)).astimezone(AMSTERDAM)
    assert desk.ok("report", "escalations", "--since", "30d").splitlines() == [
        f"#1 {first:%Y-%m-%d %H:%M} Utrecht resolved: ack 3.0 min, resolved 20.0 min",
        f"#2 {second:%Y-%m-%d %H:%M} Utrecht resolved: ack 10.0 min, resolved 40.0 min",
        "time to acknowledge: median 6.5 min, 90th percentile 10.0 min (n=2)",
        "time to resolve: median 30.0 min, 90th percentile 40.0 min (n=2)",
    ]
    rows = desk.ok("report", "escalations", "--csv").splitlines()
    assert [r.split(",")[0] for r in rows] == ["id", "1", "2"]
    assert rows[1].endswith(",Utrecht,resolved,180,1200")


def test_report_unanswered_on_an_empty_database(tmp_path: Path) -> None:
    out = Admin(tmp_path).ok("report", "unanswered", "--since", "7d")
    assert out.strip() == "(no unanswered questions)"
