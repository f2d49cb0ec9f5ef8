"""Scheduled broadcasts on a real Synapse, with the bot as a real process that is killed
with SIGKILL around the slots: two neighbourhood rooms (Swedish and English) and one
subscriber get each slot's warning exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from devtools.homeserver import RegisteredUser
from tests.broadcastkit import to_toml
from tests.e2e.botkit import Peer, Source, direct_chat, group_room, peer
from tests.harness import example_data

REPO = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Stockholm")


def _config(home: Path, synapse: Any, bot: RegisteredUser, mod: str, rooms: dict[str, str]) -> Path:
    data = example_data()
    data["matrix"].update(
        homeserver=synapse.base_url,
        user_id=bot.user_id,
        moderation_room=rooms["mod"],
        moderators=[mod],
    )
    data["broadcasts"]["schedules"] = []
    data["rooms"] = [
        {"id": rooms["sv"], "locality": "varnamo", "area": "Gröndal", "language": "sv"},
        {"id": rooms["en"], "locality": "bredaryd", "language": "en"},
    ]
    path = home / "tryggbot.toml"
    path.write_text(to_toml(data), "utf-8")
    return path


class BotProcess:
    """``tryggbot run`` in ``home``; ``kill()`` is SIGKILL, nothing is cleaned up."""

    def __init__(self, home: Path, config: Path, bot: RegisteredUser) -> None:
        self.home, self.config, self.bot = home, config, bot
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        env = dict(
            os.environ,
            PYTHONPATH=str(REPO),
            TRYGGBOT_PASSWORD=self.bot.password,
            TRYGGBOT_PSEUDONYM_KEY="e2e-broadcast-key-0123456789",
        )
        env.pop("TRYGGBOT_ACCESS_TOKEN", None)
        log = (self.home / f"bot-{self.starts}.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--log-level", "INFO", "run",
            "--config", str(self.config),
            cwd=self.home, env=env, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        log.close()

    def kill(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)

    async def wait_dead(self) -> None:
        assert self.proc is not None
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 60)
            except TimeoutError:
                self.kill()
                await self.proc.wait()

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:] for p in sorted(self.home.glob("bot-*.log"))
        )


def _broadcasts(p: Peer, room: str, bot: str) -> list[Source]:
    return [n for n in p.notices(room, bot) if n["content"]["body"].startswith("⚠️")]


async def _sleep_until(when: datetime) -> None:
    delay = (when - datetime.now(TZ)).total_seconds()
    if delay > 0:
        await asyncio.sleep(delay)


def _cron(at: datetime) -> str:
    return f"{at.second} {at.minute} {at.hour} {at.day} {at.month} *"


async def test_scheduled_warnings_arrive_exactly_once_across_sigkill(
    tmp_path: Path, synapse: Any, new_user: Any, matrix_client: Any
) -> None:
    bot_user = await new_user("tryggbot")
    moderator = await peer(matrix_client, await new_user("moderator"))
    resident = await peer(matrix_client, await new_user("anna"))
    bot_id = bot_user.user_id
    rooms = {k: await group_room(moderator, [bot_id]) for k in ("mod", "sv", "en")}
    config = _config(tmp_path, synapse, bot_user, moderator.user_id, rooms)
    proc = BotProcess(tmp_path, config, bot_user)
    await proc.start()
    try:
        for room in rooms.values():
            await moderator.wait_membership(room, bot_id, "join", within=90)
        dm = await direct_chat(resident, bot_id)
        await resident.say(dm, "!prenumerera")
        await resident.wait_notice(dm, bot_id, "Klart!", within=60)

        # Slot 1: the bot is killed before it and started again after it (catch-up).
        slot1 = (datetime.now(TZ) + timedelta(seconds=20)).replace(microsecond=0)
        await moderator.say(rooms["mod"], f"!utskick schema {_cron(slot1)} alla")
        await moderator.wait_notice(rooms["mod"], bot_id, "Schema nr 1 skapat", within=60)
        await _sleep_until(slot1 - timedelta(seconds=4))
        proc.kill()
        await proc.wait_dead()
        await _sleep_until(slot1 + timedelta(seconds=1))
        await proc.start()
        await moderator.wait_notice(rooms["mod"], bot_id, "Rapport utskick 1", within=90)

        # Slot 2: the bot is killed right at the slot (before, during or just after the
        # fan-out) and started again at once.
        slot2 = (datetime.now(TZ) + timedelta(seconds=15)).replace(microsecond=0)
        await moderator.say(rooms["mod"], f"!utskick schema {_cron(slot2)} alla")
        await moderator.wait_notice(rooms["mod"], bot_id, "Schema nr 2 skapat", within=60)
        await _sleep_until(slot2 + timedelta(milliseconds=30))
        proc.kill()
        await proc.wait_dead()
        await proc.start()
        report2 = await moderator.wait_notice(rooms["mod"], bot_id, "Rapport utskick 2", within=90)
        assert "levererade 3 av 3" in report2["content"]["body"]

        await resident.wait_for(lambda _: len(_broadcasts(resident, dm, bot_id)) >= 2, 30)
        sv = _broadcasts(moderator, rooms["sv"], bot_id)
        en = _broadcasts(moderator, rooms["en"], bot_id)
        mine = _broadcasts(resident, dm, bot_id)
        assert [len(sv), len(en), len(mine)] == [2, 2, 2], proc.log()
        assert all(n["content"]["body"].startswith("⚠️ Bedrägeri på telefon") for n in sv[:1])
        assert en[0]["content"]["body"].startswith("⚠️ Phone fraud: three steps")
        assert en[1]["content"]["body"].startswith("⚠️ BankID only when you made the contact")
        assert "call 112" in en[0]["content"]["body"]
        assert all(n["content"].get("m.mentions") == {} for n in sv + en + mine)
        # The resident checks a warning the bot sent them.
        await resident.say(dm, "!äkta " + " ".join(mine[1]["content"]["body"].split()))
        await resident.wait_notice(dm, bot_id, "Ja, den här texten skickades av Tryggbot")
    finally:
        await proc.stop()
        await moderator.close()
        await resident.close()
