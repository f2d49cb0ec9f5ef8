"""The EST situation picture end to end on a real Synapse: a moderator asks for it in the
moderation room and gets the summary notice and its three charts as uploaded images, which
download as PNGs of the size their events declare."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import nio
from PIL import Image as PILImage

from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Source, bot_settings, moderation_room, peer, start_bot
from tests.estdata import CODE_PREFIX, SECRET_TEXT, add_tips

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser


def images(events: list[tuple[str, Source]], room: str, sender: str) -> list[Source]:
    return [
        src
        for rid, src in events
        if rid == room
        and src.get("sender") == sender
        and src.get("content", {}).get("msgtype") == "m.image"
    ]


async def test_moderator_gets_the_picture_with_its_charts(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    moderator = await peer(matrix_client, await new_user("samordnare"))
    bot_id = bot_user.user_id
    mod_room, overrides = await moderation_room(moderator, bot_id, "EST")
    settings = bot_settings(synapse, bot_user, **overrides)
    bot = await start_bot(settings, bot_user, tmp_path / "bot")
    try:
        await moderator.wait_membership(mod_room, bot_id, "join")
        yesterday = datetime.now(settings.kommun.tz).date() - timedelta(days=1)

        def day(back: int) -> str:
            return (yesterday - timedelta(days=back)).isoformat()

        await add_tips(
            bot.runtime.app.svc.db,
            (
                (5, "skadegorelse", "varnamo", "Centrum", "centrum", day(2), "18-24", "new"),
                (4, "klotter", "varnamo", "Gröndal", "park", day(3), "18-24", "new"),
                (2, "narkotika", "forsheda", None, "station", day(4), "00-06", "new"),
                (4, "skadegorelse", "varnamo", "Centrum", "centrum", day(16), "18-24", "new"),
            ),
        )
        await moderator.say(mod_room, "!lägesbild")
        summary = await moderator.wait_notice(mod_room, bot_id, "Lägesbild alla orter", 90)
        body = summary["content"]["body"]
        assert "Tips: 11 (förra perioden 4, förändring +7)" in body
        assert "· Misstänkt narkotikahantering: <3 / 0 (–)" in body
        assert "återkommande (förra perioden 4)" in body
        assert SECRET_TEXT not in body and CODE_PREFIX not in body
        await moderator.wait_for(lambda ev: len(images(ev, mod_room, bot_id)) >= 3, within=90)
        posted = images(moderator.events, mod_room, bot_id)
        assert len(posted) == 3
        for event in posted:
            content = event["content"]
            info = content["info"]
            assert content["url"].startswith("mxc://")
            assert content["filename"].endswith(".png") and content["body"]
            assert info["mimetype"] == "image/png" and info["w"] == 1080
            got = await moderator.client.download(mxc=content["url"])
            assert isinstance(got, nio.MemoryDownloadResponse), got
            assert len(got.body) == info["size"]
            with PILImage.open(io.BytesIO(got.body)) as png:
                assert png.format == "PNG" and png.size == (info["w"], info["h"])
        captions = [e["content"]["body"] for e in posted]
        assert captions[0].startswith("Värmekarta") and captions[2].startswith("Stapeldiagram")
    finally:
        await bot.stop()
        await moderator.close()
