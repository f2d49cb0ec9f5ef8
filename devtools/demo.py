"""The embedded-defaults run (``make run``, `devtools.run`): a local Synapse with demo
accounts and rooms, and a generated settings file for the bot.

Everything lives under ``.local/`` of the working directory and is reused on the next run:
``.local/synapse/`` (the homeserver), ``.local/dev/`` (account passwords, the bot's database
and session), ``.local/tryggbot.toml`` (config/example.toml plus the local accounts and rooms)
and ``.local/demo.json`` (what a person needs to log in with any Matrix client).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nio

from bot.matrix.cryptostore import ENCRYPTION_STATE as ENCRYPTION
from config.base import EXAMPLE_PATH
from config.files import private_dir, write_private
from devtools.homeserver import HomeserverError, LocalSynapse, RegisteredUser

log = logging.getLogger(__name__)

SERVER_NAME = "localhost"
BOT = "tryggbot"
MODERATOR = "moderator"
RESIDENTS = ("anna", "bashir")
ROOMS = (
    # alias localpart, name, locality, area, language
    ("grondal", "Grannsamverkan Gröndal", "varnamo", "Gröndal", "sv"),
    ("bredaryd", "Trygg i Bredaryd", "bredaryd", None, "sv"),
)
MODERATION_ALIAS = "tryggbot-moderering"
WEB_PORT = 8090  # the web chat (the sample kommun page that embeds it: the next port)


@dataclass(frozen=True)
class DevSetup:
    synapse: LocalSynapse
    config_path: Path
    demo_path: Path
    demo: dict[str, Any]
    web_port: int = WEB_PORT

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def sample_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port + 1}"


def _private(path: Path, text: str) -> None:
    private_dir(path.parent)
    tmp = path.with_name(path.name + ".tmp")
    write_private(tmp, text)
    os.replace(tmp, path)


def _passwords(path: Path) -> dict[str, str]:
    """Stable random passwords per account, created once."""
    try:
        known = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        known = {}
    changed = False
    for name in (BOT, MODERATOR, *RESIDENTS):
        if not isinstance(known.get(name), str):
            known[name] = secrets.token_urlsafe(12)
            changed = True
    if changed:
        _private(path, json.dumps(known, indent=2))
    return {k: str(v) for k, v in known.items()}


async def client_for(server: LocalSynapse, user: RegisteredUser) -> nio.AsyncClient:
    """A ``nio.AsyncClient`` logged in as ``user``'s device (no login round trip, no
    encryption, no stored sync tokens); the caller closes it."""
    client = nio.AsyncClient(
        server.base_url,
        user.user_id,
        device_id=user.device_id,
        config=nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False),
    )
    client.restore_login(user.user_id, user.device_id, user.access_token)
    return client


async def _room(
    moderator: nio.AsyncClient,
    alias_local: str,
    name: str,
    *,
    public: bool,
    invite: list[str],
    encrypted: bool = False,
) -> str:
    """The room behind ``#alias_local:localhost``, created by the moderator if missing
    (encrypted ones get encryption switched on if an older run made them without)."""
    alias = f"#{alias_local}:{SERVER_NAME}"
    # A missing alias is the usual case on a first run: nio validates the 404 against the
    # success schema and logs "Error validating response" before returning the error. Hold
    # that logger back for this one expected miss, so the first `make run` prints no warning.
    nio_responses = logging.getLogger("nio.responses")
    level = nio_responses.level
    nio_responses.setLevel(logging.ERROR)
    try:
        resolved = await moderator.room_resolve_alias(alias)
    finally:
        nio_responses.setLevel(level)
    if isinstance(resolved, nio.RoomResolveAliasResponse):
        room_id = str(resolved.room_id)
        for user in invite:
            await moderator.room_invite(room_id, user)  # already in: harmless error
        if encrypted:
            await moderator.room_put_state(room_id, "m.room.encryption", ENCRYPTION["content"])
        return room_id
    created = await moderator.room_create(
        alias=alias_local,
        name=name,
        preset=nio.RoomPreset.public_chat if public else nio.RoomPreset.private_chat,
        invite=invite,
        initial_state=[ENCRYPTION] if encrypted else (),
    )
    if not isinstance(created, nio.RoomCreateResponse):
        raise RuntimeError(f"could not create {alias}: {created}")
    return str(created.room_id)


def toml_dumps(data: dict[str, Any]) -> str:
    """A small TOML writer for settings: top-level tables and arrays of tables; deeper
    dicts as inline tables."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(f"cannot write {type(v).__name__} as TOML")

    lines: list[str] = []
    for key, v in data.items():
        if not isinstance(v, dict | list):
            lines.append(f"{key} = {value(v)}")
    for key, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {value(x)}" for k, x in v.items())
    for key, v in data.items():
        if isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            for item in v:
                lines.append(f"\n[[{key}]]")
                lines.extend(f"{k} = {value(x)}" for k, x in item.items())
        elif isinstance(v, list):
            lines.append(f"{key} = {value(v)}")
    return "\n".join(lines) + "\n"


