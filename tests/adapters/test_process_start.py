"""Starting and stopping `python -m bot run`: clear lines for a refused token or no server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from pathlib import Path

import aiohttp

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
    menus = {p.get("language_code"): p for m, p in api.calls if m == "setMyCommands"}
    assert sorted(menus, key=str) == [None, "en"]
    dutch = json.loads(menus[None]["commands"])
    assert {"command": "piket", "description": "Wie heeft piket (piket, helpdesk, beheer)"} in dutch
    assert "sluit" not in [c["command"] for c in dutch]  # the agents' group's, not the menu's
    assert len(json.loads(menus["en"]["commands"])) == len(dutch)
    await bot.stop()
    assert bot.process is not None and bot.process.returncode == 0
    assert "Traceback" not in bot.log.read_text()


async def test_webhook_mode_accepts_only_updates_with_the_secret(
    api: BotApiServer, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, api, ack_timeout="5m", sweep="2s")
    config.write_text(
        config.read_text().replace(
            "[telegram]\n",
            f'[telegram]\nwebhook_url = "http://127.0.0.1:{port}/telegram"\n'
            f'webhook_secret = "s3cret-token"\nwebhook_port = {port}\n',
        )
    )
    bot = BotProcess(config, api)
    await bot.start(ready="setWebhook")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 555, "type": "private"},
            "from": {"id": 555, "is_bot": False, "first_name": "W", "language_code": "nl"},
            "text": "wat is het gzza",
        },
    }
    url = f"http://127.0.0.1:{port}/telegram"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(50):  # the web server starts just after setWebhook
                with contextlib.suppress(aiohttp.ClientConnectionError):
                    async with http.post(url, json=update) as forged:
                        break
                await asyncio.sleep(0.1)
            assert forged.status == 403
            secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            async with http.post(url, json=update, headers=secret) as real:
                assert real.status == 200
        reply = await api.wait_for(555, timeout=10)
        assert "GZZA" in reply.text or "zelfzorgarrangement" in reply.text.lower()
        webhook = next(p for m, p in api.calls if m == "setWebhook")
        assert webhook.get("secret_token") == "s3cret-token"
    finally:
        await bot.stop()
    assert len(api.to(555)) == 1  # the forged update was never handled


async def test_an_empty_database_file_is_refused_in_one_line_and_left_alone(
    tmp_path: Path,
) -> None:
    server = BotApiServer()  # never started: the bot must stop before it calls Telegram
    config = write_config(tmp_path, server, ack_timeout="5m", sweep="2s")
    config.write_text(config.read_text().replace(server.base_url, "http://127.0.0.1:9/bot"))
    database = tmp_path / "db.sqlite3"
    database.touch()
    code, err = await run_bot(config)
    assert code == 1
    assert err.splitlines() == [
        f"error: {database} is empty: restore it from a backup, or delete it to start afresh"
    ]
    assert database.stat().st_size == 0
    assert sorted(os.listdir(tmp_path)) == ["config.toml", "db.sqlite3"]  # no -wal, -journal
