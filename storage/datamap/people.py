"""The data map's entries for people, rooms, conversations and completions."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table

_LINKED = (
    "pseudonym IN (SELECT reporter FROM tip WHERE reporter IS NOT NULL)"
    " OR pseudonym IN (SELECT person FROM broadcast_subscriber)"
    " OR pseudonym IN (SELECT person FROM conversation)"
)
_PERSON_SEEN = "max(julianday(created_at), julianday(coalesce(notice_shown_at, created_at)))"

TABLES: tuple[Table, ...] = (
    Table(
        "person",
        "En person som skrivit till boten: språkval och när säkerhetsinformationen visades.",
        Kind.PEOPLE,
        record=False,
        rule=Rule(
            "Raderas {person_days} dagar efter senaste kontakt (när säkerhetsinformationen senast "
            "visades), när personen inte har något kopplat tips, prenumeration eller samtal.",
            ("retention.person_days",),
            f"CASE WHEN {_LINKED} THEN NULL ELSE {_PERSON_SEEN} + {{person_days}} END",
            "julianday(created_at)",
            "storage.people.purge",
        ),
        forget="rörs inte (språkvalet finns kvar tills regeln raderar det)",
        columns={
            "pseudonym": Column(Category.PSEUDONYM, "personens nyckelhash"),
            "language": Column(Category.NONE, "valt språk"),
            "notice_shown_at": Column(Category.NONE, "senaste säkerhetsinformation"),
            "created_at": Column(Category.NONE, "första kontakt"),
        },
        plain=("id", "language_explicit"),
    ),
    Table(
        "room",
        "Rum som boten är med i: typ (direktchatt, moderering, grannrum), plats och språk.",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Finns så länge boten är med i rummet (behövs för att veta rummets typ); "
            "ingen tidsgräns.",
            (),
            None,
            "julianday(updated_at)",
            "ingen (se restrisker)",
        ),
        forget=NOT_FORGOTTEN,
        columns={"room_id": Column(Category.ROOM_ID, "en direktchatts id pekar på en invånare")},
        plain=("id", "kind", "locality", "area", "language", "encrypted", "updated_at"),
    ),
    Table(
        "conversation",
        "En pågående guidad dialog (t.ex. ett tips under arbete), per rum och person.",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas när dialogen är klar eller avbruten, och senast "
            "{conversation_minutes} minuter efter senaste svar.",
            ("retention.conversation_minutes",),
            "julianday(expires_at)",
            "julianday(started_at)",
            "storage.conversations.delete_expired",
        ),
        forget="raderas",
        columns={
            "room_key": Column(Category.PSEUDONYM, "nyckelhash av rummet"),
            "person": Column(Category.PSEUDONYM, "personens nyckelhash"),
            "history": Column(Category.FREE_TEXT, "tidigare steg (rensad text)"),
            "data": Column(Category.FREE_TEXT, "svar hittills (rensad text)"),
        },
        plain=(
            "id",
            "flow",
            "step",
            "token",
            "language",
            "started_at",
            "updated_at",
            "expires_at",
        ),
    ),
    Table(
        "completion",
        "Slumpade koder för avslutade dialoger, så att ett upprepat ”ja” inte ger två tips.",
        Kind.TRANSIT,
        record=False,
        rule=Rule(
            "Raderas {completion_days} dagar efter att dialogen avslutades.",
            ("COMPLETION_KEEP_DAYS (storage/datamap/rules.py)",),
            "julianday(completed_at) + {completion_days}",
            "julianday(completed_at)",
            "storage.conversations.purge_completions",
        ),
        forget=NOT_FORGOTTEN,
        plain=("token", "flow", "completed_at"),
    ),
)
