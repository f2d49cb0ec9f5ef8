"""The data map's entries for the web chat."""

from __future__ import annotations

from .model import Category, Column, Kind, Rule, Table

TABLES: tuple[Table, ...] = (
    Table(
        "web_session",
        "En webbchatts session: nyckelhash av sidans egen slumpade hemlighet och numret på "
        "det senaste svaret till sidan. Ingen adress, inget namn.",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas när sessionen varit oanvänd i {web_days} dagar och inga svar väntar.",
            ("web.history_days",),
            "julianday(updated_at) + {web_days}",
            "julianday(updated_at)",
            "storage.web.purge",
        ),
        forget="raderas (”Glöm mig” på sidan)",
        columns={"session": Column(Category.PSEUDONYM, "nyckelhash av sidans hemlighet")},
        plain=("last_seq", "updated_at"),
    ),
    Table(
        "web_message",
        "Botens svar till en webbchatt, förseglade, tills sidan hämtat dem eller tiden gått "
        "ut (så att en sida som kommer tillbaka får det den missat).",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas {web_days} dagar efter att svaret skrevs (expires_at).",
            ("web.history_days",),
            "julianday(expires_at)",
            "julianday(created_at)",
            "storage.web.purge",
        ),
        forget="raderas (”Glöm mig” på sidan)",
        columns={
            "session": Column(Category.PSEUDONYM, "nyckelhash av sidans hemlighet"),
            "payload": Column(Category.SEALED, "svaret, förseglat"),
        },
        plain=("id", "seq", "txn_id", "created_at", "expires_at"),
    ),
)
