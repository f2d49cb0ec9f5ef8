"""``tryggbot records-request``: what the kommun holds about one tip or the tips received in a
period, written for the registrar's secrecy review (HTML to read, CSV to work with).

Every stored row about each tip is included, every column as stored: the EST record, the
text (or that it has been deleted), the relay link, the moderation card, follow-up questions,
answers and internal notes with their authors, and the audit trail, plus what ``!visa`` adds
(the names of category and place, related tips). The request itself is written to each tip's
audit trail first, in the same transaction, so the document shows it too. Nothing is sent to
anyone: the files are for the registrar, who decides what may be disclosed (OSL).
"""

from __future__ import annotations

import asyncio
import csv
import html
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.i18n import Catalog
from config.base import LOCALES_DIR, ConfigError
from config.settings import Settings
from handlers.tipinfo import category_name, locality_name, parse_code, place_type_name
from storage import tips
from storage.db import Database, StorageError

ACTION = "records_request"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIRECTIONS = {
    "question": "fråga (moderator)",
    "answer": "svar (tipsare)",
    "note": "intern anteckning",
}
NOTICE = (
    "Underlag för sekretessprövning. Sammanställningen visar allt som Tryggbot har sparat om "
    "tipsen nedan, så som det är sparat. Den är inte sekretessprövad och har inte lämnats ut: "
    "pröva enligt offentlighets- och sekretesslagen innan något lämnas ut. Texter från "
    "invånare rensades från personnummer, telefonnummer, e-post, Matrix-id, "
    "registreringsnummer och länkar innan de sparades, men kan ändå innehålla uppgifter om "
    "enskilda."
)

Field = tuple[str, str, str, str]
"""(section, number within the section, field, value)."""


@dataclass(frozen=True)
class Request:
    code: str | None
    start: date | None
    end: date | None
    out: Path
    """Written as ``OUT.html`` and ``OUT.csv``."""
    by: str
    """Who asked for it (written in the audit trail)."""
    reference: str
    """The request's registration number, if any (written in the audit trail)."""


def _value(value: object) -> str:
    return "" if value is None else str(value)


def tip_fields(
    settings: Settings, catalog: Catalog, held: tips.Held, related: Sequence[str]
) -> list[Field]:
    """Everything about one tip, labelled; every stored column appears (names of category,
    place, weekday, time band, state and priority as ``!visa`` shows them, key in brackets)."""
    t = held.tip
    out: list[Field] = []

    def add(section: str, n: int, name: str, value: object) -> None:
        out.append((section, str(n), name, _value(value)))

    lang = "sv"
    named = {
        "category": category_name(settings, str(t["category"]), lang) + f" ({t['category']})",
        "locality": locality_name(settings, str(t["locality"])) + f" ({t['locality']})",
        "place_type": place_type_name(settings, str(t["place_type"]), lang)
        + f" ({t['place_type']})",
        "weekday": catalog.t(lang, "days." + DAYS[int(str(t["weekday"])) - 1]),
        "time_band": catalog.t(lang, "tips.band." + str(t["time_band"]).replace("-", "_")),
        "state": catalog.t(lang, f"tips.state.{t['state']}") + f" ({t['state']})",
        "priority": catalog.t(lang, f"moderation.priority.{t['priority']}") + f" ({t['priority']})",
        "reporter": (
            f"kopplat till en tipsare (nyckelhash {t['reporter']})"
            if t["reporter"]
            else "inte kopplat till någon tipsare"
        ),
    }
    for name, value in t.items():
        add("tips", 1, name, named.get(name, value))
    add("tips", 1, "related (som i !visa)", ", ".join(related) or "inga")
    if held.text is None:
        add("text", 1, "body", "finns inte (raderad eller aldrig sparad)")
    else:
        for name, value in held.text.items():
            add("text", 1, name, value)
    for section, row in (("relay", held.relay), ("card", held.card)):
        if row is None:
            add(section, 1, "", "finns inte")
            continue
        for name, value in row.items():
            add(section, 1, name, value)
    for n, msg in enumerate(held.messages, 1):
        for name, value in msg.items():
            shown = DIRECTIONS.get(str(value), value) if name == "direction" else value
            add("messages", n, name, shown)
    for n, row in enumerate(held.audit, 1):
        for name, value in row.items():
            add("audit", n, name, value)
    return out


