"""The web chat as a `Feature`: no commands, but tables that hold people's data
(``web_session``, ``web_message``), answered for on ``!glöm`` and in the retention run like
every feature's. The server (`bot.web.server`) also purges them hourly while it runs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import aiosqlite

from bot.features import Feature
from bot.transports import WEB_SUFFIX
from config.settings import Settings
from storage import web as rows
from storage.migrations.web import WEB


async def forget(conn: aiosqlite.Connection, person: str, now: datetime, settings: Settings) -> int:
    """Nothing by the person's pseudonym: the web tables are keyed by the page's session (a
    keyed hash of the page's own secret), which a pseudonym does not lead back to. The page's
    "Glöm mig" deletes them (``POST /api/forget``, `storage.web.forget`), as the data map
    says; their replies also go by the rule below."""
    return 0


async def purge(conn: aiosqlite.Connection, now: datetime, settings: Settings) -> Mapping[str, int]:
    """Replies past ``web.history_days``, then idle sessions and web rooms with nothing left
    (the same rule the server applies hourly)."""
    idle_before = now - timedelta(days=settings.web.history_days)
    return {"web_replies": await rows.purge(conn, now, idle_before, WEB_SUFFIX)}


FEATURE = Feature(
    name="web",
    settings="web",
    tables=("web_session", "web_message"),
    migrations=(WEB,),
    forget=forget,
    purge=purge,
)
