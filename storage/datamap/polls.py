"""The data map's entries for polls and surveys."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table, for_table

_POLL_CLOSE = "(SELECT julianday(p.closes_at) FROM poll p WHERE p.id = {table}.poll_id)"
_POLL_BORN = "(SELECT julianday(p.created_at) FROM poll p WHERE p.id = {table}.poll_id)"

TABLES: tuple[Table, ...] = (
    Table(
        "poll",
        "En omröstning eller enkät: frågor och alternativ, tider, resultatets status och "
        "kommunens återkoppling (”ni sa, vi gjorde”).",
        Kind.POLLS,
        record=True,
        rule=Rule(
            "Raderas {record_days} dagar efter att den stängdes (med rum och räkningar).",
            ("retention.record_days",),
            "CASE WHEN state IN ('closed', 'deleted')"
            " THEN julianday(coalesce(closed_at, closes_at)) + {record_days} END",
            "julianday(created_at)",
            "storage.polls.purge",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "content": Column(Category.FREE_TEXT, "frågor och alternativ (moderatorns text)"),
            "outcome": Column(Category.FREE_TEXT, "återkopplingen (moderatorns text)"),
            "voter_key": Column(Category.NONE, "nyckel för röstarnas hashar medan den är öppen"),
            "created_by": Column(Category.MATRIX_ID, "moderatorn"),
        },
        plain=(
            "id",
            "kind",
            "template",
            "disclosed",
            "state",
            "opens_at",
            "closes_at",
            "opened_at",
            "closed_at",
            "created_at",
            "results_posted",
            "outcome_at",
            "outcome_posted",
        ),
    ),
    Table(
        "poll_target",
        "Var en omröstning lagts ut: rum, plats och språk.",
        Kind.POLLS,
        record=True,
        rule=Rule(
            "Följer omröstningen.",
            ("retention.record_days",),
            "(SELECT CASE WHEN p.state IN ('closed', 'deleted')"
            " THEN julianday(coalesce(p.closed_at, p.closes_at)) + {record_days} END"
            " FROM poll p WHERE p.id = poll_target.poll_id)",
            for_table(_POLL_BORN, "poll_target"),
            "storage.polls.purge (kaskad)",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "room_id": Column(Category.ROOM_ID, "grannrummet"),
            "start_event_id": Column(Category.EVENT_ID, "omröstningens händelse"),
        },
        plain=("id", "poll_id", "locality", "area", "language", "end_sent", "outcome_sent"),
    ),
    Table(
        "poll_response",
        "Röster medan omröstningen är öppen; röstaren bara som hash med omröstningens egen nyckel.",
        Kind.POLLS,
        record=False,
        rule=Rule(
            "Raderas när omröstningen stängs (räknas då till poll_count).",
            (),
            for_table(_POLL_CLOSE, "poll_response"),
            for_table(_POLL_BORN, "poll_response"),
            "storage.polls.close",
        ),
        forget=NOT_FORGOTTEN,
        columns={
            "event_id": Column(Category.EVENT_ID, "röstens händelse"),
            "voter": Column(Category.PSEUDONYM, "röstarens hash (nyckel per omröstning)"),
            "answers": Column(Category.NONE, "valda alternativ"),
        },
        plain=("id", "poll_id", "target_id", "sent_ms", "redacted"),
    ),
    Table(
        "poll_count",
        "Resultat: antal per fråga, plats och alternativ. Ingen person, ingen tid.",
        Kind.POLLS,
        record=True,
        rule=Rule(
            "Följer omröstningen.",
            ("retention.record_days",),
            "(SELECT CASE WHEN p.state IN ('closed', 'deleted')"
            " THEN julianday(coalesce(p.closed_at, p.closes_at)) + {record_days} END"
            " FROM poll p WHERE p.id = poll_count.poll_id)",
            for_table(_POLL_BORN, "poll_count"),
            "storage.polls.purge (kaskad)",
        ),
        forget=NOT_FORGOTTEN,
        plain=("poll_id", "question", "place", "option_id", "n"),
    ),
    Table(
        "survey_voter",
        "Vem som redan svarat på en enkät, som hash, utan radordning.",
        Kind.POLLS,
        record=False,
        rule=Rule(
            "Raderas när enkäten stängs.",
            (),
            for_table(_POLL_CLOSE, "survey_voter"),
            for_table(_POLL_BORN, "survey_voter"),
            "storage.polls.close",
        ),
        forget=NOT_FORGOTTEN,
        columns={"voter": Column(Category.PSEUDONYM, "svararens hash")},
        plain=("poll_id",),
    ),
    Table(
        "survey_submission",
        "Ett enkätsvar med den plats personen valde, utan koppling till personen.",
        Kind.POLLS,
        record=False,
        rule=Rule(
            "Raderas när enkäten stängs (räknas då till poll_count).",
            (),
            for_table(_POLL_CLOSE, "survey_submission"),
            for_table(_POLL_BORN, "survey_submission"),
            "storage.polls.close",
        ),
        forget=NOT_FORGOTTEN,
        plain=("id", "poll_id", "place"),
    ),
    Table(
        "survey_answer",
        "Svarsalternativen i ett enkätsvar.",
        Kind.POLLS,
        record=False,
        rule=Rule(
            "Raderas med enkätsvaret när enkäten stängs.",
            (),
            "(SELECT julianday(p.closes_at) FROM survey_submission s JOIN poll p"
            " ON p.id = s.poll_id WHERE s.id = survey_answer.submission_id)",
            "(SELECT julianday(p.created_at) FROM survey_submission s JOIN poll p"
            " ON p.id = s.poll_id WHERE s.id = survey_answer.submission_id)",
            "storage.polls.close (kaskad)",
        ),
        forget=NOT_FORGOTTEN,
        plain=("submission_id", "question", "option_id"),
    ),
    Table(
        "survey_followup",
        "Direktchattar som bett om kommunens återkoppling efter en enkät.",
        Kind.POLLS,
        record=False,
        rule=Rule(
            "Raderas när återkopplingen skickats, och senast {person_days} dagar efter att "
            "enkäten stängdes.",
            ("retention.person_days",),
            for_table(_POLL_CLOSE, "survey_followup") + " + {person_days}",
            for_table(_POLL_BORN, "survey_followup"),
            "storage.polls.purge_followups",
        ),
        forget=NOT_FORGOTTEN,
        columns={"room_id": Column(Category.ROOM_ID, "invånarens direktchatt")},
        plain=("poll_id", "language"),
    ),
)
