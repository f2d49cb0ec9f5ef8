"""The Matrix side: the account and its login, the moderation room and moderators, the
neighbourhood rooms, and end-to-end encryption. This module imports nothing from the rest of
Tryggbot outside ``config``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from config.base import MXID, ROOM_REF, Key, LangCode, Model


class RoomSettings(Model):
    """A neighbourhood room the bot serves: its Matrix room id or alias, place and language."""

    id: str = Field(pattern=ROOM_REF)
    locality: Key
    area: str | None = None
    language: LangCode = "sv"


class MatrixSettings(Model):
    homeserver: str = Field(default="http://127.0.0.1:8008", pattern=r"^https?://")
    user_id: str = Field(default="@tryggbot:localhost", pattern=r"^@[^:]+:.+$")
    password_env: str = "TRYGGBOT_PASSWORD"
    password_file: str | None = None
    access_token_env: str = "TRYGGBOT_ACCESS_TOKEN"
    session_file: str = ".local/matrix-session.json"
    device_name: str = "Tryggbot"
    display_name: str = "Tryggbot"
    accept_direct_invites: bool = True
    moderation_room: str | None = Field(default=None, pattern=ROOM_REF)
    moderators: tuple[Annotated[str, Field(pattern=MXID)], ...] = ()
    moderator_power_level: int = Field(default=50, ge=1, le=100)
    send_concurrency: int = Field(default=16, ge=1, le=64)


class EncryptionSettings(Model):
    """End-to-end encryption (docs/encryption.md). The crypto store and the cross-signing key
    file default to next to the database; the recovery key, if used, comes from the env."""

    enabled: bool = True
    store_dir: str | None = None
    cross_signing_key_file: str | None = None
    recovery_key_env: str = "TRYGGBOT_RECOVERY_KEY"
    share_keys_with: Literal["cross-signed", "all"] = "cross-signed"
    explain_after_minutes: int = Field(default=10, ge=0, le=7 * 24 * 60)
