"""Tryggbot in encrypted rooms and direct chats, on a real Synapse, with an independent
encrypting nio client whose device the tests cross-sign."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.matrix.homeserver import LocalSynapse
from config.settings import ConfigError
from tests.e2e.botkit import bot_settings, start_bot
from tests.e2e.cryptokit import keys_query, only_key, signed_by

if TYPE_CHECKING:
    from tests.e2e.conftest import NewUser


async def test_bot_device_is_signed_by_its_self_signing_key_signed_by_its_master_key(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    bot = await start_bot(bot_settings(synapse, bot_user), bot_user, tmp_path / "bot")
    try:
        device_id = bot.runtime.transport.client.device_id
        answer = await keys_query(synapse, other, bot_user.user_id)
    finally:
        await bot.stop()
    master = answer["master_keys"][bot_user.user_id]
    ssk = answer["self_signing_keys"][bot_user.user_id]
    device = answer["device_keys"][bot_user.user_id][device_id]
    assert master["usage"] == ["master"] and ssk["usage"] == ["self_signing"]
    master_pub, ssk_pub = only_key(master), only_key(ssk)
    assert signed_by(ssk, bot_user.user_id, master_pub)
    assert signed_by(device, bot_user.user_id, ssk_pub)
    # the signed object is the one the device uploaded: its own signature still holds
    own_key = device["keys"][f"ed25519:{device_id}"]
    assert signed_by(device, bot_user.user_id, own_key, key_id=device_id)
    # and a signature check that can fail does fail on a tampered object
    tampered = {**device, "algorithms": ["m.olm.v1.curve25519-aes-sha2"]}
    assert not signed_by(tampered, bot_user.user_id, ssk_pub)


async def test_restart_keeps_the_device_and_a_new_device_is_signed_by_the_same_master_key(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    other = await new_user("other")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    first_device = bot.runtime.transport.client.device_id
    await bot.stop()
    store = home / "bot.sqlite3"
    assert store.exists()
    crypto_dir = home / ".local" / "crypto"
    key_file = home / ".local" / "cross-signing-keys.json"
    for path in (crypto_dir / "crypto.db", key_file):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(crypto_dir).st_mode) == 0o700

    bot = await start_bot(settings, bot_user, home)
    assert bot.runtime.transport.client.device_id == first_device
    await bot.stop()
    master_before = only_key(
        (await keys_query(synapse, other, bot_user.user_id))["master_keys"][bot_user.user_id]
    )

    # a new device (session and crypto store gone, cross-signing key file kept)
    await asyncio.to_thread(shutil.rmtree, crypto_dir)
    (home / ".local" / "matrix-session.json").unlink()
    bot = await start_bot(settings, bot_user, home)
    new_device = bot.runtime.transport.client.device_id
    await bot.stop()
    assert new_device != first_device
    answer = await keys_query(synapse, other, bot_user.user_id)
    master = answer["master_keys"][bot_user.user_id]
    assert only_key(master) == master_before
    ssk_pub = only_key(answer["self_signing_keys"][bot_user.user_id])
    assert signed_by(answer["device_keys"][bot_user.user_id][new_device], bot_user.user_id, ssk_pub)


async def test_start_is_refused_when_the_crypto_store_belongs_to_another_device(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    await bot.stop()
    (home / ".local" / "matrix-session.json").unlink()  # next start logs in as a new device
    with pytest.raises(ConfigError) as refused:
        await start_bot(settings, bot_user, home)
    text = str(refused.value)
    assert (
        "belongs to device" in text and "session file" in text and "move the crypto store" in text
    )


async def test_start_is_refused_when_the_crypto_store_of_a_known_device_is_lost(
    synapse: LocalSynapse, new_user: NewUser, tmp_path: Path
) -> None:
    bot_user = await new_user("bot")
    home = tmp_path / "bot"
    settings = bot_settings(synapse, bot_user)
    bot = await start_bot(settings, bot_user, home)
    await bot.stop()
    await asyncio.to_thread(shutil.rmtree, home / ".local" / "crypto")
    with pytest.raises(ConfigError) as refused:
        await start_bot(settings, bot_user, home)
    text = str(refused.value)
    assert "no crypto store" in text and "Restore the crypto store" in text