async def prepare(base: Path, *, port: int = 8008, web_port: int = WEB_PORT) -> DevSetup:
    """Start the local Synapse and make sure the demo accounts and rooms exist.

    Idempotent: a second run reuses the data directory, passwords and rooms. The caller must
    ``await setup.synapse.stop()`` when done.
    """
    local = base / ".local"
    dev = local / "dev"
    await asyncio.to_thread(private_dir, dev)
    synapse = LocalSynapse(local / "synapse", port=port, server_name=SERVER_NAME)
    await synapse.start()
    try:
        passwords = await asyncio.to_thread(_passwords, dev / "accounts.json")
        users: dict[str, RegisteredUser] = {}
        for name in (BOT, MODERATOR, *RESIDENTS):
            display = {BOT: "Tryggbot", MODERATOR: "Moderator"}.get(name, name.capitalize())
            users[name] = await synapse.register(name, passwords[name], displayname=display)
        await asyncio.to_thread(_private, dev / "bot-password", passwords[BOT] + "\n")
        demo = await _rooms(synapse, users)
        config = _settings(demo, port, web_port)
        config_path = local / "tryggbot.toml"
        header = (
            "# Generated by `make run` (devtools/run.py) from config/example.toml on every start;\n"
            "# edit config/example.toml or devtools/demo.py instead. Relative paths below\n"
            "# are relative to this file's folder.\n"
        )
        await asyncio.to_thread(config_path.write_text, header + toml_dumps(config), "utf-8")
        demo["config"] = str(config_path.relative_to(base))
        demo["web"] = {
            "chat": f"http://127.0.0.1:{web_port}/",
            "sample_page": f"http://127.0.0.1:{web_port + 1}/",
        }
        demo_path = local / "demo.json"
        await asyncio.to_thread(_private, demo_path, json.dumps(demo, indent=2) + "\n")
        # Logging in for the setup made throwaway devices; the passwords stay valid.
        return DevSetup(synapse, config_path, demo_path, demo, web_port)
    except BaseException:
        await synapse.stop()
        raise


async def _rooms(synapse: LocalSynapse, users: dict[str, RegisteredUser]) -> dict[str, Any]:
    bot = users[BOT].user_id
    moderator = await client_for(synapse, users[MODERATOR])
    residents = {name: await client_for(synapse, users[name]) for name in RESIDENTS}
    try:
        moderation = await _room(
            moderator,
            MODERATION_ALIAS,
            "Tryggbot moderering",
            public=False,
            invite=[bot],
            encrypted=True,
        )
        direct = {
            name: await _direct_chat(synapse, users[name], client, bot)
            for name, client in residents.items()
        }
        neighbourhood = []
        for alias_local, name, locality, area, language in ROOMS:
            room_id = await _room(moderator, alias_local, name, public=True, invite=[bot])
            for client in residents.values():
                await client.join(room_id)
            neighbourhood.append(
                {
                    "id": room_id,
                    "alias": f"#{alias_local}:{SERVER_NAME}",
                    "name": name,
                    "locality": locality,
                    "area": area,
                    "language": language,
                }
            )
    finally:
        await moderator.close()
        for client in residents.values():
            await client.close()
    accounts = {
        "moderator": {"user_id": users[MODERATOR].user_id, "password": users[MODERATOR].password},
    }
    for i, name in enumerate(RESIDENTS, start=1):
        accounts[f"resident{i}"] = {
            "user_id": users[name].user_id,
            "password": users[name].password,
        }
    return {
        "homeserver": synapse.base_url,
        "server_name": SERVER_NAME,
        "bot": bot,
        "rooms": {"moderation": moderation, "neighbourhood": neighbourhood, "direct": direct},
        "accounts": accounts,
    }


