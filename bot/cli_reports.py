"""The subcommands that read or write what the bot holds and says, never the chat: ``i18n``
(translations), ``est`` (the EST report and export), ``privacy`` (data map, retention counts,
the go-live pack's tables) and ``records-request`` (for the registrar)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bot.cli_common import EXIT_OK, load
from config.base import LOCALES_DIR, ConfigError
from config.settings import resolve_path


def i18n(args: argparse.Namespace) -> int:
    """``i18n status``, ``i18n export LANG``, ``i18n import FILE`` (see bot/translations.py)."""
    from bot.i18n import Catalog
    from bot.translations import (
        SheetError,
        config_name_gaps,
        export_sheet,
        import_sheet,
        render_status,
        status,
    )

    root = Path(args.locales) if args.locales else LOCALES_DIR
    catalog = Catalog.load(root)
    if args.i18n_command == "status":
        settings, _ = load(args.config)
        print(render_status(status(catalog, settings.language.enabled, settings)))
        print(
            "Reviewed texts per kind: catalogue (chat texts), warnings (fraud warnings), polls "
            "(poll and survey templates), names (the kommun's configured names). A language is "
            "reviewed only when every kind is."
        )
        gaps = {lang: keys for lang, keys in config_name_gaps(settings).items() if keys}
        if not gaps:
            print("Names in the configuration (categories, place types, kommun): all languages.")
        for lang, keys in gaps.items():
            print(f"{lang}: no name in the configuration for {', '.join(keys)} (English shown)")
        return 0
    if args.i18n_command == "packet":
        from bot.glossary import glossary_rows, load_glossary
        from bot.reviewtexts import review_packet

        if args.lang not in catalog.languages:
            print(f"Unknown language {args.lang!r}", file=sys.stderr)
            return 2
        settings, _ = load(args.config)
        glossary = load_glossary(root, args.lang)
        packet = review_packet(
            catalog,
            settings,
            args.lang,
            register=glossary.register if glossary else "",
            glossary=glossary_rows(glossary) if glossary else (),
        )
        out = Path(args.output or f"tryggbot-review-{args.lang}.md")
        out.write_text(packet, encoding="utf-8")
        print(f"Wrote {out}: every resident text in {args.lang} for an independent reviewer")
        return 0
    if args.i18n_command == "export":
        if args.lang not in catalog.languages:
            print(f"Unknown language {args.lang!r}", file=sys.stderr)
            return 2
        settings, _ = load(args.config)
        out = Path(args.output or f"tryggbot-{args.lang}.csv")
        out.write_text(export_sheet(catalog, args.lang, settings), encoding="utf-8", newline="")
        print(
            f"Wrote {out}: fill in the column 'translation', mark checked rows 'yes' in "
            f"'reviewed' (with 'reviewer', or --reviewer at import), then run: "
            f"tryggbot i18n import {out} --reviewer NAME"
        )
        return 0
    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
        settings, _ = load(args.config)
        result = import_sheet(
            catalog, root, text, settings, reviewer=args.reviewer or "", today=args.date or ""
        )
    except OSError as exc:
        print(f"Cannot read {args.file} ({exc.strerror})", file=sys.stderr)
        return 2
    except SheetError as exc:
        print("The sheet was not imported; nothing was changed:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    print(
        f"Imported {result.lang}: {result.changed} texts changed, {result.reviewed} marked reviewed"
    )
    return 0


async def est(args: argparse.Namespace) -> int:
    from datetime import date

    from bot.app import FEATURES
    from bot.app import EstRequest as Request
    from bot.app import run_est_export as run
    from bot.commands import fold
    from bot.features import build_registry
    from config.settings import resolve_path

    settings, base = load(args.config)
    place = None
    if args.place:
        wanted = fold(args.place)
        found = [loc.key for loc in settings.localities if wanted in (loc.key, fold(loc.name))]
        if not found:
            raise ConfigError([f"--place: unknown locality {args.place!r}"])
        place = found[0]
    try:
        start = date.fromisoformat(args.date_from) if args.date_from else None
        end = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        raise ConfigError(["--from/--to: give dates as YYYY-MM-DD"]) from None
    if start and end and start > end:
        raise ConfigError(["--from must not be after --to"])
    db = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    lang = args.lang or settings.moderation.language
    req = Request(start, end, place, args.format, Path(args.out), lang if lang == "en" else "sv")
    paths, count = await run(settings, db, req, build_registry(FEATURES).report_sections)
    for path in paths:
        print(path)
    if count is not None:
        print(f"{count} records", file=sys.stderr)
    return 0


def privacy_docs(args: argparse.Namespace) -> int:
    """Rewrite (or with --check only list) the generated tables of the go-live pack."""
    from bot.privacy import update_docs

    settings, _ = load(args.config)
    folder = Path(args.dir)
    if not folder.is_dir():
        raise ConfigError([f"--dir: {folder} is not a folder (run this in a checkout)"])
    changed = update_docs(settings, folder, write=not args.check)
    for name in changed:
        print(f"{'out of date' if args.check else 'updated'}: {folder / name}")
    return 1 if args.check and changed else EXIT_OK


async def privacy(args: argparse.Namespace) -> int:
    """``privacy map`` (from the code) and ``privacy report`` (read-only counts)."""
    from datetime import UTC, datetime, timedelta

    from bot.privacy import render_map, render_report
    from storage import privacy
    from storage.db import Database

    settings, base = load(args.config)
    if args.privacy_command == "map":
        print(render_map(settings, args.format), end="")
        return EXIT_OK
    path = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    db = await Database.open_readonly(path)
    now, grace = datetime.now(UTC), timedelta(days=1)
    try:
        async with db.read() as conn:
            counts = await privacy.count(conn, settings, now, grace)
    finally:
        await db.close()
    print(render_report(settings, counts, now, grace, args.format), end="")
    return EXIT_OK


async def records_request(args: argparse.Namespace) -> int:
    """What the kommun holds for a tip or a period, for the registrar (nothing is sent)."""
    from datetime import UTC, date, datetime

    from bot.app import RecordsRequest, run_records_request

    settings, base = load(args.config)
    if bool(args.code) == bool(args.date_from or args.date_to):
        raise ConfigError(["give either a tip's CODE or a period (--from and/or --to)"])
    try:
        start = date.fromisoformat(args.date_from) if args.date_from else None
        end = date.fromisoformat(args.date_to) if args.date_to else None
    except ValueError:
        raise ConfigError(["--from/--to: give dates as YYYY-MM-DD"]) from None
    if start and end and start > end:
        raise ConfigError(["--from must not be after --to"])
    by = args.by or os.environ.get("USER") or "operator"
    req = RecordsRequest(args.code, start, end, Path(args.out), by, args.ref or "")
    db = Path(args.db) if args.db else resolve_path(settings.storage.path, base)
    for path in await run_records_request(settings, db, req, datetime.now(UTC)):
        print(path)
    print(
        "Written for the registrar's secrecy review; nothing was sent. The request is in "
        "the tips' audit trail.",
        file=sys.stderr,
    )
    return EXIT_OK
