"""What the bot keeps and what it tells people about it: retention periods (and the kommun's
retention decision) and the privacy information of ``!integritet`` (GDPR art. 13). This
module imports nothing from the rest of Tryggbot outside ``config``."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from config.base import Model, RuleProblem, rules
from config.kommun import Names


class RetentionSettings(Model):
    record_days: int = Field(default=1095, ge=30, le=3650)
    text_days: int = Field(default=45, ge=1, le=365)
    relay_days: int = Field(default=30, ge=1, le=365)
    conversation_minutes: int = Field(default=60, ge=5, le=7 * 24 * 60)
    # How long the language choice of a person who has no tip, subscription or conversation
    # is kept after they were last shown the safety notice (docs/lawful-operation).
    person_days: int = Field(default=365, ge=30, le=3650)
    # The kommun's retention decision (gallringsbeslut) that allows deleting public records,
    # e.g. "KS 2027/123, dokumenthanteringsplan § 4.2". Empty: public records are kept.
    decision: str = Field(default="", max_length=300)

    @property
    def decided(self) -> bool:
        """True when a retention decision is recorded: only then are public records deleted."""
        return bool(self.decision.strip())

    @rules
    def _relay_within_text(self) -> Iterator[RuleProblem]:
        if self.relay_days > self.text_days:
            yield RuleProblem(
                "relay_days",
                f"{self.relay_days} cannot be longer than text_days ({self.text_days})",
                ("text_days",),
            )


class PrivacySettings(Model):
    """What !integritet tells residents (GDPR art. 13) beyond what the bot knows by itself.
    Each is the kommun's to fill in; an empty one points to ``info_url`` (or the website),
    and check-config warns about it (docs/lawful-operation/information-art13.md)."""

    # The controller, e.g. "Kommunstyrelsen i Värnamo kommun".
    controller: Names | None = None
    # How to reach the controller (e-mail, phone or postal address).
    contact: str = Field(default="", max_length=200)
    # How to reach the kommun's data protection officer.
    dpo_contact: str = Field(default="", max_length=200)
    # The legal basis the kommun has decided, in words.
    legal_basis: Names | None = None
    # The page with the full information (https).
    info_url: str = Field(default="", pattern=r"^(https://\S+)?$")
    # True if the hosting processes data outside the EU/EEA (then info_url must say how).
    outside_eea: bool = False
