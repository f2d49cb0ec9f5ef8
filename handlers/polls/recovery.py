"""What the polls feature tells a transport with native polls: which polls are open, so it
can read their responses again after a restart or a gap (`bot.matrix.pollrecovery`)."""

from __future__ import annotations

from bot.context import Services
from storage import polls


class NativePolls:
    """Registered under the feature's name in ``Registry.features`` (`OpenPolls`)."""

    async def open_starts(self, svc: Services) -> list[tuple[str, str]]:
        """(room id, start event id) of every open native poll."""
        async with svc.db.read() as conn:
            return await polls.open_starts(conn)
