"""An operator's view, without a homeserver: check-config (every problem on its own line,
credentials checked, nothing written), status (read-only, paths relative to the settings
file), private file modes whatever the umask, backup, logs and metrics."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli import main
from bot.health import HealthServer
from bot.logs import setup_logging
from bot.matrix.bot import LAST_SYNC, STATE
from bot.matrix.session import Session, write_session
from bot.metrics import Metrics
from config.base import EXAMPLE_PATH, ConfigError
from config.settings import load_secrets, load_settings
from devtools.homeserver import free_port
from storage import kv
from storage.backup import backup_database
from storage.db import Database, StorageError
from tests.harness import MODERATION_ROOM, MODERATOR, RESIDENT, Harness
from tests.tipflow import report_tip

CREDENTIALS = ("TRYGGBOT_PASSWORD", "TRYGGBOT_ACCESS_TOKEN", "TRYGGBOT_PSEUDONYM_KEY")


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CREDENTIALS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _own_log_handler_removed() -> Iterator[None]:
    """`main()` installs a handler on the (captured) stderr; take it away afterwards."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == "tryggbot":
            root.removeHandler(handler)


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def settings_file(folder: Path, *edits: tuple[str, str]) -> Path:
    """The example, copied to ``folder/tryggbot.toml`` with text replacements."""
    text = EXAMPLE_PATH.read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tryggbot.toml"
    path.write_text(text, "utf-8")
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def problem_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("  - ")]


def at(path: Path, needle: str) -> str:
    """``path:N`` for the first line of the file that holds ``needle``."""
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if needle in line:
            return f"{path}:{number}"
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------------------- check-config


ATLANTIS = 'locality = "atlantis"'


def test_five_planted_problems_of_different_kinds_give_five_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYGGBOT_PASSWORD", "secret-password")
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    path = settings_file(
        tmp_path / "etc",
        ('code_prefix = "VMO"', 'code_prefix = "vmo"'),  # pattern
        ("text_days = 45", 'text_days = "many"'),  # type
        ("tips_per_hour = 3", "tips_per_hour = 3\nmax_tips = 9"),  # unknown key
        ('website = "https://www.varnamo.se"\n', ""),  # missing required
        (
            "# Neighbourhood rooms the bot serves",  # cross-field
            '[[rooms]]\nid = "!room:example.se"\nlocality = "atlantis"\n\n#',
        ),
    )
    assert main(["check-config", "--config", str(path)]) == 2
    lines = problem_lines(capsys.readouterr().err)
    assert lines == [
        f"  - {at(path, 'code_prefix =')}: kommun.code_prefix: 'vmo' is not two to four "
        "capital letters A-Z",
        f"  - {at(path, '[kommun]')}: kommun.website: is missing (it is required)",
        f"  - {at(path, 'text_days =')}: retention.text_days: Input should be a valid integer, "
        "unable to parse string as an integer (got 'many')",
        f"  - {at(path, 'max_tips =')}: limits.max_tips: is not a known setting (check the "
        "spelling and the section)",
        f"  - {at(path, ATLANTIS)}: rooms[0].locality: 'atlantis' is not a configured locality",
    ]


def test_check_config_without_credentials_fails_and_creates_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path / "etc")  # the example: the key file would be generated
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    before = sorted(tmp_path.rglob("*"))
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert problem_lines(err) == [
        f"  - {at(path, '[matrix]')}: matrix: no way to log in; set $TRYGGBOT_PASSWORD or "
        "$TRYGGBOT_ACCESS_TOKEN, or matrix.password_file"
    ]
    assert "pseudonym.key does not exist yet; the bot will create it" in err
    assert sorted(tmp_path.rglob("*")) == before


