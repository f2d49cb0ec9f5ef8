"""``tryggbot i18n``: status per language, and the CSV sheet a translator fills in (export,
import with validation, reviewed rows recorded) as a round trip on a copy of the catalogues."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.i18n import Catalog
from bot.translations import SheetError, export_sheet, import_sheet, status
from config.base import LOCALES_DIR


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    root = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, root)
    return root


def rows_of(sheet: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(sheet.lstrip("\ufeff"))))


def sheet_of(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def edit(rows: list[dict[str, str]], cells: dict[str, dict[str, str]]) -> None:
    """Fill in the rows whose key ``cells`` names with the cells given for it."""
    for row in rows:
        row.update(cells.get(row["key"], {}))


def test_status_shows_every_language_complete_and_the_review_state(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["i18n", "status"]) == 0
    out = capsys.readouterr().out
    assert "Names in the configuration (categories, place types, kommun): all languages." in out
    lines = {line.split()[0]: line for line in out.splitlines()[1:12]}
    assert set(lines) == {"sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl"}
    assert "100%" in lines["so"] and "machine-assisted, needs review" in lines["so"]
    assert "0/" in lines["so"]
    assert "source language" in lines["sv"] and "100%" in lines["en"]


def test_export_has_the_swedish_source_next_to_the_translation() -> None:
    catalog = Catalog.load(LOCALES_DIR)
    rows = rows_of(export_sheet(catalog, "uk"))
    receipt = next(r for r in rows if r["key"] == "tips.receipt")
    assert receipt["swedish"] == catalog.raw("sv", "tips.receipt")
    assert receipt["english"] == catalog.raw("en", "tips.receipt")
    assert receipt["translation"] == catalog.raw("uk", "tips.receipt")
    assert receipt["placeholders"].startswith("{code} = a tip code") and receipt["reviewed"] == ""
    assert "{hours} = " in receipt["placeholders"] and "receipt" in receipt["where"]
    assert "VMO-7K3Q" in receipt["example"] and "{" not in receipt["example"]
    forms = [r["form"] for r in rows if r["key"] == "tips.forgotten"]
    assert forms == ["one", "few", "many", "other"]
    assert not any(r["key"].startswith("moderation.") for r in rows)


def test_round_trip_unchanged_sheet_changes_nothing(locales: Path) -> None:
    catalog = Catalog.load(locales)
    result = import_sheet(catalog, locales, export_sheet(catalog, "ar"))
    assert result.changed == 0 and result.reviewed == 0
    again = Catalog.load(locales)
    for key in catalog.keys("ar"):
        assert again.value("ar", key) == catalog.value("ar", key), key
    assert export_sheet(again, "ar") == export_sheet(catalog, "ar")


def test_import_writes_translations_and_marks_reviewed_rows(
    locales: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "so.csv"
    assert main(["i18n", "--locales", str(locales), "export", "so", "-o", str(sheet)]) == 0
    rows = rows_of(sheet.read_text(encoding="utf-8"))
    edit(
        rows,
        {
            "tips.offer_declined": {
                "translation": "Hagaag, waxba ma kaydinayo. Qor !help haddii aad rabto.",
                "reviewed": "yes",
            },
            "tips.intro": {"reviewed": "x"},
        },
    )
    sheet.write_text(sheet_of(rows), encoding="utf-8")
    args = ["i18n", "--locales", str(locales), "import", str(sheet)]
    assert main([*args, "--reviewer", "A. Granskare", "--date", "2026-12-07"]) == 0
    assert "Imported so: 1 texts changed, 2 marked reviewed" in capsys.readouterr().out

    catalog = Catalog.load(locales)
    assert catalog.raw("so", "tips.offer_declined") == (
        "Hagaag, waxba ma kaydinayo. Qor !help haddii aad rabto."
    )
    assert catalog.reviewed_keys("so") == {"tips.offer_declined", "tips.intro"}
    (row,) = [r for r in status(catalog, ["so"])]
    assert row.reviewed == 2 and row.present == row.needed and row.state == "machine-assisted"
    # The comment header of the catalogue file survives the rewrite.
    assert (locales / "so" / "tips.toml").read_text(encoding="utf-8").startswith("# Somali")


def test_an_edited_text_is_no_longer_reviewed(locales: Path) -> None:
    catalog = Catalog.load(locales)
    rows = rows_of(export_sheet(catalog, "fi"))
    edit(rows, {"tips.mine_none": {"reviewed": "yes"}})
    import_sheet(catalog, locales, sheet_of(rows), reviewer="A. Granskare")
    assert Catalog.load(locales).reviewed_keys("fi") == {"tips.mine_none"}
    file = locales / "fi" / "tips.toml"
    text = file.read_text(encoding="utf-8").replace("Sinulla ei ole", "Sinulla ei nyt ole")
    file.write_text(text, encoding="utf-8")
    assert Catalog.load(locales).reviewed_keys("fi") == frozenset()


def test_a_fully_reviewed_language_is_marked_reviewed(locales: Path) -> None:
    catalog = Catalog.load(locales)
    rows = rows_of(export_sheet(catalog, "pl"))
    for row in rows:
        row["reviewed"] = "yes"
    import_sheet(catalog, locales, sheet_of(rows), reviewer="A. Granskare")
    again = Catalog.load(locales)
    assert again.quality("pl").state == "reviewed"
    assert again.reviewed_keys("pl") >= again.resident_keys("sv")


def test_import_validates_everything_and_writes_nothing_on_error(
    locales: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in (locales / "uk").iterdir()}
    catalog = Catalog.load(locales)
    rows = rows_of(export_sheet(catalog, "uk"))
    edit(
        rows,
        {
            "tips.receipt": {"translation": "Дякуємо! Ваш код: {kod}."},  # placeholder renamed
            "tips.offer": {"reviewed": "yes"},
        },
    )
    rows.append({**rows[0], "key": "tips.no_such_key", "translation": "x"})
    rows.append({**rows[0], "key": "tips.forgotten", "form": "two", "translation": "{count}"})
    sheet = tmp_path / "uk.csv"
    sheet.write_text(sheet_of(rows), encoding="utf-8")
    assert main(["i18n", "--locales", str(locales), "import", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert "nothing was changed" in err
    assert "(tips.receipt): placeholders must be exactly: {code}, {hours}" in err
    assert "(tips.no_such_key): not a key this language needs" in err
    assert "(tips.forgotten/two): uk has no plural form 'two'" in err
    assert {p.name: p.read_bytes() for p in (locales / "uk").iterdir()} == before


def test_a_sheet_without_a_language_is_refused() -> None:
    catalog = Catalog.load(LOCALES_DIR)
    with pytest.raises(SheetError):
        import_sheet(catalog, Path("/nonexistent"), "lang,key\n,a\n")


def test_the_sheet_covers_every_kind_with_context() -> None:
    catalog = Catalog.load(LOCALES_DIR)
    rows = rows_of(export_sheet(catalog, "pl"))
    kinds = {r["kind"] for r in rows}
    assert kinds == {"catalogue", "warnings", "polls", "names"}
    footer = next(r for r in rows if r["key"] == "broadcasts.footer")
    assert "{police:ins} = lokalną policją w Värnamo" in footer["placeholders"]
    assert footer["example"].startswith("Tryggbot – Gmina Värnamo we współpracy z lokalną")
    warning = next(r for r in rows if r["key"] == "phone_three_steps.text")
    assert warning["kind"] == "warnings" and warning["swedish"].startswith("Polisens råd")
    option = next(r for r in rows if r["key"].endswith("options.mycket_trygg"))
    assert option["kind"] == "polls" and option["translation"] == "Bardzo bezpiecznie"
    genitive = next(r for r in rows if r["key"] == "kommun.name.forms.gen")
    assert genitive["kind"] == "names" and genitive["translation"] == "Gminy Värnamo"


def test_import_records_reviewer_and_date_and_a_language_is_reviewed_only_when_every_kind_is(
    locales: Path, tmp_path: Path
) -> None:
    from tests.harness import make_settings

    warnings = tmp_path / "warnings.toml"
    shutil.copy(LOCALES_DIR.parent / "content" / "warnings.toml", warnings)
    settings = make_settings(**{"broadcasts.catalogue": str(warnings)})
    catalog = Catalog.load(locales)
    rows = rows_of(export_sheet(catalog, "fi", settings))
    for row in rows:
        if row["kind"] == "catalogue":
            row["reviewed"] = "yes"
        if row["key"] == "romance.title":
            row["translation"] = "Rakkaus netissä ja raha"
            row["reviewed"] = "yes"
            row["reviewer"] = "B. Toinen"
    result = import_sheet(
        catalog, locales, sheet_of(rows), settings, reviewer="A. Granskare", today="2026-12-07"
    )
    assert result.changed == 1
    assert 'title = "Rakkaus netissä ja raha"' in warnings.read_text("utf-8")
    again = Catalog.load(locales)
    quality = again.quality("fi")
    assert quality.reviewers["tips.receipt"] == ("A. Granskare", "2026-12-07")
    assert quality.reviewers["warnings:romance.title"] == ("B. Toinen", "2026-12-07")
    (row,) = status(again, ["fi"], settings)
    assert row.kinds["catalogue"][0] == row.kinds["catalogue"][1]
    assert row.kinds["warnings"] == (1, 32) and row.kinds["polls"][0] == 0
    assert row.effective_state == "machine-assisted" and quality.state == "machine-assisted"
    shown = rows_of(export_sheet(again, "fi", settings))
    receipt = next(r for r in shown if r["key"] == "tips.receipt")
    assert (receipt["reviewed"], receipt["reviewer"], receipt["reviewed_on"]) == (
        "yes",
        "A. Granskare",
        "2026-12-07",
    )


def test_a_review_without_a_reviewer_and_a_changed_name_are_refused(locales: Path) -> None:
    catalog = Catalog.load(locales)
    rows = rows_of(export_sheet(catalog, "hr"))
    edit(rows, {"tips.intro": {"reviewed": "yes"}, "kommun.name": {"translation": "Grad Värnamo"}})
    with pytest.raises(SheetError) as caught:
        import_sheet(catalog, locales, sheet_of(rows))
    problems = "\n".join(caught.value.problems)
    assert "(tips.intro): marked reviewed, but no reviewer" in problems
    assert "(kommun.name): names live in the kommun's settings file" in problems
