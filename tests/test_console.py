"""The console chat, as a person scripting it: piped standard input, one message per line,
replies printed as sent; /as and /room switch identity and room."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def chat(tmp_path: Path, lines: list[str]) -> str:
    env = {**os.environ, "TRYGGBOT_PSEUDONYM_KEY": "console-test-key-0123456789"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--db", str(tmp_path / "c.sqlite3")],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_piped_console_runs_a_tip_and_moderation(tmp_path: Path) -> None:
    out = chat(
        tmp_path,
        [
            "!hjälp",
            "!tips",
            "2",
            "bredaryd",
            "1",
            "3",
            "4",
            "Nytt klotter på lekstugan i parken",
            "1",
            "/as moderator",
            "/room moderation",
            "!kö",
            "/room Bredaryd",
            "/who",
            "/room Atlantis",
        ],
    )
    assert "resident@direct chat with resident> !hjälp" in out
    assert "tryggbot: Hej! Jag är Tryggbot" in out
    assert "Det här kan du göra:" in out
    assert "Din kod är VMO-" in out
    assert "[moderation] tryggbot: Nytt tips VMO-" in out  # the card, printed as it is sent
    assert "(you are now @moderator:console)" in out
    assert "moderator@moderation> !kö" in out and "Kö: 1 av 1 tips" in out
    assert "(you are @moderator:console in bredaryd)" in out
    assert "(no such room; try dm, moderation or one of:" in out


def test_console_survives_odd_input(tmp_path: Path) -> None:
    out = chat(tmp_path, ["", "\x1b[31m", "!" * 10, "x" * 100_000, "/nonsense", "//not a command"])
    assert "Meddelandet är för långt för mig" in out
    assert "(console: /as NAME, /room dm|moderation|PLACE, /who, /quit)" in out


def test_a_second_console_session_on_the_same_database_is_answered(tmp_path: Path) -> None:
    first = chat(tmp_path, ["!om"])
    second = chat(tmp_path, ["!om"])  # the same database: its events must not look replayed
    assert "tryggbot:" in first
    assert "tryggbot:" in second and "114 14" in second


TIP = ["!tips", "2", "bredaryd", "1", "3", "4", "Nytt klotter på lekstugan i parken", "1"]


def test_a_tip_in_each_of_two_console_sessions_gets_its_moderation_card(tmp_path: Path) -> None:
    """A second run on the same database used to reuse the first run's message ids, so its
    tip's moderation card collided with the first card (UNIQUE tip_card.event_id)."""
    first = chat(tmp_path, TIP)
    # "!om" stands in for the first-contact notice the second run does not send, so both
    # runs send the same number of messages before their cards (as a person's would)
    second = chat(tmp_path, ["!om", *TIP])
    for out in (first, second):
        assert "Din kod är VMO-" in out
        assert "[moderation] tryggbot: Nytt tips VMO-" in out
    import sqlite3

    with sqlite3.connect(tmp_path / "c.sqlite3") as conn:
        cards = conn.execute("SELECT count(*) FROM tip_card").fetchone()[0]
        tips = conn.execute("SELECT count(*) FROM tip").fetchone()[0]
    assert (tips, cards) == (2, 2)
