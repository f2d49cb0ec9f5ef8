"""The go-live pack (docs/lawful-operation/) against the code: generated parts up to date, the
DPIA's data map holding every table and column of the schema, every retention and privacy
setting and every kind of record covered, and no promise of anonymity."""

from __future__ import annotations

import re
from pathlib import Path

from bot.privacy import BLOCK, update_docs
from config.base import EXAMPLE_PATH
from config.privacy import PrivacySettings, RetentionSettings
from config.settings import load_settings
from storage import privacy
from storage.datamap import TABLES
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs" / "lawful-operation"


def doc(name: str) -> str:
    return (DOCS_DIR / name).read_text(encoding="utf-8")


def block(name: str, text: str) -> str:
    found = {m.group(2): m.group(3) for m in BLOCK.finditer(text)}
    return found[name]


def test_generated_parts_of_the_pack_are_up_to_date() -> None:
    """If this fails: `tryggbot privacy docs` rewrites them."""
    assert update_docs(load_settings(EXAMPLE_PATH), DOCS_DIR, write=False) == []


async def test_the_dpia_data_map_names_every_table_and_column_of_the_schema(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        async with db.read() as conn:
            schema = await privacy.schema(conn)
    finally:
        await db.close()
    named: set[tuple[str, str]] = set()
    for line in block("datakarta", doc("dpia.md")).splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        named.update((cells[0], col.strip()) for col in cells[1].split(","))
    missing = sorted(f"{t}.{c}" for t, cols in schema.items() for c in cols if (t, c) not in named)
    assert missing == []
    assert {t for t, _ in named} == set(schema)


def test_every_retention_and_privacy_setting_is_in_the_pack() -> None:
    gallring, info = doc("gallringsbeslut.md"), doc("information-art13.md")
    for name in RetentionSettings.model_fields:
        assert f"retention.{name}" in gallring, name
    for name in PrivacySettings.model_fields:
        assert f"privacy.{name}" in info, name


def sections(text: str) -> dict[str, str]:
    parts = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    return {p.split("\n", 1)[0]: p for p in parts}


DRAFTS = {
    "Tipstexter": ("tip_text",),
    "Följdfrågor och svar": ("tip_message",),
    "Kontaktlänkar för följdfrågor": ("relay",),
    "EST-poster (tipsposter)": ("tip", "tip_card"),
    "Moderatorernas anteckningar och händelselogg": ("audit",),
    "Omröstnings- och enkätdata": ("poll", "poll_target", "poll_count", "survey_followup"),
    "Utskick: leveranser och prenumerationer": (
        "broadcast_schedule",
        "broadcast_adhoc",
        "broadcast_run",
        "broadcast_delivery",
        "broadcast_subscriber",
    ),
    "Språkval och påminnelser per pseudonym": ("person", "kv"),
    "Loggar": (),
    "Säkerhetskopior": (),
    "Hemserverns chatthistorik": (),
}
"""The kinds of record the issue names (and two more), each with the tables it covers."""


def test_every_kind_of_record_has_a_draft_decision_tied_to_its_settings() -> None:
    found = sections(doc("gallringsbeslut.md"))
    by_title = {re.sub(r"^\d+\. ", "", title): body for title, body in found.items()}
    by_name = {t.name: t for t in TABLES}
    for title, tables in DRAFTS.items():
        assert title in by_title, f"no draft decision for {title}"
        for name in tables:
            body = by_title[title]
            assert f"`{name}`" in body, f"{title}: table {name} not named"
            for key in by_name[name].rule.keys:
                setting = key.split(" ")[0]
                assert setting in body, f"{title}: {setting} not named"


def test_the_pack_never_promises_anonymity() -> None:
    """Every sentence that says "anonym" also says that it is not promised, or quotes a text."""
    for path in sorted(DOCS_DIR.glob("*.md")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for sentence in re.split(r"(?<=[.!?])\s", text):
            if "anonym" in sentence.casefold():
                assert re.search(r"\binte\b|\baldrig\b|\"[^\"]*anonym", sentence), (
                    f"{path.name}: {sentence}"
                )


def test_the_readme_privacy_section_points_to_the_pack() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Privacy model", 1)[1].split("\n## ", 1)[0]
    assert "docs/lawful-operation/" in section
    for reader in ("data protection officer", "archivist", "registrar"):
        assert reader in section
