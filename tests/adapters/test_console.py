"""The console chat, driven through stdin as `echo ... | python -m bot shell`."""

from __future__ import annotations

from pathlib import Path

from bot.core.commands import COMMANDS, Where
from tests.helpers import run_cli


def test_piped_question_gets_the_answer_with_source_and_date(tmp_path: Path) -> None:
    result = run_cli("shell", stdin="Wat is het OTAV?\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "jij> Wat is het OTAV?" in result.stdout
    assert "OndersteuningsTeam" in result.stdout or "Ondersteuningsteam" in result.stdout
    assert "📄 Bron:" in result.stdout
    assert "stand januari 2016" in result.stdout


def test_browse_themes_and_pick_a_question_by_number(tmp_path: Path) -> None:
    result = run_cli("shell", stdin="/themas\n1\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kies een onderwerp:" in out
    assert "[1] 🏛️ OTAV en de vliegende brigade" in out
    assert "kies een vraag" in out
    assert out.count("📄 Bron:") == 1


def test_clarify_then_pick_a_candidate(tmp_path: Path) -> None:
    result = run_cli("shell", stdin="expert\n1\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Kies de vraag die het beste past" in result.stdout
    assert "Geen van deze" in result.stdout
    assert "📄 Bron:" in result.stdout


def test_role_time_and_language_switches(tmp_path: Path) -> None:
    lines = ":role mayor\n:role king\n:at 2026-11-21T23:30\n:at gisteren\n:lang en\nwhat is gzza\n"
    result = run_cli("shell", stdin=lines, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Je bent nu: mayor." in out
    assert "Onbekende rol 'king'. Kies uit: mayor, deputy_mayor" in out
    assert "Tijd: 2026-11-21T23:30+01:00." in out
    assert "expected a time in ISO-8601" in out
    assert "📄 Source:" in out


def test_none_of_these_goes_to_the_helpdesk(tmp_path: Path) -> None:
    result = run_cli("shell", stdin="expert\n4\n", cwd=tmp_path)
    assert "→ aan de helpdesk: 🎫 Vraag #1" in result.stdout
    assert "Je vraag staat bij de helpdesk als #1" in result.stdout


def test_unanswerable_question_becomes_a_ticket(tmp_path: Path) -> None:
    stdin = ":role staff\n:municipality Bergen\n:municipality Brummen\nmag een sporthal?\n"
    result = run_cli("shell", stdin=stdin, cwd=tmp_path)
    out = result.stdout
    assert "Gemeente 'Bergen' ken ik niet. Bedoel je: Bergen (L.), Bergen (NH.)" in out
    assert "Gemeente: Brummen (regio Oost)." in out
    assert "→ aan de helpdesk: 🎫 Vraag #1" in out
    assert "staff · Brummen (regio Oost)" in out


def test_crisis_after_hours_as_mayor(tmp_path: Path) -> None:
    stdin = ":role mayor\n:municipality Brummen\n:at 2026-11-21T02:10\n/crisis\n"
    result = run_cli("shell", stdin=stdin, cwd=tmp_path)
    assert "bot> Direct gevaar? Bel 112." in result.stdout
    assert "070-373 8080" in result.stdout
    assert "[1] 🚨 Piket inschakelen" in result.stdout


def test_odd_input_gets_a_polite_reply(tmp_path: Path) -> None:
    stdin = "\n🙈🙈\nasdfgh\n" + "x" * 10_000 + "\n9\n"
    result = run_cli("shell", stdin=stdin, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stdout.count("bot> ") >= 4


def test_every_command_telegram_has_runs_in_the_console_and_none_becomes_a_ticket(
    tmp_path: Path,
) -> None:
    typed = [f"/{c.name}" for c in COMMANDS if c.where is Where.PRIVATE and c.name != "crisis"]
    stdin = ":role duty_officer\n" + "".join(f"{line}\n" for line in typed)
    result = run_cli("shell", stdin=stdin, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    assert "🎫 Vraag" not in out and "staat bij de helpdesk" not in out
    assert "Piket nu:" in out  # /piket
    assert "Dit bewaar ik van je:" in out  # /mijngegevens
    assert "PIKETOPROEP #1 · TEST" in out  # /testpiket
    assert "Typ /doorzetten met het nummer van de oproep" in out  # /doorzetten
    assert "Typ /annuleer met het nummer" in out  # /annuleer
    assert "Gebruik: /overdracht @gebruikersnaam" in out  # /overdracht


def test_an_agent_closes_a_ticket_with_sluit_in_the_console(tmp_path: Path) -> None:
    stdin = ":role agent\nmag een sporthal?\n/sluit 1\n/sluit 1\n/onbekend\n"
    result = run_cli("shell", stdin=stdin, cwd=tmp_path)
    out = result.stdout
    assert "→ aan de helpdesk: 🎫 Vraag #1" in out
    assert "✅ #1 is gesloten door jij; de vrager is ingelicht." in out
    assert "Vraag #1 is al gesloten" in out  # the second /sluit
    assert "Zo werk ik:" in out  # an unknown command gets the help, not a ticket
    assert "Vraag #2" not in out
