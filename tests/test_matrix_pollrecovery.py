"""Poll recovery asks the polls feature which native polls are open (through the registry),
never the polls' tables; with no polls feature registered there is nothing to recover."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from bot.commands import Registry
from bot.matrix.pollrecovery import POLLS_FEATURE, OpenPolls, recover_open_polls
from bot.messages import IncomingPollEvent
from tests.harness import GRONDAL_ROOM, Harness
from tests.test_polls import start_event, trygghet


async def test_recovery_reads_the_open_polls_the_feature_names(bot: Harness) -> None:
    await trygghet(bot, "1h")
    start = await start_event(bot)
    svc = bot.app.svc  # type: ignore[union-attr]
    assert isinstance(svc.registry.features[POLLS_FEATURE], OpenPolls)
    asked: list[str] = []
    handled: list[IncomingPollEvent] = []

    async def request(method: str, path: str) -> tuple[int, dict[str, Any]]:
        asked.append(path)
        return 200, {"chunk": []}

    async def handle(events: Any) -> None:
        handled.extend(events)

    await recover_open_polls(svc, request, "@tryggbot:localhost", handle)
    assert [unquote(p) for p in asked] == [
        f"/_matrix/client/v1/rooms/{GRONDAL_ROOM}/relations/{start}/m.reference?limit=100"
    ]
    assert handled == []

    asked.clear()
    bare = replace(svc, registry=Registry())  # a registry without the polls feature
    await recover_open_polls(bare, request, "@tryggbot:localhost", handle)
    assert asked == []
