"""Run the command line as a user would: a real subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, stdin: str = "", cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in `cwd` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