SECTIONS = {
    "tips": "Tipset (EST-posten)",
    "text": "Tipsets text",
    "relay": "Kontaktlänk för följdfrågor",
    "card": "Kortet i modereringsrummet",
    "messages": "Följdfrågor, svar och interna anteckningar",
    "audit": "Händelselogg",
}


def render_csv(found: Sequence[tuple[str, list[Field]]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("kod", "avsnitt", "nr", "fält", "värde"))
    for code, fields in found:
        for section, n, name, value in fields:
            writer.writerow((code, section, n, name, value))
    return buf.getvalue()


def render_html(
    settings: Settings, req: Request, now: datetime, found: Sequence[tuple[str, list[Field]]]
) -> str:
    e = html.escape
    what = (
        f"tips {req.code}"
        if req.code
        else f"tips som kom in {req.start or 'från början'} – {req.end or 'till i dag'}"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>Underlag: {e(what)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse;width:100%;margin-bottom:1em}"
        "td,th{border:1px solid #888;padding:.2em .4em;text-align:left;vertical-align:top}"
        "th{background:#eee}.notice{border:2px solid #b00;padding:.5em}</style>",
        "</head><body>",
        f"<h1>{e(settings.kommun.name.sv)}: {e(what)}</h1>",
        f'<p class="notice">{e(NOTICE)}</p>',
        f"<p>Sammanställd {e(now.isoformat(timespec='seconds'))} på begäran av {e(req.by)}"
        + (f", ärende {e(req.reference)}" if req.reference else "")
        + f". Antal tips: {len(found)}.</p>",
    ]
    for code, fields in found:
        parts.append(f"<h2>{e(code)}</h2>")
        for section, title in SECTIONS.items():
            mine = [f for f in fields if f[0] == section]
            parts.append(f"<h3>{e(title)}</h3>")
            if not mine:
                parts.append("<p>Inget sparat.</p>")
                continue
            parts.append("<table><tr><th>Nr</th><th>Fält</th><th>Värde</th></tr>")
            for _s, n, name, value in mine:
                parts.append(
                    f"<tr><td>{e(n)}</td><td>{e(name)}</td>"
                    f"<td>{e(value).replace(chr(10), '<br>')}</td></tr>"
                )
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _write_private(path: Path, text: str) -> None:
    """Readable by its owner only; a folder created for it is 0700."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _span(settings: Settings, req: Request) -> tuple[datetime, datetime]:
    tz = settings.kommun.tz
    start = datetime.combine(req.start or date(2000, 1, 1), time(), tz)
    end = datetime.combine((req.end or date(2999, 12, 31)) + timedelta(days=1), time(), tz)
    return start, end


async def run(settings: Settings, db_path: Path, req: Request, now: datetime) -> list[Path]:
    """Log the request in the audit trail and write the HTML and CSV files; return them."""
    if not await asyncio.to_thread(db_path.is_file):
        raise StorageError(
            f"there is no database at {db_path} (has the bot been started with this settings file?)"
        )
    db = await Database.open(db_path)
    try:
        async with db.transaction() as conn:
            if req.code is not None:
                code = parse_code(req.code, settings.kommun.code_prefix)
                tip = await tips.by_code(conn, code) if code else None
                if tip is None:
                    raise ConfigError([f"no tip with the code {req.code!r}"])
                ids = [tip.id]
            else:
                ids = await tips.ids_received(conn, *_span(settings, req))
                detail = f"{req.start or ''}..{req.end or ''}: {len(ids)} tips"
                if req.reference:
                    detail += f"; {req.reference}"
                await tips.audit(conn, None, req.by, ACTION, detail, now)
            for tip_id in ids:
                await tips.audit(conn, tip_id, req.by, ACTION, req.reference or None, now)
            found = []
            catalog = Catalog.load(LOCALES_DIR)
            window = timedelta(days=settings.moderation.related_window_days)
            for tip_id in ids:
                held = await tips.held(conn, tip_id)
                shown = await tips.by_id(conn, tip_id)
                assert held is not None and shown is not None
                day = date.fromisoformat(shown.occurred_date)
                related = await tips.related_codes(conn, shown, day - window, day + window)
                found.append((shown.code, tip_fields(settings, catalog, held, related)))
            page = render_html(settings, req, now, found)
            sheet = render_csv(found)
            html_path = req.out.with_name(req.out.name + ".html")
            csv_path = req.out.with_name(req.out.name + ".csv")
            await asyncio.to_thread(_write_private, html_path, page)
            await asyncio.to_thread(_write_private, csv_path, sheet)
    finally:
        await db.close()
    return [html_path, csv_path]
