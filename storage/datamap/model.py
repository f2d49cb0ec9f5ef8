"""The shape of the data map: the categories of data, the kinds of records (one retention
decision each), and a table's entry with its columns and its rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


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


def for_table(template: str, table: str) -> str:
    return template.replace("{table}", table)
