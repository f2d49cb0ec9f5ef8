"""The operator's view of a real `tryggbot run` process on Synapse: private file modes under
umask 022, /healthz and /metrics (the counters move when a tip is created), a backup taken
while a burst of messages is being answered, a clean SIGTERM, and `status` from another
directory that leaves every file as it was."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp

from config.base import EXAMPLE_PATH
from devtools.homeserver import LocalSynapse, free_port
from tests.clikit import start_cli
from tests.e2e.botkit import direct_chat, peer, tip_over_matrix

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

REPO = Path(__file__).resolve().parents[2]
CODE_RE = re.compile(r"VMO-[2-9A-HJ-NP-Z]{4}")


def _settings(etc: Path, homeserver: str, user_id: str, port: int) -> Path:
    text = EXAMPLE_PATH.read_text("utf-8")
    for old, new in (
        ('homeserver = "http://127.0.0.1:8008"', f'homeserver = "{homeserver}"'),
        ('user_id = "@tryggbot:localhost"', f'user_id = "{user_id}"'),
        ('pseudonym_key_file = ".local/pseudonym.key"', 'pseudonym_key_file = "data/key"'),
        ('path = ".local/tryggbot.sqlite3"', 'path = "data/tryggbot.sqlite3"'),
        ('session_file = ".local/matrix-session.json"', 'session_file = "data/session.json"'),
        ("# port = 9464", f"port = {port}"),
        ("flood_messages = 30", "flood_messages = 200"),  # the test writes fast
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    etc.mkdir(parents=True)
    path = etc / "tryggbot.toml"
    path.write_text(text, "utf-8")
    return path


def _env(password: str | None = None) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), LANG="en_US.UTF-8")
    for name in ("TRYGGBOT_PASSWORD", "TRYGGBOT_ACCESS_TOKEN", "TRYGGBOT_PSEUDONYM_KEY"):
        env.pop(name, None)
    if password is not None:
        env["TRYGGBOT_PASSWORD"] = password
    return env


def _umask_022() -> None:
    os.umask(0o022)


async def _cli(*args: str, cwd: Path) -> tuple[int, str]:
    proc = await start_cli(*args, cwd=cwd, env=_env())
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return int(proc.returncode or 0), out.decode()


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        async with http.get(url) as resp:
            return resp.status, await resp.text()


async def _until_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    """Wait (polling, as a monitoring agent would) until /healthz says 200."""
    for _ in range(300):
        if proc.returncode is not None:
            raise AssertionError("the bot exited")
        with contextlib.suppress(aiohttp.ClientError):
            if (await _get(url))[0] == 200:
                return
        await asyncio.sleep(0.2)
    raise AssertionError("the bot never became healthy")


def _metric(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


async def test_operator_view_of_a_running_bot(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    resident = await peer(matrix_client, await new_user("invanare"))
    port = free_port()
    etc = tmp_path / "etc"
    config = _settings(etc, synapse.base_url, bot_user.user_id, port)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    health = f"http://127.0.0.1:{port}"

    proc = await start_cli(
        "run",
        "--config",
        str(config),
        cwd=elsewhere,
        env=_env(bot_user.password),
        preexec_fn=_umask_022,
    )
    output: list[str] = []

    async def drain() -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            output.append(line.decode(errors="replace"))

    draining = asyncio.create_task(drain())
    try:
        await _until_healthy(health + "/healthz", proc)
        assert any("Tryggbot is running as" in line for line in output), output

        # Files with people's data: private, although the umask is 022.
        data = etc / "data"
        assert _mode(data) == 0o700
        for name in ("tryggbot.sqlite3", "tryggbot.sqlite3-wal", "tryggbot.sqlite3-shm"):
            assert _mode(data / name) == 0o600, name
        assert _mode(data / "key") == 0o600 and _mode(data / "session.json") == 0o600
        assert not (elsewhere / ".local").exists() and list(elsewhere.iterdir()) == []

        status, before = await _get(health + "/metrics")
        assert status == 200 and _metric(before, "tryggbot_tips_created_total") == 0

        dm = await direct_chat(resident, bot_user.user_id)
        bot_id = bot_user.user_id
        receipt = await tip_over_matrix(
            resident, dm, bot_id, "Nytt klotter på väggen vid busshållplatsen"
        )
        found = CODE_RE.search(receipt)
        assert found
        code = found.group(0)

        status, after = await _get(health + "/metrics")
        assert status == 200
        assert _metric(after, "tryggbot_tips_created_total") == 1
        handled = 'tryggbot_events_handled_total{kind="message"}'
        assert _metric(after, handled) >= _metric(before, handled) + 8
        assert "tryggbot_inbox_backlog" in after and "tryggbot_sync_age_seconds" in after

        # A backup while a burst of messages is being answered.
        def helps() -> int:
            return sum(
                "Det här kan du göra" in n["content"]["body"] for n in resident.notices(dm, bot_id)
            )

        helped = helps()
        for _ in range(8):
            await resident.say(dm, "!hjälp")
        backup = tmp_path / "backups" / "tryggbot.sqlite3"
        code_, out = await _cli("backup", str(backup), "--config", str(config), cwd=elsewhere)
        assert code_ == 0, out
        await resident.wait_for(lambda _: helps() == helped + 8, within=60)
        with sqlite3.connect(backup) as conn:
            assert conn.execute("PRAGMA quick_check").fetchone() == ("ok",)
            assert conn.execute("SELECT code FROM tip").fetchall() == [(code,)]
        assert _mode(backup) == 0o600
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(proc.wait(), 60)
        await draining
        await resident.close()
    assert returncode == 0, "".join(output)
    assert not any("Traceback" in line for line in output), "".join(output)
    logs = "".join(output)
    assert f"tip {code} created" in logs and "connected to" in logs
    assert resident.user_id not in logs and "busshållplatsen" not in logs
    with contextlib.suppress(aiohttp.ClientError):
        await _get(health + "/healthz")
        raise AssertionError("the health listener is still there after the bot stopped")

    # status from another directory: the right database, and nothing changes.
    before_files = _snapshot(tmp_path)
    code_, out = await _cli("status", "--config", "../etc/tryggbot.toml", cwd=elsewhere)
    assert code_ == 3 and "(state: stopped)" in out, out
    assert _snapshot(tmp_path) == before_files


async def test_restore_onto_a_rebuilt_server_keeps_the_bot_identity_and_its_tips(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    """Backup while running, the data folder wiped (a rebuilt server: only the backups and
    the pseudonym key, kept apart, survive), restore, start: the same device, the same master
    key in /keys/query, the tip still there, and no message answered twice."""
    from tests.e2e.cryptokit import keys_query, only_key

    bot_user = await new_user("bot")
    other = await new_user("other")
    resident = await peer(matrix_client, await new_user("invanare"))
    port = free_port()
    etc = tmp_path / "etc"
    config = _settings(etc, synapse.base_url, bot_user.user_id, port)
    data = etc / "data"
    health = f"http://127.0.0.1:{port}/healthz"

    async def start() -> asyncio.subprocess.Process:
        proc = await start_cli(
            "run", "--config", str(config),
            cwd=etc, env=_env(bot_user.password),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        await _until_healthy(health, proc)
        return proc

    async def stop(proc: asyncio.subprocess.Process) -> None:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 60) == 0

    async def master_key() -> str:
        answer = await keys_query(synapse, other, bot_user.user_id)
        return only_key(answer["master_keys"][bot_user.user_id])

    bot_id = bot_user.user_id
    proc = await start()
    try:
        dm = await direct_chat(resident, bot_id)
        found = CODE_RE.search(
            await tip_over_matrix(resident, dm, bot_id, "Nytt klotter på väggen vid skolan")
        )
        assert found
        code = found.group(0)
        before_key = await master_key()
        before_device = json.loads((data / "session.json").read_text())["device_id"]
        code_, out = await _cli(
            "backup", str(tmp_path / "backups") + "/", "--config", str(config), cwd=etc
        )
        assert code_ == 0 and "identity written" in out, out
    finally:
        await stop(proc)
    answered = len(resident.notices(dm, bot_id))

    key = (data / "key").read_bytes()  # kept apart by the operator
    await asyncio.to_thread(shutil.rmtree, data)
    data.mkdir(mode=0o700)
    (data / "key").write_bytes(key)
    os.chmod(data / "key", 0o600)
    backup = next((tmp_path / "backups").glob("tryggbot-*.sqlite3"))
    code_, out = await _cli("restore", str(backup), "--config", str(config), cwd=etc)
    assert code_ == 0 and "same device" in out, out

    proc = await start()
    try:
        assert json.loads((data / "session.json").read_text())["device_id"] == before_device
        assert await master_key() == before_key
        await resident.say(dm, f"!status {code}")
        await resident.wait_for(
            lambda _: any(
                code in n["content"]["body"] for n in resident.notices(dm, bot_id)[answered:]
            ),
            within=60,
        )
        await asyncio.sleep(2)  # anything answered twice would have arrived by now
        assert len(resident.notices(dm, bot_id)) == answered + 1
    finally:
        await stop(proc)
        await resident.close()


async def test_one_check_config_login_run_reports_every_planted_fault_and_the_wrong_password(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    """The goal's six faults at once: an hour 25, a missing secret file, a wrong password
    (tried against Synapse with --login), a database from a newer Tryggbot, an unknown key
    and a bad locality. One run names each; a right password is then accepted."""
    bot_user = await new_user("bot")
    etc = tmp_path / "etc"
    config = _settings(etc, synapse.base_url, bot_user.user_id, free_port())
    text = config.read_text("utf-8")
    for old, new in (
        ('cron = "0 10 * * tue"', 'cron = "0 25 * * tue"'),
        ('pseudonym_key_file = "data/key"', 'pseudonym_key_file = "data/missing-key"'),
        ("generate_missing_key = true", "generate_missing_key = false"),
        ("max_message_chars = 4000", "max_message_chars = 4000\nmax_mesage_chars = 1"),
        ("# Neighbourhood rooms", '[[rooms]]\nid = "!r:x"\nlocality = "atlantis"\n\n#'),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    config.write_text(text, "utf-8")
    (etc / "data").mkdir(mode=0o700)
    with sqlite3.connect(etc / "data" / "tryggbot.sqlite3") as conn:
        conn.execute("PRAGMA user_version = 999")

    async def check(password: str) -> tuple[int, str]:
        proc = await start_cli(
            "check-config", "--login", "--config", str(config), cwd=etc, env=_env(password)
        )
        out, _ = await asyncio.wait_for(proc.communicate(), 60)
        return int(proc.returncode or 0), out.decode()

    code, out = await check("not-the-password")
    assert code == 2, out  # the configuration's problems decide the code
    assert "broadcasts.schedules[0].cron:" in out and "(23)" in out
    assert "secrets.pseudonym_key_file:" in out and "missing-key does not exist" in out
    assert "limits.max_mesage_chars: is not a known setting" in out
    assert "rooms[0].locality: 'atlantis' is not a configured locality" in out
    assert "has schema version 999" in out
    assert "The homeserver refused the bot's login:" in out and "M_FORBIDDEN" in out
    assert "Traceback" not in out

    code, out = await check(bot_user.password)
    assert f"login: the password logs in as {bot_user.user_id}" in out, out
    assert "refused" not in out
    # the temporary device was logged out again: the account has no device left
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{synapse.base_url}/_matrix/client/v3/login",
            json={
                "type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": bot_user.user_id},
                "password": bot_user.password,
            },
        ) as resp:
            token = (await resp.json())["access_token"]
        async with http.get(
            f"{synapse.base_url}/_matrix/client/v3/devices",
            headers={"Authorization": f"Bearer {token}"},
        ) as resp:
            devices = (await resp.json())["devices"]
    names = [d.get("display_name") or "" for d in devices]
    assert not any("check-config" in n for n in names), names
