"""The local Synapse manager and the e2e fixtures, tested against a real Synapse."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import nio
import pytest
import pytest_asyncio

from devtools.homeserver import (
    HomeserverError,
    HomeserverStartError,
    LocalSynapse,
    RegisteredUser,
    free_port,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import MatrixClientFactory, NewUser


async def _wait_for_text(client: nio.AsyncClient, room_id: str, body: str) -> str:
    """Sync (long-polling, no sleeps) until a text message with `body` shows up in `room_id`."""
    for _ in range(20):
        response = await client.sync(timeout=3000, full_state=client.next_batch is None)
        assert isinstance(response, nio.SyncResponse), response
        room = response.rooms.join.get(room_id)
        for event in room.timeline.events if room else []:
            if isinstance(event, nio.RoomMessageText) and event.body == body:
                return str(event.sender)
    raise AssertionError(f"{client.user_id} never saw {body!r} in {room_id}")


# Synapse's (lazy) imports trip over deprecated Twisted and jsonschema APIs.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_config_is_read_by_synapse_as_intended(tmp_path: Path) -> None:
    """Synapse ignores unknown rc_* keys silently, so parse our config with Synapse itself."""
    from synapse.config.homeserver import HomeServerConfig
    from synapse.config.server import TCPListenerConfig

    server = LocalSynapse(tmp_path / "hs", port=free_port())
    server.prepare()
    config = HomeServerConfig.load_config("test", ["-c", str(server.config_path)])

    (listener,) = config.server.listeners
    assert isinstance(listener, TCPListenerConfig)
    assert listener.http_options is not None
    assert listener.bind_addresses == ["127.0.0.1"]
    assert listener.port == server.port
    assert [name for res in listener.http_options.resources for name in res.names] == ["client"]
    assert listener.http_options.x_forwarded is False
    assert config.registration.enable_registration is False
    assert config.registration.bcrypt_rounds == 4
    assert config.server.presence_enabled is False
    assert config.key.key_servers == []
    assert config.metrics.report_stats is False
    assert config.media.url_preview_enabled is False
    assert config.federation.federation_domain_whitelist == {}
    assert config.worker.start_pushers is False
    assert config.push.enable_push is True  # push rules (unread counts) still evaluated
    assert config.database.databases[0].config["args"]["database"].startswith(str(tmp_path))

    rc = config.ratelimiting
    relaxed = [
        rc.rc_message,
        rc.rc_registration,
        rc.rc_registration_token_validity,
        rc.rc_login_address,
        rc.rc_login_account,
        rc.rc_login_failed_attempts,
        rc.rc_admin_redaction,
        rc.rc_joins_local,
        rc.rc_joins_remote,
        rc.rc_joins_per_room,
        rc.rc_key_requests,
        rc.rc_3pid_validation,
        rc.rc_invites_per_room,
        rc.rc_invites_per_user,
        rc.rc_invites_per_issuer,
        rc.rc_third_party_invite,
        rc.rc_media_create,
        rc.rc_presence_per_user,
        rc.rc_delayed_event_mgmt,
        rc.rc_room_creation,
        rc.rc_reports,
        rc.rc_user_directory,
        rc.rc_profile,
    ]
    for setting in relaxed:
        assert setting is not None
        assert (setting.key, setting.per_second, setting.burst_count) == (setting.key, 1000, 1000)


def test_prepare_keeps_secrets_and_follows_the_port(tmp_path: Path) -> None:
    first = LocalSynapse(tmp_path, port=free_port())
    first.prepare()
    kept = ["signing.key", *(f"secrets/{p.name}" for p in (tmp_path / "secrets").iterdir())]
    before = {name: (tmp_path / name).read_text() for name in kept}

    moved = LocalSynapse(tmp_path, port=first.port + 1, relaxed_rate_limits=False)
    moved.prepare()

    assert {name: (tmp_path / name).read_text() for name in kept} == before
    config = json.loads((tmp_path / "homeserver.yaml").read_text().split("\n", 3)[3])
    assert config["listeners"][0]["port"] == first.port + 1
    assert "rc_message" not in config
    assert (tmp_path / "homeserver.yaml").stat().st_mode & 0o077 == 0


async def test_message_from_one_user_reaches_another(
    synapse: LocalSynapse, new_user: NewUser, matrix_client: MatrixClientFactory
) -> None:
    alice = await new_user("alice", admin=True, displayname="Alice")
    bob = await new_user("bob")
    a, b = await matrix_client(alice), await matrix_client(bob)

    created = await a.room_create(name="Trygg test", invite=[bob.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    joined = await b.join(created.room_id)
    assert isinstance(joined, nio.JoinResponse), joined
    text = f"Hej Bob! {secrets.token_hex(3)}"
    sent = await a.room_send(created.room_id, "m.room.message", {"msgtype": "m.text", "body": text})
    assert isinstance(sent, nio.RoomSendResponse), sent

    assert await _wait_for_text(b, created.room_id, text) == alice.user_id


async def test_register_is_idempotent(synapse: LocalSynapse) -> None:
    localpart = f"carol-{secrets.token_hex(4)}"
    first = await synapse.register(localpart, "correct horse")
    second = await synapse.register(localpart, "correct horse")

    assert second.user_id == first.user_id == f"@{localpart}:localhost"
    assert second.device_id != first.device_id
    assert await synapse.whoami(second.access_token) == first.user_id
    assert await synapse.whoami(first.access_token) == first.user_id

    with pytest.raises(HomeserverError) as wrong:
        await synapse.register(localpart, "wrong password")
    assert wrong.value.errcode == "M_FORBIDDEN"


async def test_ratelimit_override_needs_an_admin(synapse: LocalSynapse, new_user: NewUser) -> None:
    admin = await new_user("admin", admin=True)
    bot = await new_user("bot")

    await synapse.override_ratelimit(admin.access_token, bot.user_id, 50, 100)
    assert await synapse.get_ratelimit_override(admin.access_token, bot.user_id) == (50, 100)
    await synapse.delete_ratelimit_override(admin.access_token, bot.user_id)
    assert await synapse.get_ratelimit_override(admin.access_token, bot.user_id) is None

    with pytest.raises(HomeserverError) as refused:
        await synapse.override_ratelimit(bot.access_token, bot.user_id, 0, 0)
    assert (refused.value.status, refused.value.errcode) == (403, "M_FORBIDDEN")


async def test_users_and_tokens_survive_a_restart(synapse: LocalSynapse, new_user: NewUser) -> None:
    dave = await new_user("dave")
    try:
        await synapse.stop()
        assert not synapse.is_running()
        with pytest.raises(HomeserverError):
            await synapse.whoami(dave.access_token)
        await synapse.stop()  # idempotent
    finally:
        await synapse.start()
    assert synapse.is_running()

    again = await synapse.login(dave.user_id, dave.password)
    assert again.user_id == dave.user_id
    assert await synapse.whoami(dave.access_token) == dave.user_id


async def test_start_refuses_a_port_that_is_in_use(synapse: LocalSynapse, tmp_path: Path) -> None:
    intruder = LocalSynapse(tmp_path, port=synapse.port)
    with pytest.raises(HomeserverStartError, match="already in use"):
        await intruder.start()
    assert not intruder.is_running()
    assert synapse.is_running()


async def test_a_crashing_synapse_is_reported_with_its_log(tmp_path: Path) -> None:
    broken = LocalSynapse(tmp_path, port=free_port())
    broken.prepare()
    (tmp_path / "homeserver.db").mkdir()  # SQLite cannot open a directory

    with pytest.raises(HomeserverStartError) as failed:
        await broken.start(timeout=60)

    assert "exited with code" in str(failed.value)
    assert "homeserver.db" in str(failed.value) or "database" in str(failed.value).lower()
    assert not broken.is_running()


def test_registered_user_is_a_value() -> None:
    user = RegisteredUser("@a:localhost", "pw", "token", "DEVICE")
    assert user == RegisteredUser("@a:localhost", "pw", "token", "DEVICE")
    with pytest.raises(AttributeError):
        user.password = "other"  # type: ignore[misc]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


async def test_async_tests_here_run_on_the_session_loop(
    session_loop: asyncio.AbstractEventLoop, request: pytest.FixtureRequest
) -> None:
    """The conftest marks this test (no decorator here) so it shares the session fixtures' loop."""
    assert asyncio.get_running_loop() is session_loop
    assert request.node.get_closest_marker("e2e") is not None
    assert request.node.get_closest_marker("asyncio").kwargs == {"loop_scope": "session"}


async def test_start_ends_a_synapse_orphaned_on_the_same_data_dir(tmp_path: Path) -> None:
    """A dev homeserver whose parent died without stop() must not block the next `make run`."""
    port = free_port()
    first = LocalSynapse(tmp_path, port=port)
    second = LocalSynapse(tmp_path, port=port)  # a new run, knowing nothing of `first`
    try:
        await first.start()
        orphan = first._process
        assert orphan is not None
        await second.start()
        assert second.is_running()
        assert await asyncio.wait_for(orphan.wait(), 5) is not None
        assert not first.is_running()
    finally:
        await second.stop()
        await first.stop()
