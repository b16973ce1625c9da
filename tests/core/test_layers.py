"""The core stands alone: importing all of it loads no Telegram, no database, no config."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import bot.core
from tests.conftest import ROOT

# What the core must never pull in: the transport, the database driver, and the outer
# layers (config parses TOML into the core's settings, never the other way round).
OUTSIDE = ("telegram", "aiosqlite", "bot.config", "bot.store", "bot.adapters", "bot.cli")


def test_importing_every_core_module_loads_nothing_from_outside_the_core() -> None:
    names = [m.name for m in pkgutil.iter_modules(bot.core.__path__, "bot.core.")]
    assert len(names) > 20 and "bot.core.desk" in names
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        f"outside = {OUTSIDE!r}\n"
        "print(sorted(m for m in sys.modules if any(m == o or m.startswith(o + '.')"
        " for o in outside)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