def test_check_config_with_credentials_passes_and_names_the_resolved_paths(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path / "etc")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRYGGBOT_ACCESS_TOKEN", "syt_token")
    monkeypatch.setenv("TRYGGBOT_PSEUDONYM_KEY", "a-pseudonym-key-of-some-length")
    assert main(["check-config", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: Värnamo kommun")
    assert f"database:     {tmp_path / 'etc' / '.local' / 'tryggbot.sqlite3'}" in out
    assert not (tmp_path / "etc" / ".local").exists()


def test_check_config_reports_unreadable_and_short_secret_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    etc = tmp_path / "etc"
    path = settings_file(
        etc,
        ("generate_missing_key = true", "generate_missing_key = false"),
        ('# password_file = "/run/secrets/tryggbot-password"', 'password_file = "bot-password"'),
    )
    (etc / ".local").mkdir()
    (etc / ".local" / "pseudonym.key").write_text("short\n")
    os.chmod(etc / ".local" / "pseudonym.key", 0o644)
    assert main(["check-config", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert problem_lines(err) == [
        f"  - {at(path, 'pseudonym_key_file =')}: secrets.pseudonym_key_file: "
        f"{etc / '.local' / 'pseudonym.key'} holds too short a key",
        f"  - {at(path, 'password_file = ')}: matrix.password_file: {etc / 'bot-password'} "
        "does not exist",
    ]
    assert "other users may read" in err


def test_unknown_log_level_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--log-level", "LOUD", "check-config"])
    assert exit_.value.code == 2
    assert "unknown log level 'LOUD'" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("tryggbot 0.")


def test_make_run_without_synapse_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    from devtools.run import main as make_run

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "synapse" else real(name)
    )
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    monkeypatch.chdir(tmp_path)
    assert make_run([]) == 2
    err = capsys.readouterr().err
    assert "make run behöver hemservern Synapse" in err
    assert "pip install -e '.[dev]'" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["dev"], ["--log-level", "INFO", "dev", "--port", "1"]])
def test_tryggbot_dev_points_to_make_run_and_starts_nothing(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "tryggbot dev is gone from the installed program" in err
    assert "make run" in err
    assert list(tmp_path.iterdir()) == []


def test_tryggbot_help_does_not_offer_dev(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    choices = [group.split(",") for group in re.findall(r"\{([^}]*)\}", capsys.readouterr().out)]
    commands = next(group for group in choices if "run" in group)
    assert "chat" in commands and "dev" not in commands


# ---------------------------------------------------------------------------- status


async def _bot_database(path: Path) -> None:
    db = await Database.open(path)
    async with db.transaction() as conn:
        from datetime import UTC, datetime

        now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
        await kv.put(conn, STATE, "stopped", now)
        await kv.put(conn, LAST_SYNC, now.isoformat(), now)
    await db.close()


def test_status_from_another_directory_reads_the_right_database_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc"
    path = settings_file(etc, ('path = ".local/tryggbot.sqlite3"', 'path = "data/bot.sqlite3"'))
    asyncio.run(_bot_database(etc / "data" / "bot.sqlite3"))
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    before = snapshot(tmp_path)
    assert main(["status", "--config", "../../etc/tryggbot.toml"]) == 3
    out = capsys.readouterr().out
    assert "(state: stopped)" in out and "last sync:     2026-11-30T12:00:00+00:00" in out
    assert snapshot(tmp_path) == before
    assert path.exists()


def test_status_without_a_database_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings_file(tmp_path / "etc")
    before = sorted(tmp_path.rglob("*"))
    assert main(["status", "--config", str(path)]) == 6  # EXIT_DATABASE
    assert "there is no database at" in capsys.readouterr().err
    assert sorted(tmp_path.rglob("*")) == before


# ---------------------------------------------------------------------------- file modes


async def test_files_with_peoples_data_are_private_whatever_the_umask(
    tmp_path: Path, umask_022: None
) -> None:
    etc = tmp_path / "etc"
    settings = load_settings(settings_file(etc))
    load_secrets(settings, etc, env={})  # generates .local/pseudonym.key
    db = await Database.open(etc / ".local" / "tryggbot.sqlite3")
    try:
        write_session(etc / ".local" / "matrix-session.json", Session("h", "@b:x", "D", "t"))
        local = etc / ".local"
        assert mode(local) == 0o700
        files = sorted(p.name for p in local.iterdir())
        assert files == [
            "matrix-session.json",
            "pseudonym.key",
            "tryggbot.sqlite3",
            "tryggbot.sqlite3-shm",
            "tryggbot.sqlite3-wal",
        ]
        for name in files:
            assert mode(local / name) == 0o600, name
    finally:
        await db.close()


async def test_an_existing_database_is_tightened_to_0600(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "old.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    db = await Database.open(path)
    await db.close()
    assert mode(path) == 0o600


# ---------------------------------------------------------------------------- backup


async def test_backup_holds_the_tip_and_is_private(tmp_path: Path, umask_022: None) -> None:
    bot = await Harness(tmp_path / "bot").start()
    try:
        await bot.meet()
        code = await report_tip(bot)
        # The bot is still running (its connection open, the tip perhaps only in the WAL).
        report = backup_database(bot.db_path, tmp_path / "backups" / "copy.sqlite3")
    finally:
        await bot.stop()
    assert report.tips == 1
    assert mode(report.path) == 0o600 and mode(report.path.parent) == 0o700
    with sqlite3.connect(report.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT code FROM tip").fetchall() == [(code,)]
    assert sorted(p.name for p in report.path.parent.iterdir()) == ["copy.sqlite3"]


async def test_backup_into_a_folder_and_of_a_missing_database(tmp_path: Path) -> None:
    bot = await Harness(tmp_path / "bot").start()
    await bot.stop()
    folder = tmp_path / "backups"
    folder.mkdir()
    report = backup_database(bot.db_path, folder)
    assert report.path.parent == folder and report.path.name.startswith("tryggbot-")
    new = backup_database(bot.db_path, tmp_path / "new" / "folder", folder=True)
    assert new.path.parent == tmp_path / "new" / "folder"
    assert mode(tmp_path / "new") == 0o700 and mode(new.path) == 0o600
    with pytest.raises(StorageError, match="there is no database"):
        backup_database(tmp_path / "missing.sqlite3", folder)
    with pytest.raises(StorageError, match="cannot replace the database itself"):
        backup_database(bot.db_path, bot.db_path)


def test_backup_command_names_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = settings_file(tmp_path / "etc", ('path = ".local/tryggbot.sqlite3"', 'path = "db"'))
    sqlite3.connect(tmp_path / "etc" / "db").close()
    monkeypatch.chdir(tmp_path)
    assert main(["backup", "copy.sqlite3", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"backup written: {Path('copy.sqlite3')}" in out
    assert "The pseudonym key is not in the backup" in out
    assert (tmp_path / "copy.sqlite3").exists()


# ---------------------------------------------------------------------------- logs


async def test_logs_name_the_tip_and_never_the_resident(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = await Harness(tmp_path).start()
    try:
        await bot.meet()
        code = await report_tip(bot, text="Klotter på hela väggen vid perrongen igen")
        await bot.say(f"!status {code} granskad", as_=MODERATOR, room=MODERATION_ROOM)
    finally:
        await bot.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"tip {code} created (category klotter") for m in messages)
    assert f"tip {code}: state new -> reviewed" in messages
    text = "\n".join(messages)
    assert RESIDENT not in text and "perrongen" not in text


def test_json_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    stream = io.StringIO()
    setup_logging("INFO", "json", stream=stream)
    try:
        logging.getLogger("tryggbot.test").info("tip %s created", "VMO-ABCD")
        logging.getLogger("tryggbot.test").debug("not shown")
        logging.getLogger("aiosqlite").info("statement with parameters")
    finally:
        setup_logging("WARNING", "text")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "INFO" and entry["message"] == "tip VMO-ABCD created"
    assert entry["logger"] == "tryggbot.test" and entry["time"].endswith("+00:00")


# ---------------------------------------------------------------------------- metrics


async def test_tips_created_and_events_handled_are_counted(tmp_path: Path) -> None:
    bot = await Harness(tmp_path).start()
    try:
        metrics: Metrics = bot.svc.metrics
        await bot.meet()
        before = metrics.value("tryggbot_events_handled_total", kind="message")
        await report_tip(bot)
        assert metrics.value("tryggbot_tips_created_total") == 1
        assert metrics.value("tryggbot_events_handled_total", kind="message") == before + 9
    finally:
        await bot.stop()


async def test_healthz_needs_a_recent_sync_and_metrics_show_the_backlog(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    metrics = Metrics()
    server = HealthServer(metrics, db, host="127.0.0.1", port=free_port())
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(base + "/healthz") as resp:
                assert resp.status == 503 and "no sync yet" in await resp.text()
            metrics.synced()
            async with http.get(base + "/healthz") as resp:
                assert resp.status == 200
            metrics.tip_created()
            async with http.get(base + "/metrics") as resp:
                assert resp.status == 200
                assert resp.headers["Content-Type"].startswith("text/plain")
                body = await resp.text()
            async with http.get(base + "/other") as resp:
                assert resp.status == 404
    finally:
        await server.stop()
        await db.close()
    assert "tryggbot_tips_created_total 1.0" in body
    assert "tryggbot_inbox_backlog 0.0" in body
    assert "tryggbot_sync_age_seconds" in body


async def test_a_taken_port_is_a_clear_configuration_problem(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    first = HealthServer(Metrics(), db, host="127.0.0.1", port=free_port())
    await first.start()
    try:
        second = HealthServer(Metrics(), db, host="127.0.0.1", port=first.port)
        with pytest.raises(
            ConfigError, match=rf"monitoring.port: cannot listen on 127.0.0.1:{first.port}"
        ):
            await second.start()
    finally:
        await first.stop()
        await db.close()
