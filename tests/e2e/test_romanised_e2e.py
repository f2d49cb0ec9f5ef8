"""On a real Synapse: a resident who writes Arabic in Latin letters (arabizi) is answered in
Arabic, and a resident who writes Somali is answered in Somali, each in a direct chat (the
first outside review found arabizi answered in Somali)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import Catalog
from config.base import LOCALES_DIR
from devtools.homeserver import LocalSynapse
from tests.e2e.botkit import Peer, bot_settings, direct_chat, peer, start_bot

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser

CATALOG = Catalog.load(LOCALES_DIR)

SAID = {
    "ar": "mar7aba, fi shabab 3am yksro el sayarat kel lail 3and el madrase, ana khayfa",
    "so": "Waxaan arkay dhalinyaro ku sugan xaafadda habeenkii, waxay jabinayaan daaqadaha",
}


def _opening(lang: str, key: str) -> str:
    text = (CATALOG.raw(lang, key) or "").replace("**", "")
    return re.split(r"\{|\n", text)[0].strip()


def _answered(resident: Peer, dm: str, bot_id: str, lang: str) -> Callable[[object], bool]:
    """The safety notice and the tip offer have arrived in ``lang``."""
    wanted = (_opening(lang, "safety.notice"), _opening(lang, "tips.offer"))

    def arrived(_: object) -> bool:
        bodies = [n["content"]["body"] for n in resident.notices(dm, bot_id)]
        return all(any(w in b for b in bodies) for w in wanted)

    return arrived


async def test_arabizi_is_answered_in_arabic_and_somali_in_somali(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    bot_id = bot_user.user_id
    residents = {lang: await peer(matrix_client, await new_user(f"latin-{lang}")) for lang in SAID}
    bot = await start_bot(bot_settings(synapse, bot_user), bot_user, tmp_path / "bot")
    try:
        for lang, resident in residents.items():
            dm = await direct_chat(resident, bot_id)
            await resident.say(dm, SAID[lang])
            await resident.wait_for(_answered(resident, dm, bot_id, lang), within=60)
            bodies = "\n".join(n["content"]["body"] for n in resident.notices(dm, bot_id))
            for other in ("sv", "en", "so", "ar", "fi"):
                if other != lang:
                    assert _opening(other, "safety.notice") not in bodies, (lang, other)
    finally:
        await bot.stop()
        for resident in residents.values():
            await resident.close()
