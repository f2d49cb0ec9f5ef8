"""Operations a kommun's IT can trust: every planted fault in one check-config run, jobs that
fail or cannot run are visible in /healthz and /metrics, health answers before the login, the
identity backup round trip, and exit codes a restart cannot fix."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.app import JOBS, est_jobs
from bot.cli import EXIT_CONFIG, EXIT_DATABASE, main
from bot.health import HealthServer
from bot.matrix.identity_backup import identity_path, members, read_identity
from bot.scheduler import Job, _run_job
from config.base import ConfigError
from devtools.homeserver import free_port
from handlers.broadcasts import runtime as broadcast_runtime
from storage import broadcasts as broadcast_store
from tests.harness import Harness
from tests.test_operations import at, problem_lines, settings_file

REPO = Path(__file__).resolve().parents[1]
CRON_25 = "0 25 * * tue"


def _newer_database(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()


# ---------------------------------------------------------------------------- check-config


def test_every_planted_fault_is_reported_by_one_check_config_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRYGGBOT_PASSWORD", raising=False)
    monkeypatch.delenv("TRYGGBOT_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    etc = tmp_path / "etc"
    path = settings_file(
        etc,
        # a missing secret file, next to an unknown key in the same section
        (
            '# password_file = "/run/secrets/tryggbot-password"',
            'password_file = "missing-password"\ndevice_nmae = "typo"',
        ),
        # a bad locality
        (
            "# Neighbourhood rooms the bot serves",
            '[[rooms]]\nid = "!room:example.se"\nlocality = "atlantis"\n\n#',
        ),
        # a schedule that cannot run, and an EST day that does not exist
        ('cron = "0 10 * * tue"', f'cron = "{CRON_25}"'),
        ('enabled = false\nday_of_week = "mon"', 'enabled = true\nday_of_week = "mox"'),
    )
    _newer_database(etc / ".local" / "tryggbot.sqlite3")

    assert main(["check-config", "--config", str(path)]) == EXIT_CONFIG
    lines = problem_lines(capsys.readouterr().err)
    text = "\n".join(lines)
    assert f"{at(path, 'password_file = ')}: matrix.password_file:" in text
    assert "missing-password does not exist" in text
    assert f"{at(path, 'device_nmae')}: matrix.device_nmae: is not a known setting" in text
    assert f"{at(path, 'atlantis')}: rooms[0].locality: 'atlantis' is not a configured" in text
    assert "broadcasts.schedules[0].cron:" in text and "higher than the maximum value (23)" in text
    assert "est.schedule" in text and "cannot be scheduled" in text
    assert "has schema version 999" in text and "written by a newer Tryggbot" in text
    assert len(lines) == 6, text


def test_check_config_on_the_example_builds_every_job(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TRYGGBOT_PASSWORD", "pw")
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    path = settings_file(
        tmp_path / "etc",
        ('enabled = false\nday_of_week = "mon"', 'enabled = true\nday_of_week = "mon"'),
    )
    assert main(["check-config", "--config", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_a_database_from_a_newer_tryggbot_stops_run_with_its_own_header_and_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    path = settings_file(tmp_path / "etc")
    _newer_database(tmp_path / "etc" / ".local" / "tryggbot.sqlite3")
    assert main(["chat", "--config", str(path)]) == EXIT_DATABASE
    err = capsys.readouterr().err
    assert "The database cannot be used:\n  - the database" in err
    assert "written by a newer Tryggbot" in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------- jobs


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}{path}") as resp:
            return resp.status, await resp.text()


async def _broken(_: object) -> None:
    raise RuntimeError("planted")


def _all_jobs(bot: Harness) -> list[Job]:
    est_on = bot.svc.settings.model_copy(
        update={
            "est": bot.svc.settings.est.model_copy(
                update={
                    "schedule": bot.svc.settings.est.schedule.model_copy(update={"enabled": True})
                }
            )
        }
    )
    return [*JOBS, *est_jobs(est_on)]


@pytest.mark.parametrize("index", range(len(JOBS) + 2))
async def test_each_job_that_fails_shows_in_health_and_metrics_until_it_runs_well(
    tmp_path: Path, index: int
) -> None:
    bot = await Harness(tmp_path).start()
    server = HealthServer(bot.svc.metrics, bot.svc.db, host="127.0.0.1", port=free_port())
    await server.start()
    try:
        job = _all_jobs(bot)[index]
        bot.svc.metrics.synced()
        assert (await _get(server.port, "/healthz"))[0] == 200
        await _run_job(Job(job.id, _broken, job.trigger, job.misfire_grace_time), bot.svc)
        status, text = await _get(server.port, "/healthz")
        assert status == 503
        assert text == f"degraded: job {job.id} failing (RuntimeError)\n"
        _, metrics = await _get(server.port, "/metrics")
        assert f'tryggbot_job_failing{{job="{job.id}"}} 1.0' in metrics
        assert f'tryggbot_job_runs_total{{job="{job.id}",outcome="failed"}} 1.0' in metrics

        async def fine(_: object) -> None:
            return None

        await _run_job(Job(job.id, fine, job.trigger, job.misfire_grace_time), bot.svc)
        assert (await _get(server.port, "/healthz"))[0] == 200
        _, metrics = await _get(server.port, "/metrics")
        assert f'tryggbot_job_failing{{job="{job.id}"}} 0.0' in metrics
    finally:
        await server.stop()
        await bot.stop()


async def test_a_stored_broadcast_schedule_that_cannot_run_degrades_health(tmp_path: Path) -> None:
    """A schedule in the database (a moderator's, or from before the check) whose cron has
    an hour 25: the start logs it, /healthz names it, /metrics counts it."""
    bot = await Harness(tmp_path).start()
    server = HealthServer(bot.svc.metrics, bot.svc.db, host="127.0.0.1", port=free_port())
    await server.start()
    rt = broadcast_runtime.Broadcasts()
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    scheduler = AsyncIOScheduler(timezone=bot.svc.settings.kommun.tz)
    try:
        async with bot.svc.db.transaction() as conn:
            await broadcast_store.sync_config_schedule(
                conn, key="bad", cron=CRON_25, target="rooms", topic=None, now=bot.clock.now()
            )
            found = await broadcast_store.schedules(conn)
        bad = next(s for s in found if s.cron == CRON_25)
        rt.install(bot.svc, scheduler)
        await rt.rebuild(bot.svc)
        bot.svc.metrics.synced()
        status, text = await _get(server.port, "/healthz")
        assert status == 503
        assert f"job broadcast:{bad.id} failing (cannot be scheduled:" in text
        _, metrics = await _get(server.port, "/metrics")
        assert f'tryggbot_job_failing{{job="broadcast:{bad.id}"}} 1.0' in metrics
        assert "tryggbot_broadcast_schedules_active 1.0" in metrics
        assert "tryggbot_outbox_depth 0.0" in metrics
    finally:
        await server.stop()
        await bot.stop()


# ---------------------------------------------------------------------------- health first


async def test_health_answers_503_with_the_reason_while_the_homeserver_is_down(
    tmp_path: Path,
) -> None:
    """`tryggbot run` against a port nobody listens on: /healthz answers at once (it does
    not refuse the connection), says why, and SIGTERM still stops the process cleanly."""
    dead, port = free_port(), free_port()
    path = settings_file(
        tmp_path / "etc",
        ("[monitoring]\n", f"[monitoring]\nport = {port}\n"),
    )
    text = path.read_text("utf-8")
    import re

    text = re.sub(r'(?m)^homeserver = ".*"$', f'homeserver = "http://127.0.0.1:{dead}"', text)
    path.write_text(text, "utf-8")
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        TRYGGBOT_PASSWORD="pw",
        TRYGGBOT_PSEUDONYM_KEY="a-pseudonym-key-of-some-length",
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--config", str(path),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        answer: tuple[int, str] | None = None
        for _ in range(100):
            await asyncio.sleep(0.1)
            try:
                answer = await _get(port, "/healthz")
            except aiohttp.ClientError:
                continue
            if "cannot be reached" in answer[1]:
                break
        assert answer is not None, "the health listener never answered"
        status, body = answer
        assert status == 503
        assert body.startswith("starting: the homeserver http://127.0.0.1:")
        assert "cannot be reached" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0
    assert b"Traceback" not in err


# ---------------------------------------------------------------------------- identity backup


def _fake_identity(path: Path) -> dict[Path, bytes]:
    """What a logged-in bot leaves where these settings keep it: a session, the key file,
    the public identity file and a crypto store."""
    from config.settings import load_settings, settings_base

    settings = load_settings(path)
    found = {m.name: m.path for m in members(settings, settings_base(path))}
    files = {
        found["session.json"]: b'{"homeserver": "https://matrix.example.se", "user_id": '
        b'"@tryggbot:example.se", "device_id": "DEV1", "access_token": "syt_x"}',
        found["cross-signing-keys.json"]: b'{"master": "m", "self_signing": "s"}',
        found["crypto/identity.json"]: b'{"user_id": "@tryggbot:example.se", "device_id": '
        b'"DEV1", "master_key": "abc"}',
    }
    for target, data in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    conn = sqlite3.connect(found["crypto/crypto.db"])
    conn.execute("CREATE TABLE accounts (user_id TEXT, device_id TEXT)")
    conn.execute("INSERT INTO accounts VALUES ('@tryggbot:example.se', 'DEV1')")
    conn.commit()
    conn.close()
    files[found["crypto/crypto.db"]] = b""
    return files


async def _open_database(path: Path) -> None:
    """A migrated database where the settings keep it (as after a first start)."""
    from storage.db import Database

    db = await Database.open(path)
    await db.close()


def test_backup_and_restore_bring_back_the_identity_and_never_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    etc = tmp_path / "etc"
    path = settings_file(etc)
    asyncio.run(_open_database(etc / ".local" / "tryggbot.sqlite3"))
    files = _fake_identity(path)
    backups = tmp_path / "backups"
    assert main(["backup", str(backups) + "/", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    backup = next(backups.glob("tryggbot-*.sqlite3"))
    bundle = identity_path(backup)
    assert f"identity written: {bundle}" in out
    assert oct(bundle.stat().st_mode & 0o777) == "0o600"
    raw = bundle.read_bytes()
    assert b"syt_x" not in raw and b"DEV1" not in raw  # encrypted at rest
    with pytest.raises(ConfigError, match="does not open"):
        read_identity(bundle, b"another-key-entirely-000000")

    # restore refuses while anything is in the way
    assert main(["restore", str(backup), "--config", str(path)]) == EXIT_CONFIG
    assert "move it aside first" in capsys.readouterr().err

    # a rebuilt server: the data folder is gone
    import shutil

    shutil.rmtree(etc / ".local")
    assert main(["restore", str(backup), "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert "database restored" in out and "same device" in out
    for target, data in files.items():
        if target.name == "crypto.db":
            conn = sqlite3.connect(target)
            assert conn.execute("SELECT device_id FROM accounts").fetchall() == [("DEV1",)]
            conn.close()
        else:
            assert target.read_bytes() == data
        assert oct(target.stat().st_mode & 0o777) == "0o600"


def test_output_into_a_closed_pipe_ends_quietly() -> None:
    """`tryggbot i18n status | head -0`: the reader is gone before the bot writes."""
    import subprocess

    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli", "i18n", "status"],
        stdout=write,
        stderr=subprocess.PIPE,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        timeout=60,
        check=False,
    )
    os.close(write)
    assert proc.returncode == 0
    assert b"Traceback" not in proc.stderr and b"BrokenPipe" not in proc.stderr, proc.stderr


def test_help_names_the_program_plainly_and_describes_each_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert "``" not in top and "Exit codes:" in top
    for command in ("status", "backup", "restore", "check-config"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        description = out.split("\n\n")[1]
        assert description[0].isupper() and description.rstrip().endswith("."), out


def test_the_systemd_unit_stops_on_exactly_the_exit_codes_a_restart_cannot_fix() -> None:
    from bot import cli

    unit = (REPO / "deploy" / "tryggbot.service").read_text("utf-8")
    line = next(x for x in unit.splitlines() if x.startswith("RestartPreventExitStatus="))
    codes = {int(c) for c in line.split("=", 1)[1].split()}
    assert codes == {
        cli.EXIT_CONFIG,
        cli.EXIT_LOGIN_REFUSED,
        cli.EXIT_CRYPTO_STORE,
        cli.EXIT_DATABASE,
    }
    assert "Restart=on-failure" in unit


def test_the_container_health_check_reads_the_configured_port() -> None:
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text("utf-8")
    check = next(x for x in dockerfile.splitlines() if "urlopen" in x)
    assert "9464" not in check and "TRYGGBOT_HEALTH_PORT" in check
    assert "--network host" in dockerfile and "10001" in dockerfile
