"""The data map's entry for the situation picture's scheduled posts."""

from __future__ import annotations

from .model import NOT_FORGOTTEN, Category, Column, Kind, Rule, Table

TABLES: tuple[Table, ...] = (
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
)
