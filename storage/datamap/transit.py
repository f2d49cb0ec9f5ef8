"""The data map's entries for what passes through: the inbox, handled events, the key-value
state and the outbox."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table

_NOTICE_KEY = "key LIKE 'notice\\_lang/%' ESCAPE '\\'"
_MATRIX_NOTICE_KEY = (
    "(key LIKE 'matrix.encrypted\\_notice.%' ESCAPE '\\'"
    " OR key LIKE 'matrix.undecryptable\\_notice.%' ESCAPE '\\')"
)


TABLES: tuple[Table, ...] = (
    Table(
        "inbox",
        "Inkomna Matrix-händelser som väntar på att hanteras (förseglade).",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas när händelsen hanterats (normalt inom sekunder); en rad äldre än "
            "{stuck_days} dygn har fastnat.",
            (),
            "julianday(received_at) + {stuck_days}",
            "julianday(received_at)",
            "storage.inbox.mark_handled",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "event_id": Column(Category.EVENT_ID, "händelsens id"),
            "room_id": Column(Category.ROOM_ID, "rummet"),
            "payload": Column(Category.SEALED, "händelsen, förseglad"),
            "person": Column(Category.PSEUDONYM, "avsändarens nyckelhash"),
        },
        plain=("id", "kind", "received_at", "attempts", "role"),
    ),
    Table(
        "handled_event",
        "Id:n för redan hanterade händelser, så att inget hanteras två gånger.",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas {handled_days} dagar efter hanteringen.",
            ("HANDLED_KEEP_DAYS (storage/datamap/rules.py)",),
            "julianday(handled_at) + {handled_days}",
            "julianday(handled_at)",
            "storage.inbox.purge_handled",
        ),
        forget=NOT_FORGOTTEN,
        columns={"event_id": Column(Category.EVENT_ID, "händelsens id")},
        plain=("handled_at",),
    ),
    Table(
        "kv",
        "Små tekniska värden: synkroniseringsläge, och vilka påminnelser en person eller "
        "ett rum redan fått (nyckeln innehåller då en nyckelhash).",
        Kind.PEOPLE,
        record=False,
        rule=Rule(
            "Påminnelser om kryptering raderas {person_days} dagar efter senaste påminnelsen; "
            "språket för säkerhetsinformationen raderas med personens rad; övriga värden "
            "är tekniska och saknar tidsgräns.",
            ("retention.person_days",),
            f"CASE WHEN {_NOTICE_KEY} AND substr(key, 13) IN (SELECT pseudonym FROM person)"
            " THEN NULL"
            f" WHEN {_NOTICE_KEY} THEN julianday(updated_at)"
            f" WHEN {_MATRIX_NOTICE_KEY} THEN julianday(updated_at) + {{person_days}} END",
            "julianday(updated_at)",
            "storage.kv.purge_notices",
        ),
        forget=NOT_FORGOTTEN,
        columns={"key": Column(Category.PSEUDONYM, "påminnelsenycklar innehåller en nyckelhash")},
        plain=("value", "updated_at"),
    ),
)

OUTBOX: tuple[Table, ...] = (
    Table(
        "outbox",
        "Meddelanden som väntar på att skickas (förseglade).",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas när hemservern tagit emot meddelandet; en rad äldre än {stuck_days} "
            "dygn har fastnat.",
            (),
            "julianday(created_at) + {stuck_days}",
            "julianday(created_at)",
            "storage.outbox.delete",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "room_id": Column(Category.ROOM_ID, "mottagarens rum"),
            "payload": Column(Category.SEALED, "meddelandet, förseglat"),
        },
        plain=("id", "txn_id", "kind", "created_at", "attempts"),
    ),
)
