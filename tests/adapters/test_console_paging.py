"""Paging the brigade in the console: the whole flow in one terminal, as a user types it.

You play the mayor and, with `:role duty_officer`, the level-1 duty officer of the demo
roster (levels 2 and 3 are a backup and a coordinator), at a pretend time set with `:at`.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import run_cli

CRISIS = "Onrust bij het azc, er staat een menigte voor de deur"
# Saturday night 02:10 in Amsterdam: after hours.
MAYOR_AT_NIGHT = [":role mayor", ":municipality Brummen", ":at 2026-11-21T02:10"]
PAGE = [*MAYOR_AT_NIGHT, CRISIS, "1"]
PAGE_TO_OFFICER = "→ aan jou (piketfunctionaris, niveau 1): 🚨 PIKETOPROEP #1"


class Transcript:
    """The console's output, cut into what each typed line showed."""

    def __init__(self, stdout: str) -> None:
        self.header, *turns = stdout.split("jij> ")
        self.turns = [(typed, output) for typed, _, output in (t.partition("\n") for t in turns)]

    def shown(self, step: int) -> str:
        """What the step-th typed line (counted from 0) made the console print."""
        return self.turns[step][1]

    @property
    def typed(self) -> list[str]:
        """The typed lines, echoed back because the input was piped."""
        return [typed for typed, _ in self.turns]


