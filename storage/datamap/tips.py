"""The data map's entries for tips: the EST record, its text, relay links, cards, messages
and the audit log."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table, for_table

_TIP_DEADLINE = "(SELECT julianday(t.expires_at) FROM tip t WHERE t.id = {table}.tip_id)"
_TIP_BORN = "(SELECT julianday(t.created_at) FROM tip t WHERE t.id = {table}.tip_id)"

TABLES: tuple[Table, ...] = (
    Table(
        "tip",
        "EST-posten för ett tips: kod, kategori, plats, datum, tidsintervall, status, "
        "prioritet, offentlig kommentar, handläggare.",
        Kind.EST_RECORD,
        record=True,
        rule=Rule(
            "Raderas {record_days} dagar efter att tipset kom in (med allt som hör till "
            "tipset: kort, meddelanden, händelselogg).",
            ("retention.record_days",),
            "julianday(expires_at)",
            "julianday(created_at)",
            "storage.tips.purge",
        ),
        forget="kopplingen till personen (reporter) tas bort; posten finns kvar",
        columns={
            "category": Column(Category.OBSERVATION, "kategori"),
            "locality": Column(Category.OBSERVATION, "ort"),
            "area": Column(Category.OBSERVATION, "område"),
            "place_type": Column(Category.OBSERVATION, "typ av plats"),
            "occurred_date": Column(Category.OBSERVATION, "datum"),
            "time_band": Column(Category.OBSERVATION, "tidsintervall"),
            "public_note": Column(Category.FREE_TEXT, "moderatorns kommentar till tipsaren"),
            "assignee": Column(Category.MATRIX_ID, "handläggande moderator"),
            "reporter": Column(Category.PSEUDONYM, "tipsarens nyckelhash (gränser, !mina)"),
        },
        plain=(
            "id",
            "code",
            "weekday",
            "iso_week",
            "language",
            "state",
            "priority",
            "created_at",
            "updated_at",
            "expires_at",
        ),
    ),
    Table(
        "tip_text",
        "Tipsets fritext, rensad från personuppgifter innan den sparades.",
        Kind.TIP_TEXT,
        record=True,
        rule=Rule(
            "Raderas {text_days} dagar efter att tipset kom in.",
            ("retention.text_days",),
            "julianday(delete_after)",
            for_table(_TIP_BORN, "tip_text"),
            "storage.tips.purge",
        ),
        forget="raderas",
        columns={"body": Column(Category.FREE_TEXT, "tipsets text (rensad)")},
        plain=("tip_id", "delete_after"),
    ),
    Table(
        "relay",
        "Vägen till tipsarens direktchatt för följdfrågor (rum-id, aldrig Matrix-id).",
        Kind.RELAY,
        record=False,
        rule=Rule(
            "Raderas {relay_days} dagar efter att tipset kom in.",
            ("retention.relay_days",),
            "julianday(expires_at)",
            for_table(_TIP_BORN, "relay"),
            "storage.tips.purge",
        ),
        forget="raderas",
        columns={"room_id": Column(Category.ROOM_ID, "tipsarens direktchatt")},
        plain=("tip_id", "expires_at"),
    ),
    Table(
        "tip_card",
        "Var tipsets kort ligger i modereringsrummet (trådens rot).",
        Kind.EST_RECORD,
        record=True,
        rule=Rule(
            "Följer tipset ({record_days} dagar).",
            ("retention.record_days",),
            for_table(_TIP_DEADLINE, "tip_card"),
            for_table(_TIP_BORN, "tip_card"),
            "storage.tips.purge (kaskad)",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "room_id": Column(Category.ROOM_ID, "modereringsrummet"),
            "event_id": Column(Category.EVENT_ID, "kortets händelse"),
        },
        plain=("tip_id",),
    ),
    Table(
        "tip_message",
        "Följdfrågor (moderator), svar (tipsare, rensade) och interna anteckningar.",
        Kind.FOLLOW_UP,
        record=True,
        rule=Rule(
            "Raderas {text_days} dagar efter att meddelandet skrevs.",
            ("retention.text_days",),
            "julianday(delete_after)",
            "julianday(created_at)",
            "storage.tips.purge",
        ),
        forget="tipsarens svar raderas; moderatorernas frågor och anteckningar finns kvar",
        columns={
            "body": Column(Category.FREE_TEXT, "frågan, svaret eller anteckningen"),
            "author": Column(Category.MATRIX_ID, "moderatorn (tom för tipsarens svar)"),
        },
        plain=("id", "tip_id", "direction", "created_at", "delete_after"),
    ),
    Table(
        "audit",
        "Händelselogg: vem som gjorde vad med ett tips och när, och utlämnanden (records-request).",
        Kind.MODERATION,
        record=True,
        rule=Rule(
            "Följer tipset; rader utan tips (utdrag för en period) raderas {record_days} "
            "dagar efter att de skrevs.",
            ("retention.record_days",),
            "CASE WHEN tip_id IS NULL THEN julianday(created_at) + {record_days}"
            " ELSE (SELECT julianday(t.expires_at) FROM tip t WHERE t.id = audit.tip_id) END",
            "julianday(created_at)",
            "storage.tips.purge",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "actor": Column(Category.MATRIX_ID, "moderatorn, eller ’reporter’/’operator’"),
            "detail": Column(
                Category.MATRIX_ID,
                "ny status eller prioritet, tilldelad moderators Matrix-id, ärendenummer",
            ),
        },
        plain=("id", "tip_id", "action", "created_at"),
    ),
)
