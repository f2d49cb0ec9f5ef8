"""The languages the bot speaks: the default, the enabled ones, and how sure the language
detector must be. Swedish and English are always enabled (the fallbacks), and every poll
template must be readable in every enabled language. This module imports nothing from the
rest of Tryggbot outside ``config``."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from config import base
from config.base import LangCode, Model, RuleProblem, rules
from config.polltexts import template_gaps


class LanguageSettings(Model):
    default: LangCode = "sv"
    enabled: tuple[LangCode, ...] = ("sv", "en")
    min_chars: int = Field(default=20, ge=1, le=500)
    min_probability: float = Field(default=0.80, gt=0, le=1)

    @rules
    def _enabled(self) -> Iterator[RuleProblem]:
        if self.default not in self.enabled:
            off = f"{self.default!r} is not in language.enabled"
            yield RuleProblem("default", off, ("enabled",))
        for needed in ("sv", "en"):
            if needed not in self.enabled:
                yield RuleProblem(
                    "enabled", f"{needed!r} must be enabled (it is a fallback language)"
                )
        # A poll template a resident would read in English refuses the start, one line per text.
        # (``base.CONTENT_DIR`` is looked up here, so a test can point it elsewhere.)
        for gap in template_gaps(base.CONTENT_DIR / "polls.toml", self.enabled):
            yield RuleProblem("enabled", f"a poll template lacks a language: {gap}")
