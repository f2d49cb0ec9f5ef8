"""Fixtures for end-to-end tests against a real, throwaway Synapse.

What every test in tests/e2e gets without asking:

- the ``e2e`` marker (select or skip them with ``-m e2e`` / ``-m "not e2e"``);
- ``@pytest.mark.asyncio(loop_scope="session")`` on every ``async def`` test, because the
  session-scoped ``synapse`` fixture and anything it creates live on the session event loop
  (the project default, ``asyncio_default_fixture_loop_scope = "function"``, would give each test
  its own loop). A test that sets its own ``loop_scope`` explicitly keeps it.

Fixtures:

- ``synapse``: one `LocalSynapse` per test session in a temporary directory on a free port.
  If it cannot start the session fails with the tail of Synapse's log; nothing is skipped.
  Tests may ``stop()``/``start()`` it (e.g. "homeserver down"), but must leave it running.
- ``new_user``: ``await new_user("alice", admin=True)`` registers a user with a unique localpart
  (``alice-<hex>``), so tests never collide on names and do not depend on order.
- ``matrix_client``: ``await matrix_client(user)`` returns a logged-in ``nio.AsyncClient`` for a
  `RegisteredUser` (no login round trip; encryption off); all are closed after the test.
- ``moderated``: ``async with moderated(moderator="polis", resident="boende", room="Moderering")
  as scene`` runs the bot in ``tmp_path / "bot"`` with a moderation room, its moderator and a
  resident in a direct chat (`tests.e2e.botkit.moderated_bot`).
"""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import nio
import pytest
import pytest_asyncio

from devtools.demo import client_for
from devtools.homeserver import HomeserverStartError, LocalSynapse, RegisteredUser, free_port
from tests.e2e.botkit import ModeratedBot, moderated_bot

_E2E_DIR = Path(__file__).resolve().parent

NewUser = Callable[..., Awaitable[RegisteredUser]]
MatrixClientFactory = Callable[[RegisteredUser], Awaitable[nio.AsyncClient]]
Moderated = Callable[..., AbstractAsyncContextManager[ModeratedBot]]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests in this directory ``e2e`` and run async ones on the session event loop."""
    session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if not item.path.resolve().is_relative_to(_E2E_DIR):
            continue
        item.add_marker(pytest.mark.e2e)
        function = getattr(item, "obj", None)
        if not inspect.iscoroutinefunction(function):
            continue
        explicit = any(
            "loop_scope" in mark.kwargs or "scope" in mark.kwargs
            for mark in item.iter_markers("asyncio")
        )
        if not explicit:
            # Prepend: in auto mode pytest-asyncio has already added a bare `asyncio` marker,
            # and the closest (first) marker decides the loop scope.
            item.add_marker(session_loop, append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def synapse(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalSynapse]:
    """A running Synapse for the whole test session; stopped (and awaited) at the end."""
    server = LocalSynapse(tmp_path_factory.mktemp("synapse"), port=free_port())
    try:
        await server.start()
    except HomeserverStartError as error:
        pytest.fail(f"could not start Synapse for the e2e tests:\n{error}", pytrace=False)
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def new_user(synapse: LocalSynapse) -> NewUser:
    """Factory: ``await new_user(prefix="user", *, admin=False, displayname=None)``."""

    async def make(
        prefix: str = "user", *, admin: bool = False, displayname: str | None = None
    ) -> RegisteredUser:
        localpart = f"{prefix}-{secrets.token_hex(4)}"
        return await synapse.register(
            localpart, secrets.token_urlsafe(12), admin=admin, displayname=displayname
        )

    return make


@pytest_asyncio.fixture(loop_scope="session")
async def matrix_client(synapse: LocalSynapse) -> AsyncIterator[MatrixClientFactory]:
    """Factory for logged-in ``nio.AsyncClient`` objects; closes them after the test."""
    clients: list[nio.AsyncClient] = []

    async def make(user: RegisteredUser) -> nio.AsyncClient:
        client = await client_for(synapse, user)
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


@pytest_asyncio.fixture(loop_scope="session")
async def moderated(
    synapse: LocalSynapse,
    new_user: NewUser,
    matrix_client: MatrixClientFactory,
    tmp_path: Path,
) -> Moderated:
    """Factory: `tests.e2e.botkit.moderated_bot` on this session's Synapse, with the bot's
    home in ``tmp_path / "bot"``."""
    return functools.partial(moderated_bot, synapse, new_user, matrix_client, tmp_path / "bot")
