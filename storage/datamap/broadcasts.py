"""The data map's entries for broadcasts: schedules, runs, deliveries and subscribers."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table

TABLES: tuple[Table, ...] = (
    Table(
        "broadcast_schedule",
        "Scheman för bedrägerivarningar: när, till vem och vilket ämne.",
        Kind.BROADCASTS,
        record=True,
        rule=Rule(
            "Ett borttaget schema raderas {record_days} dagar efter borttagandet, när "
            "inga utskick längre hänvisar till det; aktiva scheman finns kvar.",
            ("retention.record_days",),
            "CASE WHEN state = 'deleted' THEN julianday(updated_at) + {record_days} END",
            "julianday(created_at)",
            "storage.broadcasts.purge_old",
        ),
        forget=NOT_FORGOTTEN,
        columns={"created_by": Column(Category.MATRIX_ID, "moderatorn (eller ’config’)")},
        plain=(
            "id",
            "config_key",
            "cron",
            "target",
            "topic",
            "state",
            "checked_until",
            "created_at",
            "updated_at",
        ),
    ),
    Table(
        "broadcast_adhoc",
        "Tillfälliga varningar som en moderator skrivit.",
        Kind.BROADCASTS,
        record=True,
        rule=Rule(
            "Ett utkast som inte bekräftats raderas när det gått ut; en skickad varning "
            "{record_days} dagar efter att den skrevs.",
            ("retention.record_days", "broadcasts.confirm_minutes"),
            "CASE WHEN state = 'draft' THEN julianday(expires_at)"
            " ELSE julianday(created_at) + {record_days} END",
            "julianday(created_at)",
            "storage.broadcasts.purge_old",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "body": Column(Category.FREE_TEXT, "varningens text (moderatorns)"),
            "created_by": Column(Category.MATRIX_ID, "moderatorn"),
        },
        plain=("id", "state", "created_at", "expires_at"),
    ),
    Table(
        "broadcast_run",
        "Ett utskick: schemats tillfälle eller en tillfällig varning.",
        Kind.BROADCASTS,
        record=True,
        rule=Rule(
            "Raderas {record_days} dagar efter tillfället (med sina leveranser).",
            ("retention.record_days",),
            "julianday(slot_at) + {record_days}",
            "julianday(slot_at)",
            "storage.broadcasts.purge_old",
        ),
        forget=NOT_FORGOTTEN,
        plain=(
            "id",
            "schedule_id",
            "adhoc_id",
            "slot",
            "slot_at",
            "state",
            "reported",
            "created_at",
            "finished_at",
        ),
    ),
    Table(
        "broadcast_delivery",
        "En leverans av ett utskick till ett rum eller en prenumerant, med den text som skickades.",
        Kind.BROADCASTS,
        record=True,
        rule=Rule(
            "En avslutad leverans raderas {delivery_days} dagar efter utskicket.",
            ("DELIVERY_KEEP_DAYS (storage/datamap/rules.py)",),
            "CASE WHEN state != 'claimed' THEN (SELECT julianday(r.slot_at) FROM broadcast_run r"
            " WHERE r.id = broadcast_delivery.run_id) + {delivery_days} END",
            "julianday(claimed_at)",
            "storage.broadcasts.purge_deliveries",
        ),
        forget="prenumerantens leveranser raderas",
        columns={
            "target": Column(Category.NONE, "rummets nyckel eller sub:<nr>"),
            "room_id": Column(Category.ROOM_ID, "rummet eller prenumerantens direktchatt"),
            "body": Column(Category.FREE_TEXT, "den skickade varningen (kommunens text)"),
            "event_id": Column(Category.EVENT_ID, "det skickade meddelandet"),
        },
        plain=("id", "run_id", "language", "items", "state", "attempts", "claimed_at", "done_at"),
    ),
    Table(
        "broadcast_subscriber",
        "Prenumeranter på bedrägerivarningar: nyckelhash och direktchatt.",
        Kind.BROADCASTS,
        record=False,
        rule=Rule(
            "Finns tills personen avslutar prenumerationen (eller skriver !glöm).",
            (),
            None,
            "julianday(created_at)",
            "storage.broadcasts.unsubscribe",
        ),
        forget="raderas",
        columns={
            "person": Column(Category.PSEUDONYM, "prenumerantens nyckelhash"),
            "room_id": Column(Category.ROOM_ID, "prenumerantens direktchatt"),
        },
        plain=("id", "mode", "created_at"),
    ),
    Table(
        "broadcast_shown",
        "Vilka varningar ett rum eller en prenumerant senast fått (rotation).",
        Kind.BROADCASTS,
        record=False,
        rule=Rule(
            "Finns så länge rummet eller prenumerationen finns.",
            (),
            None,
            "julianday('now')",
            "storage.broadcasts.unsubscribe",
        ),
        forget="prenumerantens rader raderas",
        plain=("target", "warning_id", "seq"),
    ),
    Table(
        "broadcast_fingerprint",
        "Nyckelhashar av varje skickad varningstext, för !äkta. Ingen text.",
        Kind.BROADCASTS,
        record=False,
        rule=Rule(
            "Ingen tidsgräns (ingen personuppgift).",
            (),
            None,
            "julianday(first_sent_at)",
            "ingen",
        ),
        forget=NOT_FORGOTTEN,
        plain=("hash", "first_sent_at"),
    ),
)