def chat(lines: list[str], cwd: Path) -> Transcript:
    """Pipe the lines into `python -m bot shell`, as `printf ... | python -m bot shell`."""
    result = run_cli("shell", stdin="".join(f"{line}\n" for line in lines), cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    out = Transcript(result.stdout)
    assert out.typed == lines
    return out


def test_mayor_after_hours_gets_112_then_the_helpline_then_pages_the_duty_officer(
    tmp_path: Path,
) -> None:
    out = chat(PAGE, tmp_path)
    assert out.shown(2) == "Tijd: 2026-11-21T02:10+01:00.\n"

    offer = out.shown(3)
    assert offer.startswith("bot> Direct gevaar? Bel 112.")
    assert offer.index("112") < offer.index("NGB-helplijn: 070-373 8080")
    assert "  [1] 🚨 Piket inschakelen" in offer
    assert "→ " not in offer, "nothing is paged before the mayor asks for it"

    paged = out.shown(4)
    assert paged.startswith(PAGE_TO_OFFICER)
    assert f"“{CRISIS}”" in paged
    assert "jij, burgemeester (Brummen) vraagt de vliegende brigade." in paged
    assert "Niveau 1." in paged
    assert "  [1] ✅ Aannemen\n  [2] ↪️ Doorzetten\n  [3] 🏁 Afgehandeld" in paged
    assert "→ aan jou: Ik heb de piketfunctionaris van de vliegende brigade opgeroepen (#1)." in (
        paged
    )
    assert "aan de backup" not in paged
    assert "aan de coördinator" not in paged


def test_crisis_command_pages_with_the_command_text(tmp_path: Path) -> None:
    out = chat([*MAYOR_AT_NIGHT, "/crisis Brand in de noodopvang", "1"], tmp_path)
    assert out.shown(3).startswith("bot> Direct gevaar? Bel 112.")
    assert out.shown(4).startswith(PAGE_TO_OFFICER)
    assert "“Brand in de noodopvang”" in out.shown(4)


def test_officer_acknowledges_talks_with_the_mayor_and_resolves(tmp_path: Path) -> None:
    lines = [
        *PAGE,
        ":role duty_officer",  # 5
        "1",  # 6: Aannemen
        "Ik bel u over twee minuten terug",  # 7
        ":role mayor",  # 8
        "Ik ben bereikbaar op 06-12345678",  # 9
        "En de politie is er ook",  # 10
        ":wait 6m",  # 11: acknowledged, so nothing moves on
        ":role duty_officer",  # 12
        "/afgehandeld ME heeft de ingang vrijgemaakt",  # 13
        ":role mayor",  # 14
        "1",  # 15: Ja, dit hielp
    ]
    out = chat(lines, tmp_path)
    assert out.shown(5) == "Je bent nu: duty_officer.\n"

    acked = out.shown(6)
    assert acked.startswith(
        "→ aan jou: ✅ jij van de vliegende brigade heeft uw oproep #1 aangenomen."
    )
    assert "aan de backup" not in acked

    assert out.shown(7) == (
        "→ aan jou: 💬 jij, vliegende brigade (#1): Ik bel u over twee minuten terug\n"
    )
    assert (
        out.shown(9) == "→ aan jou: 💬 jij, burgemeester (#1): Ik ben bereikbaar op 06-12345678\n"
    )
    assert out.shown(10) == "→ aan jou: 💬 jij, burgemeester (#1): En de politie is er ook\n"
    assert out.shown(11) == "Tijd: 2026-11-21T02:16+01:00.\n"

    resolved = out.shown(13)
    assert resolved.startswith(
        "→ aan jou: De vliegende brigade heeft oproep #1 afgehandeld. "
        "ME heeft de ingang vrijgemaakt Heeft dit u geholpen?"
    )
    assert "  [1] " in resolved and "  [2] " in resolved
    assert "💬" not in resolved, "/afgehandeld is a command, not a message for the mayor"
    assert "Bedankt voor je reactie!" in out.shown(15)


def test_mayor_messages_before_anyone_acknowledges_reach_the_paged_officer(
    tmp_path: Path,
) -> None:
    out = chat([*PAGE, "Het wordt drukker", "Nu ook vuurwerk"], tmp_path)
    for step, text in ((5, "Het wordt drukker"), (6, "Nu ook vuurwerk")):
        shown = out.shown(step)
        assert shown.startswith("bot> Uw bericht is bij oproep #1 gevoegd.")
        assert "070-373 8080" in shown
        assert f"→ aan jou: 💬 jij, burgemeester (#1): {text}" in shown


def test_unacknowledged_page_times_out_level_by_level_then_sends_the_mayor_to_the_helpline(
    tmp_path: Path,
) -> None:
    out = chat([*PAGE, ":wait 4m", ":wait 2m", ":wait 6m", ":wait 6m"], tmp_path)
    assert out.shown(5) == "Tijd: 2026-11-21T02:14+01:00.\n", "level 1 still has a minute"

    level_2 = out.shown(6)
    assert level_2.startswith("Tijd: 2026-11-21T02:16+01:00.")
    assert "→ aan de backup: 🚨 PIKETOPROEP #1" in level_2
    assert f"“{CRISIS}”" in level_2
    assert "Niveau 2." in level_2
    assert "→ aan jou: Nog niemand heeft oproep #1 aangenomen; ik roep nu ook niveau 2 op." in (
        level_2
    )
    assert "aan de coördinator" not in level_2

    level_3 = out.shown(7)
    assert "→ aan de coördinator: 🚨 PIKETOPROEP #1" in level_3
    assert "Niveau 3." in level_3
    assert "ik roep nu ook niveau 3 op." in level_3

    exhausted = out.shown(8)
    assert (
        "→ aan jou: ⚠️ Ik heb nog niemand van de vliegende brigade bereikt (#1). "
        "Bel nu zelf de NGB-helplijn: 070-373 8080." in exhausted
    )


def test_late_acknowledgement_after_a_timeout_tells_the_others(tmp_path: Path) -> None:
    out = chat([*PAGE, ":wait 6m", ":role duty_officer", "1"], tmp_path)
    assert "→ aan de backup: 🚨 PIKETOPROEP #1" in out.shown(5)
    acked = out.shown(7)
    assert "→ aan jou: ✅ jij van de vliegende brigade heeft uw oproep #1 aangenomen." in acked
    assert "→ aan de backup: Oproep #1 is aangenomen door jij." in acked


def test_a_second_page_while_one_is_open_tells_the_state_of_the_first(tmp_path: Path) -> None:
    out = chat([*PAGE, "/crisis", "1"], tmp_path)
    assert "  [1] 🚨 Piket inschakelen" in out.shown(5)
    assert out.shown(6) == "bot> U heeft al een open oproep (#1, nog niet aangenomen)." + (
        " U hoort hier wat er gebeurt; wat u typt gaat naar de piketfunctionaris"
        " zodra die heeft aangenomen.\n"
    )


def test_a_second_page_after_the_first_was_taken_tells_it_is_taken(tmp_path: Path) -> None:
    lines = [*PAGE, ":role duty_officer", "1", ":role mayor", "/crisis", "1"]
    out = chat(lines, tmp_path)
    assert "aangenomen" in out.shown(6)
    assert out.shown(9).startswith("bot> U heeft al een open oproep (#1, aangenomen).")
    assert "#2" not in "".join(out.shown(step) for step in range(len(lines)))


def test_only_a_mayor_can_page(tmp_path: Path) -> None:
    out = chat([":role staff", ":at 2026-11-21T02:10", "/crisis", "1"], tmp_path)
    assert "PIKETOPROEP" not in out.shown(3)
    assert "→ aan jou" not in out.shown(3)
