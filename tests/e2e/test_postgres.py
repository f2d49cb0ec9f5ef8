"""Synapse on a throwaway PostgreSQL cluster (`devtools.postgres.LocalPostgres`), as the
broadcast benchmark runs it with ``--postgres``. Skipped where the machine has no PostgreSQL
server binaries or no psycopg2."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from devtools.homeserver import LocalSynapse, free_port
from devtools.postgres import LocalPostgres, postgres_bin_dir

pytestmark = [
    pytest.mark.skipif(postgres_bin_dir() is None, reason="no PostgreSQL server binaries"),
    pytest.mark.skipif(importlib.util.find_spec("psycopg2") is None, reason="no psycopg2"),
    # Synapse's (lazy) imports trip over deprecated Twisted and jsonschema APIs.
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


def _query(args: dict[str, Any], sql: str, *params: object) -> list[tuple[Any, ...]]:
    import psycopg2

    conn = psycopg2.connect(
        host=args["host"],
        port=args["port"],
        user=args["user"],
        password=args["password"],
        dbname=args["dbname"],
    )
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall())
    finally:
        conn.close()


async def test_synapse_keeps_its_data_in_a_throwaway_cluster_removed_at_stop(
    tmp_path: Path,
) -> None:
    pg = LocalPostgres(port=free_port())
    await pg.start()
    folder = pg.folder
    try:
        assert folder is not None and (folder / "data" / "PG_VERSION").is_file()
        database = pg.synapse_database()
        assert database["name"] == "psycopg2"
        server = LocalSynapse(tmp_path / "synapse", port=free_port(), database=database)
        async with server:
            user = await server.register("pg-alice", "pg-alice-password")
            assert await server.whoami(user.access_token) == user.user_id
        assert not (tmp_path / "synapse" / "homeserver.db").exists()
        args = database["args"]
        collation = await asyncio.to_thread(
            _query,
            args,
            "SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database"
            " WHERE datname = %s",
            args["dbname"],
        )
        assert collation == [("C", "C", "UTF8")]
        users = await asyncio.to_thread(
            _query, args, "SELECT name FROM users WHERE name = %s", user.user_id
        )
        assert users == [(user.user_id,)]
    finally:
        await pg.stop()
    assert not folder.exists()
    assert not pg.is_running()
