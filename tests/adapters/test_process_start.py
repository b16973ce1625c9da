"""Starting and stopping `python -m bot run`: clear lines for a refused token or no server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.botapi import TOKEN, BotApiServer
from tests.process import ROOT, BotProcess, write_config

WRONG = "123456789:" + "A" * 35


async def run_bot(config: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--config",
        str(config),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_a_refused_token_is_one_clear_line_exit_2_and_never_printed(
    api: BotApiServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path, api, ack_timeout="5m", sweep="2s")
    config.write_text(config.read_text().replace(TOKEN, WRONG))
    code, err = await run_bot(config)
    assert code == 2
    assert err.splitlines()[-1] == (
        "error: Telegram refused the token: check [telegram] token or HELPDESK_TELEGRAM_TOKEN"
    )
    assert "Traceback" not in err and WRONG not in err


async def test_an_unreachable_bot_api_is_one_clear_line(tmp_path: Path) -> None:
    server = BotApiServer()
    config = write_config(tmp_path, server, ack_timeout="5m", sweep="2s")
    config.write_text(config.read_text().replace(server.base_url, "http://127.0.0.1:9/bot"))
    code, err = await run_bot(config)
    assert code == 1
    assert err.splitlines()[-1].startswith("error: cannot reach the Bot API at http://127.0.0.1:9")
    assert "Traceback" not in err


async def test_sigterm_stops_the_bot_cleanly(api: BotApiServer, tmp_path: Path) -> None:
    bot = BotProcess(write_config(tmp_path, api, ack_timeout="5m", sweep="2s"), api)
    await bot.start()
    languages = [p.get("language_code") for m, p in api.calls if m == "setMyCommands"]
    assert sorted(languages, key=str) == [None, "en"]
    await bot.stop()
    assert bot.process is not None and bot.process.returncode == 0
    assert "Traceback" not in bot.log.read_text()