async def _direct_chat(
    synapse: LocalSynapse, user: RegisteredUser, client: nio.AsyncClient, bot: str
) -> str:
    """An encrypted direct chat between a demo resident and the bot, as Element makes one;
    reused from the resident's ``m.direct`` on later runs."""
    path = f"/_matrix/client/v3/user/{quote(user.user_id)}/account_data/m.direct"
    try:
        direct = await synapse._request("GET", path, token=user.access_token)
    except HomeserverError:
        direct = {}
    for room_id in direct.get(bot, []):
        return str(room_id)
    created = await client.room_create(
        is_direct=True,
        invite=[bot],
        preset=nio.RoomPreset.trusted_private_chat,
        initial_state=[ENCRYPTION],
    )
    if not isinstance(created, nio.RoomCreateResponse):
        raise RuntimeError(f"could not create a direct chat for {user.user_id}: {created}")
    room_id = str(created.room_id)
    await synapse._request("PUT", path, token=user.access_token, body={**direct, bot: [room_id]})
    return room_id


def _settings(demo: dict[str, Any], port: int, web_port: int = WEB_PORT) -> dict[str, Any]:
    with EXAMPLE_PATH.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    matrix = dict(data.get("matrix", {}))
    # Paths are relative to the generated file's folder, .local/.
    matrix.update(
        homeserver=demo["homeserver"],
        user_id=demo["bot"],
        password_file="dev/bot-password",
        session_file="dev/matrix-session.json",
        moderation_room=demo["rooms"]["moderation"],
        moderators=[demo["accounts"]["moderator"]["user_id"]],
    )
    data["matrix"] = matrix
    data["secrets"] = dict(data.get("secrets", {}), pseudonym_key_file="pseudonym.key")
    data["storage"] = {"path": "dev/tryggbot.sqlite3"}
    # The web chat on, and the sample kommun page (its own origin) allowed to frame it.
    data["web"] = dict(
        data.get("web", {}),
        enabled=True,
        host="127.0.0.1",
        port=web_port,
        public_url=f"http://127.0.0.1:{web_port}",
        allowed_origins=[f"http://127.0.0.1:{web_port + 1}"],
    )
    data["rooms"] = [
        {k: v for k, v in room.items() if k in ("id", "locality", "area", "language") and v}
        for room in demo["rooms"]["neighbourhood"]
    ]
    return data


def instructions(setup: DevSetup) -> str:
    """What to print for a person who wants to try the bot with a Matrix client."""
    demo = setup.demo
    lines = [
        "",
        "Tryggbot is running on a local Matrix homeserver.",
        f"  Homeserver URL: {demo['homeserver']}",
        f"  The bot:        {demo['bot']}",
        "",
        "Log in with any Matrix client (for example Element Desktop: 'Edit' the homeserver,",
        f"enter {demo['homeserver']}) as one of these demo accounts:",
    ]
    for role, acc in demo["accounts"].items():
        lines.append(f"  {role:<10} {acc['user_id']:<24} password {acc['password']}")
    lines += [
        "",
        "Rooms: the moderation room (the moderator is in it) and the neighbourhood rooms "
        + ", ".join(r["alias"] for r in demo["rooms"]["neighbourhood"])
        + " (the residents are in them).",
        "The moderation room and each resident's direct chat with the bot are end-to-end",
        "encrypted; the bot's device is cross-signed (its master key: tryggbot status).",
        f"Open the direct chat with {demo['bot']} and write !hjälp (or !help).",
        "",
        f"Web chat (no account needed): {setup.web_url}/",
        f"A sample kommun page with the chat embedded: {setup.sample_url}/",
        f"Everything above is also in {setup.demo_path}. Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)
