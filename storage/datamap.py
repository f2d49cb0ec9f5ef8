"""The data map: every table and column of the schema, what it holds, the rule that limits how
long it is kept (and the setting that enforces it), and what ``!glöm`` does to it.

This is the declaration that ``tryggbot privacy map``, ``tryggbot privacy report``, the
retention job's audit and the go-live pack (docs/lawful-operation/) are built from. A test
opens a freshly migrated database and fails when a table or column of the schema has no entry
here, or when an entry names one that does not exist: a new column cannot be added without
saying what it holds.

Texts are in Swedish: the map's readers are the kommun's data protection officer, archivist
and registrar.

Rules are SQL expressions over one row of the table (SQLite, ``julianday`` numbers):
``born`` is when the row came to be (for age bands), ``deadline`` is the moment after which
the row must be gone (NULL: no time limit, the row lives while something else holds it).
Placeholders such as ``{text_days}`` are filled from the settings (`rule_values`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from config.settings import Settings

HANDLED_KEEP_DAYS = 7
"""Event ids already handled are remembered this long (a replay older than this is unlikely)."""
COMPLETION_KEEP_DAYS = 30
"""Tokens of finished conversations are remembered this long (a replayed "yes")."""
DELIVERY_KEEP_DAYS = 30
"""Finished broadcast deliveries are kept this long after their run."""
STUCK_DAYS = 1
"""An inbox or outbox row older than this is stuck (the bot is down or cannot send)."""


class Category(StrEnum):
    """What a column holds, from the point of view of data protection."""

    MATRIX_ID = "matrix-id"
    """A moderator's Matrix id (they act in an official role)."""
    PSEUDONYM = "pseudonym"
    """A keyed hash of a person's Matrix id (still personal data)."""
    ROOM_ID = "room-id"
    """A Matrix room id; a direct chat's id points at one resident."""
    EVENT_ID = "event-id"
    """A Matrix event id; the homeserver can tell who sent that event."""
    FREE_TEXT = "free-text"
    """Text written by a resident (scrubbed) or by a moderator."""
    SEALED = "sealed"
    """Sealed (encrypted) payload: raw text and sender until handled or sent."""
    OBSERVATION = "observation"
    """Category, place, date, time band: indirectly identifying in a small place."""
    NONE = "none"
    """No personal data (technical values, counts, settings)."""


CATEGORY_SV: Mapping[Category, str] = {
    Category.MATRIX_ID: "Matrix-id (moderator)",
    Category.PSEUDONYM: "pseudonym (nyckelhash av Matrix-id)",
    Category.ROOM_ID: "rum-id",
    Category.EVENT_ID: "händelse-id",
    Category.FREE_TEXT: "fritext",
    Category.SEALED: "förseglat innehåll",
    Category.OBSERVATION: "iakttagelse (kategori, plats, tid)",
    Category.NONE: "ingen personuppgift",
}


class Kind(StrEnum):
    """Kinds of records, one draft retention decision (gallringsbeslut) each."""

    TIP_TEXT = "tip_text"
    FOLLOW_UP = "follow_up"
    RELAY = "relay"
    EST_RECORD = "est_record"
    MODERATION = "moderation"
    POLLS = "polls"
    BROADCASTS = "broadcasts"
    PEOPLE = "people"
    TRANSIT = "transit"
    LOGS = "logs"
    BACKUPS = "backups"


KIND_SV: Mapping[Kind, str] = {
    Kind.TIP_TEXT: "Tipstexter",
    Kind.FOLLOW_UP: "Följdfrågor, svar och interna anteckningar",
    Kind.RELAY: "Kontaktlänkar för följdfrågor (relay)",
    Kind.EST_RECORD: "EST-poster (tipsets kategori, plats, tid och status)",
    Kind.MODERATION: "Händelselogg (audit) och moderatorernas ärendehantering",
    Kind.POLLS: "Omröstnings- och enkätdata",
    Kind.BROADCASTS: "Utskick: scheman, leveranser och prenumerationer",
    Kind.PEOPLE: "Språkval och påminnelser per pseudonym",
    Kind.TRANSIT: "Tekniska mellanlager (inkorg, utkorg, pågående dialoger)",
    Kind.LOGS: "Loggar",
    Kind.BACKUPS: "Säkerhetskopior",
}


@dataclass(frozen=True)
class Column:
    category: Category
    note: str


@dataclass(frozen=True)
class Rule:
    summary: str
    """The rule in words (Swedish)."""
    keys: tuple[str, ...]
    """The settings (``retention.text_days``) or constants that set the period."""
    deadline: str | None
    """SQL: julianday after which the row must be gone; None: no time limit."""
    born: str
    """SQL: julianday the row came to be (age bands in the privacy report)."""
    purged_by: str
    """The function that deletes it."""


@dataclass(frozen=True)
class Table:
    name: str
    purpose: str
    kind: Kind
    record: bool
    """A public record (allmän handling) whose deletion needs the kommun's retention decision;
    without one (``retention.decision``) the retention job keeps it."""
    rule: Rule
    forget: str
    """What ``!glöm`` does to the table (Swedish)."""
    columns: Mapping[str, Column] = field(default_factory=dict)
    """The columns that hold something worth naming."""
    plain: tuple[str, ...] = ()
    """The other columns: no personal data (keys, states, counters, technical times)."""

    def all_columns(self) -> tuple[str, ...]:
        return tuple(self.columns) + self.plain

    def category(self, column: str) -> Category:
        found = self.columns.get(column)
        return found.category if found else Category.NONE


