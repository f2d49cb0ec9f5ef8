"""``tryggbot check-config --login``: can the bot log in, and does its crypto store fit?

Plain HTTP (aiohttp), no nio client and nothing written on this machine. A saved session or an
access token is checked with ``whoami``. A password is checked by logging in as a temporary
device, which is logged out again at once (the homeserver forgets it). With encryption on,
the saved session's device is compared with the crypto store and with the keys the homeserver
holds for it, as the start does (`bot.matrix.cryptostore.check_store`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.errors import CryptoStoreError
from bot.matrix.cryptostore import CryptoPaths, check_store
from bot.matrix.session import credentials_for, read_session
from config.base import ConfigError
from config.matrix import MatrixSettings
from config.settings import resolve_path

TIMEOUT = aiohttp.ClientTimeout(total=15)


@dataclass
class LoginCheck:
    """What the check found, in plain words: ``refused`` (the login was refused),
    ``unreachable`` (the homeserver did not answer), ``crypto`` (the store does not fit)."""

    ok: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    crypto: list[str] = field(default_factory=list)


class _Unreachable(Exception):
    pass


async def _call(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: Mapping[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with http.request(method, url, json=body, headers=headers) as resp:
            try:
                data = await resp.json(content_type=None)
            except ValueError:
                data = {}
            return resp.status, data if isinstance(data, dict) else {}
    except (TimeoutError, aiohttp.ClientError) as exc:
        raise _Unreachable(str(exc) or type(exc).__name__) from None


def _why(status: int, data: Mapping[str, Any]) -> str:
    code = data.get("errcode") or f"HTTP {status}"
    error = data.get("error")
    return f"{code}: {error}" if error else str(code)


async def check_login(
    m: MatrixSettings,
    base: Path,
    crypto: CryptoPaths | None,
    env: Mapping[str, str] | None = None,
) -> LoginCheck:
    """``crypto``: where the crypto store is, when encryption is on."""
    out = LoginCheck()
    api = m.homeserver.rstrip("/") + "/_matrix/client/v3"
    try:
        creds = credentials_for(m, base, env)
    except ConfigError as exc:
        out.refused.extend(exc.problems)
        return out
    saved = read_session(resolve_path(m.session_file, base))
    if saved is not None and (saved.homeserver != m.homeserver or saved.user_id != m.user_id):
        saved = None
    device: str | None = None
    token: str | None = None
    async with aiohttp.ClientSession(timeout=TIMEOUT) as http:
        try:
            if saved is not None:
                status, data = await _call(
                    http, "GET", f"{api}/account/whoami", token=saved.access_token
                )
                if status == 200:
                    device, token = saved.device_id, saved.access_token
                    out.ok.append(f"the saved session of device {device} is valid")
                else:
                    out.ok.append(
                        f"the saved session is no longer valid ({_why(status, data)}); the bot "
                        "logs in again with its credentials"
                    )
            if creds.access_token:
                status, data = await _call(
                    http, "GET", f"{api}/account/whoami", token=creds.access_token
                )
                if status == 200:
                    out.ok.append(f"the access token is valid (device {data.get('device_id')})")
                else:
                    out.refused.append(
                        f"matrix: the access token was refused ({_why(status, data)})"
                    )
            elif creds.password:
                status, data = await _call(
                    http,
                    "POST",
                    f"{api}/login",
                    body={
                        "type": "m.login.password",
                        "identifier": {"type": "m.id.user", "user": m.user_id},
                        "password": creds.password,
                        "initial_device_display_name": "tryggbot check-config (logged out at once)",
                    },
                )
                if status == 200:
                    await _call(
                        http, "POST", f"{api}/logout", token=str(data.get("access_token")), body={}
                    )
                    out.ok.append(f"the password logs in as {m.user_id}")
                else:
                    out.refused.append(
                        f"matrix: login as {m.user_id} refused ({_why(status, data)})"
                    )
            elif saved is None or device is None:
                out.refused.append(
                    f"matrix: no way to log in; set ${m.password_env} or matrix.password_file, "
                    f"or ${m.access_token_env}"
                )
            if crypto is not None and device is not None and token is not None:
                status, data = await _call(
                    http,
                    "POST",
                    f"{api}/keys/query",
                    token=token,
                    body={"device_keys": {m.user_id: []}},
                )
                known = device in ((data.get("device_keys") or {}).get(m.user_id) or {})
                try:
                    check_store(crypto, m.user_id, device, server_knows_device=known)
                except CryptoStoreError as exc:
                    out.crypto.extend(exc.problems)
                else:
                    out.ok.append("the crypto store fits the saved device")
        except _Unreachable as exc:
            out.unreachable.append(f"matrix.homeserver: {m.homeserver} did not answer ({exc})")
    return out
