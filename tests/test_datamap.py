"""The data map (storage/datamap/) against the real schema: a table or column added without
an entry, or an entry for one that does not exist, fails here."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from storage import privacy
from storage.datamap import TABLES, Category
from storage.db import Database
from tests.harness import make_settings


async def migrated_schema(tmp_path: Path) -> dict[str, tuple[str, ...]]:
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        async with db.read() as conn:
            return await privacy.schema(conn)
    finally:
        await db.close()


async def test_every_table_and_column_of_the_schema_has_an_entry(tmp_path: Path) -> None:
    schema = await migrated_schema(tmp_path)
    mapped = {t.name: set(t.all_columns()) for t in TABLES}
    missing_tables = sorted(set(schema) - set(mapped))
    assert missing_tables == [], f"tables without an entry in storage/datamap/: {missing_tables}"
    missing = sorted(f"{t}.{c}" for t, cols in schema.items() for c in cols if c not in mapped[t])
    assert missing == [], f"columns without an entry in storage/datamap/: {missing}"


async def test_no_entry_names_a_table_or_column_that_does_not_exist(tmp_path: Path) -> None:
    schema = await migrated_schema(tmp_path)
    ghosts = sorted(t.name for t in TABLES if t.name not in schema)
    assert ghosts == []
    ghost_cols = sorted(
        f"{t.name}.{c}" for t in TABLES for c in t.all_columns() if c not in schema[t.name]
    )
    assert ghost_cols == []


def test_each_column_is_declared_once() -> None:
    for t in TABLES:
        twice = [c for c, n in Counter(t.all_columns()).items() if n > 1]
        assert twice == [], f"{t.name}: {twice}"
    assert len({t.name for t in TABLES}) == len(TABLES)


def test_tables_with_a_person_key_or_free_text_say_what_forget_and_retention_do() -> None:
    personal = {Category.PSEUDONYM, Category.FREE_TEXT, Category.ROOM_ID, Category.SEALED}
    for t in TABLES:
        if any(t.category(c) in personal for c in t.all_columns()):
            assert t.forget and t.rule.purged_by and t.rule.summary, t.name


async def test_every_rule_is_valid_sql_on_the_schema(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        async with db.read() as conn:
            counts = await privacy.count(
                conn, make_settings(), datetime(2027, 1, 1, tzinfo=UTC), timedelta(days=1)
            )
    finally:
        await db.close()
    assert [c.table for c in counts] == [t.name for t in TABLES]
    assert all(c.rows == 0 for c in counts)


def test_privacy_map_prints_every_table_and_named_column(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["privacy", "map", "--format", "md"]) == 0
    out = capsys.readouterr().out
    for t in TABLES:
        assert f"| {t.name} | (tabellen) |" in out
        for c, col in t.columns.items():
            if col.category is not Category.NONE:
                assert f"| {t.name} | {c} |" in out
    assert "retention.text_days" in out and "Allmän handling" in out
    assert main(["privacy", "map"]) == 0
    assert "tip_text" in capsys.readouterr().out
