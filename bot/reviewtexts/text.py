"""One text under review (:class:`ReviewText`) and the four kinds of text."""

from __future__ import annotations

from dataclasses import dataclass

KINDS: tuple[str, ...] = ("catalogue", "warnings", "polls", "names")


@dataclass(frozen=True)
class ReviewText:
    """One text (one plural form) of one language, with what a reviewer needs beside it."""

    kind: str
    key: str
    form: str
    swedish: str
    english: str
    text: str | None
    where: str
    placeholders: str
    example: str

    @property
    def review_key(self) -> str:
        """The key a review is recorded under in ``_quality.toml``: the catalogue key itself,
        ``kind:key`` for the other kinds."""
        return self.key if self.kind == "catalogue" else f"{self.kind}:{self.key}"
