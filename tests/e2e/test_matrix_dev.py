"""`make run` (`python -m devtools.run`) as a real process in a fresh directory: it starts its own
Synapse, writes .local/demo.json, answers a client that uses it, reports its status, stops
cleanly on SIGTERM and Ctrl-C (taking the homeserver down too), and reuses everything."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import nio

from bot.matrix.crosssign import fingerprint
from devtools.homeserver import _port_is_listening, free_port
from tests.clikit import start_cli
from tests.e2e.botkit import Peer, reply_target

REPO = Path(__file__).resolve().parents[2]


async def _start(
    cwd: Path, port: int, web_port: int, seen: list[str] | None = None
) -> asyncio.subprocess.Process:
    """Start the demo; the lines it prints until it is ready are appended to ``seen``."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for name in ("TRYGGBOT_PASSWORD", "TRYGGBOT_ACCESS_TOKEN", "TRYGGBOT_PSEUDONYM_KEY"):
        env.pop(name, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devtools.run",
        "--log-level",
        "INFO",
        "--port",
        str(port),
        "--web-port",
        str(web_port),
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    lines: list[str] = seen if seen is not None else []

    async def ready() -> None:
        while True:
            line = await proc.stdout.readline()  # type: ignore[union-attr]
            if not line:
                raise AssertionError("dev exited early:\n" + "".join(lines))
            lines.append(line.decode(errors="replace"))
            if "Stop with Ctrl-C" in lines[-1]:
                return

    try:
        await asyncio.wait_for(ready(), 120)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    asyncio.get_running_loop().create_task(_drain(proc))
    return proc


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdout is not None
    while await proc.stdout.readline():
        pass


async def _stop(proc: asyncio.subprocess.Process, sig: int) -> int:
    proc.send_signal(sig)
    try:
        return await asyncio.wait_for(proc.wait(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise


async def _resident(demo: dict[str, Any], which: str) -> Peer:
    account = demo["accounts"][which]
    client = nio.AsyncClient(
        demo["homeserver"],
        account["user_id"],
        config=nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False),
    )
    login = await client.login(account["password"])
    assert isinstance(login, nio.LoginResponse), login
    return await Peer(client).start()


async def _encryption(client: nio.AsyncClient, room_id: str) -> str | None:
    resp = await client.room_get_state_event(room_id, "m.room.encryption", "")
    if isinstance(resp, nio.RoomGetStateEventResponse):
        return str(resp.content.get("algorithm"))
    return None


async def _status(cwd: Path) -> tuple[int, str]:
    proc = await start_cli(
        "status",
        "--config",
        ".local/tryggbot.toml",
        cwd=cwd,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    out, _ = await proc.communicate()
    return int(proc.returncode or 0), out.decode()


async def _web_chat(demo: dict[str, Any]) -> None:
    """The printed web chat answers a page, and the sample kommun page embeds it."""
    chat = demo["web"]["chat"].rstrip("/")
    async with aiohttp.ClientSession() as http:
        async with http.get(demo["web"]["sample_page"]) as resp:
            assert f'<script src="{chat}/embed.js"' in await resp.text()
        async with http.get(f"{chat}/?lang=sv") as resp:
            assert resp.status == 200
            assert "frame-ancestors http://127.0.0.1:" in resp.headers["Content-Security-Policy"]
        headers = {"Origin": chat, "Content-Type": "application/json"}
        body = {"secret": secrets.token_urlsafe(32), "lang": "sv"}
        async with http.post(f"{chat}/api/session", json=body, headers=headers) as resp:
            ticket = (await resp.json())["ticket"]
        message = {"ticket": ticket, "id": secrets.token_urlsafe(12), "text": "!hjälp"}
        async with http.post(f"{chat}/api/send", json=message, headers=headers) as resp:
            assert resp.status == 202
        async with http.get(f"{chat}/api/stream?t={ticket}") as resp:
            received = ""
            while "Det här kan du göra" not in received:
                line = await asyncio.wait_for(resp.content.readline(), 60)
                assert line, "the stream ended"
                received += line.decode()


async def test_dev_run_from_a_fresh_directory(tmp_path: Path) -> None:
    port, web_port = free_port(), free_port()
    printed: list[str] = []
    proc = await _start(tmp_path, port, web_port, printed)
    try:
        # A first run creates its rooms: nothing it printed on the way is a warning from nio.
        assert not [line for line in printed if "Error validating response" in line], printed
        demo = json.loads((tmp_path / ".local" / "demo.json").read_text())
        assert demo["homeserver"] == f"http://127.0.0.1:{port}"
        await _web_chat(demo)
        assert (
            oct((tmp_path / ".local" / "dev" / "matrix-session.json").stat().st_mode)[-3:] == "600"
        )
        bot = demo["bot"]
        anna = await _resident(demo, "resident1")
        try:
            created = await anna.client.room_create(
                is_direct=True, invite=[bot], preset=nio.RoomPreset.trusted_private_chat
            )
            assert isinstance(created, nio.RoomCreateResponse), created
            dm = str(created.room_id)
            await anna.wait_membership(dm, bot, "join", within=60)
            await anna.say(dm, "!hjälp")
            await anna.wait_notice(dm, bot, "Det här kan du göra", within=60)

            room = demo["rooms"]["neighbourhood"][0]["id"]
            asked = await anna.say(room, "!help")
            await anna.wait_replies([asked], bot, within=60)
            assert all(reply_target(r) == asked for r in anna.replies_to(asked, bot))
            # the demo's direct chat with the bot is encrypted, and so is the moderation room
            own_dm = demo["rooms"]["direct"]["anna"]
            assert await _encryption(anna.client, own_dm) == "m.megolm.v1.aes-sha2"
            keys = await anna.client.send(
                "POST",
                "/_matrix/client/v3/keys/query",
                json.dumps({"device_keys": {bot: []}}),
                {"Authorization": f"Bearer {anna.client.access_token}"},
            )
            master = next(iter((await keys.json())["master_keys"][bot]["keys"].values()))
        finally:
            await anna.client.close()
            await anna.close()
        moderator = await _resident(demo, "moderator")
        try:
            mod_room = demo["rooms"]["moderation"]
            assert await _encryption(moderator.client, mod_room) == "m.megolm.v1.aes-sha2"
        finally:
            await moderator.client.close()
            await moderator.close()
        code, out = await _status(tmp_path)
        assert code == 0 and "connected:     yes" in out, out
        assert f"master key:    {fingerprint(master)}" in out, out
    finally:
        code = await _stop(proc, signal.SIGTERM)
    assert code == 0
    assert not _port_is_listening(port), "the homeserver must stop with the bot"
    code, out = await _status(tmp_path)
    assert code == 3 and "connected:     no" in out and "stopped" in out, out

    # Again: everything is reused (same rooms, same accounts), and Ctrl-C stops it.
    proc = await _start(tmp_path, port, web_port)
    try:
        again = json.loads((tmp_path / ".local" / "demo.json").read_text())
        assert again["rooms"] == demo["rooms"] and again["accounts"] == demo["accounts"]
        bashir = await _resident(again, "resident2")
        try:
            room = again["rooms"]["neighbourhood"][1]["id"]
            asked = await bashir.say(room, "!hjälp")
            await bashir.wait_replies([asked], again["bot"], within=60)
        finally:
            await bashir.client.close()
            await bashir.close()
    finally:
        code = await _stop(proc, signal.SIGINT)
    assert code == 0
    assert not _port_is_listening(port)
