"""Poll recovery: after a (re)start or a gap, every response to the open native polls is read
from ``/relations`` and handed to the engine; responses are stored by event id, so none is
counted twice.

Which polls are open is the polls feature's to say: it registers, under its name in
``Registry.features``, an object with ``open_starts(svc)`` (`OpenPolls`); this module never
reads the feature's tables."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from bot.context import Services
from bot.matrix.failures import SendAborted
from bot.matrix.polls import Request, recover
from bot.messages import IncomingPollEvent

log = logging.getLogger(__name__)

POLLS_FEATURE = "polls"
"""The polls feature's name: where it registers its `OpenPolls` in ``Registry.features``."""


@runtime_checkable
class OpenPolls(Protocol):
    async def open_starts(self, svc: Services) -> list[tuple[str, str]]:
        """(room id, start event id) of every open native poll."""
        ...


async def recover_open_polls(
    svc: Services,
    request: Request,
    own_user_id: str,
    handle: Callable[[Sequence[IncomingPollEvent]], Awaitable[None]],
) -> None:
    """Read the responses to every open native poll again (nothing if no feature says which
    polls are open). A failure is logged; the next start or gap tries again."""
    feature = svc.registry.features.get(POLLS_FEATURE)
    if not isinstance(feature, OpenPolls):
        return
    starts = await feature.open_starts(svc)
    if not starts:
        return
    try:
        n = await recover(request, starts, own_user_id, handle)
    except SendAborted:
        return  # stopping; the next start recovers again
    except Exception:
        log.exception("recovering poll responses failed; tried again at the next start")
        return
    log.info("recovered %d poll events for %d open polls", n, len(starts))