NOT_FORGOTTEN = "rörs inte"
_TIP_DEADLINE = "(SELECT julianday(t.expires_at) FROM tip t WHERE t.id = {table}.tip_id)"
_TIP_BORN = "(SELECT julianday(t.created_at) FROM tip t WHERE t.id = {table}.tip_id)"
_POLL_CLOSE = "(SELECT julianday(p.closes_at) FROM poll p WHERE p.id = {table}.poll_id)"
_POLL_BORN = "(SELECT julianday(p.created_at) FROM poll p WHERE p.id = {table}.poll_id)"
_LINKED = (
    "pseudonym IN (SELECT reporter FROM tip WHERE reporter IS NOT NULL)"
    " OR pseudonym IN (SELECT person FROM broadcast_subscriber)"
    " OR pseudonym IN (SELECT person FROM conversation)"
)
_PERSON_SEEN = "max(julianday(created_at), julianday(coalesce(notice_shown_at, created_at)))"
_NOTICE_KEY = "key LIKE 'notice\\_lang/%' ESCAPE '\\'"
_MATRIX_NOTICE_KEY = (
    "(key LIKE 'matrix.encrypted\\_notice.%' ESCAPE '\\'"
    " OR key LIKE 'matrix.undecryptable\\_notice.%' ESCAPE '\\')"
)


def _of(template: str, table: str) -> str:
    return template.replace("{table}", table)


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
            ("COMPLETION_KEEP_DAYS (storage/datamap.py)",),
            "julianday(completed_at) + {completion_days}",
            "julianday(completed_at)",
            "storage.conversations.purge_completions",
        ),
        forget=NOT_FORGOTTEN,
        plain=("token", "flow", "completed_at"),
    ),
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
            ("HANDLED_KEEP_DAYS (storage/datamap.py)",),
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
            _of(_TIP_BORN, "tip_text"),
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
            _of(_TIP_BORN, "relay"),
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
            _of(_TIP_DEADLINE, "tip_card"),
            _of(_TIP_BORN, "tip_card"),
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
            _of(_POLL_BORN, "poll_target"),
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
            _of(_POLL_CLOSE, "poll_response"),
            _of(_POLL_BORN, "poll_response"),
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
            _of(_POLL_BORN, "poll_count"),
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
            _of(_POLL_CLOSE, "survey_voter"),
            _of(_POLL_BORN, "survey_voter"),
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
            _of(_POLL_CLOSE, "survey_submission"),
            _of(_POLL_BORN, "survey_submission"),
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
            _of(_POLL_CLOSE, "survey_followup") + " + {person_days}",
            _of(_POLL_BORN, "survey_followup"),
            "storage.polls.purge_followups",
        ),
        forget=NOT_FORGOTTEN,
        columns={"room_id": Column(Category.ROOM_ID, "invånarens direktchatt")},
        plain=("poll_id", "language"),
    ),
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
            ("DELIVERY_KEEP_DAYS (storage/datamap.py)",),
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
    Table(
        "est_posting",
        "Schemalagda publiceringar av lägesbilden (att varje tillfälle postats en gång).",
        Kind.EST_RECORD,
        record=False,
        rule=Rule(
            "Ingen tidsgräns (ingen personuppgift).",
            (),
            None,
            "julianday(claimed_at)",
            "ingen",
        ),
        forget=NOT_FORGOTTEN,
        columns={"room_id": Column(Category.ROOM_ID, "modererings- eller EST-rummet")},
        plain=("id", "slot", "period_start", "period_end", "state", "claimed_at", "sent_at"),
    ),
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
"""Every table of the schema (SQLite's own ``sqlite_*`` tables excepted)."""

INTERNAL_PREFIX = "sqlite_"
"""SQLite's own tables (``sqlite_sequence``: the last AUTOINCREMENT ids) hold no data of ours."""


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)


def rule_values(settings: Settings) -> dict[str, int]:
    """The numbers the rules' SQL and summaries refer to."""
    r = settings.retention
    return {
        "text_days": r.text_days,
        "relay_days": r.relay_days,
        "record_days": r.record_days,
        "person_days": r.person_days,
        "conversation_minutes": r.conversation_minutes,
        "completion_days": COMPLETION_KEEP_DAYS,
        "handled_days": HANDLED_KEEP_DAYS,
        "delivery_days": DELIVERY_KEEP_DAYS,
        "stuck_days": STUCK_DAYS,
        "web_days": settings.web.history_days,
    }


def summary(t: Table, settings: Settings) -> str:
    """The rule in words, with the configured numbers."""
    return t.rule.summary.format(**rule_values(settings))


def deadline_sql(t: Table, settings: Settings) -> str | None:
    if t.rule.deadline is None:
        return None
    return t.rule.deadline.format(**rule_values(settings))


def gated(t: Table, settings: Settings) -> bool:
    """True when the retention job keeps ``t``'s rows past their rule: a public record and no
    retention decision recorded."""
    return t.record and not settings.retention.decided
