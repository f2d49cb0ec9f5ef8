"""`tryggbot run` against a homeserver that cannot be reached: it keeps retrying and says so
on the console, one translated line per backoff step, and Ctrl-C ends it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from config.base import EXAMPLE_PATH
from devtools.homeserver import free_port
from tests.clikit import PIPE, start_cli

REPO = Path(__file__).resolve().parents[1]


async def _run_unreachable(tmp_path: Path, lang: str) -> tuple[list[str], int, str]:
    port = free_port()  # nothing listens there
    config = tmp_path / "tryggbot.toml"
    config.write_text(
        EXAMPLE_PATH.read_text("utf-8").replace(
            'homeserver = "http://127.0.0.1:8008"', f'homeserver = "http://127.0.0.1:{port}"'
        ),
        "utf-8",
    )
    env = dict(os.environ, PYTHONPATH=str(REPO), LANG=lang, TRYGGBOT_PASSWORD="pw")
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    proc = await start_cli("run", "--config", str(config), cwd=tmp_path, env=env, stderr=PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    lines: list[str] = []
    try:
        while len(lines) < 3:
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if not line:
                break
            lines.append(line.decode().rstrip("\n"))
    finally:
        proc.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(proc.wait(), 60)
    err = (await proc.stderr.read()).decode()
    return lines, code, err


async def test_console_says_each_backoff_step_in_english(tmp_path: Path) -> None:
    lines, code, err = await _run_unreachable(tmp_path, "en_GB.UTF-8")
    assert lines[0].startswith("Connecting to the homeserver http://127.0.0.1:")
    for attempt, line in enumerate(lines[1:], start=1):
        assert "cannot be reached. Trying again in " in line, lines
        assert line.endswith(
            f"(attempt {attempt}). Check matrix.homeserver in the settings and that the "
            "server is up."
        ), line
    assert code == 0 and "Traceback" not in err, err
    assert "homeserver unreachable" in err  # the log line for log collectors


async def test_console_lines_are_swedish_on_a_swedish_server(tmp_path: Path) -> None:
    lines, code, err = await _run_unreachable(tmp_path, "C.UTF-8")  # moderation.language: sv
    assert lines[0].startswith("Ansluter till hemservern")
    assert "går inte att nå. Nytt försök om " in lines[1] and "(försök 1)" in lines[1]
    assert code == 0 and "Traceback" not in err, err
