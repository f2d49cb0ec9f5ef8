"""The kommun and what residents choose from: its name in every language, the places
(localities and their areas), place types, tip categories, when messages are read, and how
often the safety notice is repeated. This module imports nothing from the rest of Tryggbot
outside ``config``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from config.base import HHMM, Key, Model, RuleProblem, Weekday, rules

FORM_PATTERN = r"^[a-z][a-z0-9_]{0,19}$"


class Names(Model):
    """A name in several languages; Swedish and English are required, others optional.

    The text given per language is the name's basic form (the form of a heading or a list:
    nominative, indefinite where the language has the choice). ``forms`` gives the other
    grammatical forms a language's sentences ask for, by the names the catalogue uses
    (``{kommun:gen}`` asks for ``forms.<lang>.gen``), like Project Fluent's term variants::

        [kommun.name]
        pl = "Gmina Värnamo"
        [kommun.name.forms]
        pl = { gen = "Gminy Värnamo", ins = "Gminą Värnamo" }
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)
    forms: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _language_names(self) -> Names:
        for lang, value in (self.model_extra or {}).items():
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"{lang!r} is not a language code")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"the {lang} name must be a non-empty text")
        for lang, forms in self.forms.items():
            if not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"forms: {lang!r} is not a language code")
            if lang not in self.languages():
                raise ValueError(f"forms: {lang} has forms but no basic name")
            for form, text in forms.items():
                if not re.fullmatch(FORM_PATTERN, form):
                    raise ValueError(f"forms.{lang}: {form!r} is not a form name (a-z, 0-9, _)")
                if not text.strip():
                    raise ValueError(f"forms.{lang}.{form} must be a non-empty text")
        return self

    def form(self, lang: str, form: str) -> str | None:
        """The form ``form`` of the name in ``lang``, or None if the config does not give it."""
        if not form:
            return self.get(lang) if lang in self.languages() else None
        return self.forms.get(lang, {}).get(form)

    def forms_of(self, lang: str) -> dict[str, str]:
        """Every named form in ``lang`` (not the basic one)."""
        return dict(self.forms.get(lang, {}))

    def languages(self) -> frozenset[str]:
        """The languages this name is given in."""
        return frozenset({"sv", "en", *(self.model_extra or {})})

    def get(self, lang: str) -> str:
        extra = self.model_extra or {}
        value = extra.get(lang)
        if isinstance(value, str) and value:
            return value
        return self.sv if lang == "sv" else self.en


class KommunSettings(Model):
    name: Names
    police_area: Names
    code_prefix: str = Field(pattern=r"^[A-Z]{2,4}$", description="Prefix of tip codes")
    website: str = Field(pattern=r"^https://")
    timezone: str = "Europe/Stockholm"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a known IANA time zone") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ReadingHours(Model):
    """When people read what residents send; the bot states it and never promises more."""

    days: tuple[Weekday, ...] = Field(default=("mon", "tue", "wed", "thu", "fri"), min_length=1)
    start: str = Field(default="08:00", pattern=HHMM)
    end: str = Field(default="16:00", pattern=HHMM)

    @rules
    def _ends_after_start(self) -> Iterator[RuleProblem]:
        if self.start >= self.end:
            later = f"{self.end!r} must be later than start ({self.start!r})"
            yield RuleProblem("end", later, ("start",))


class SafetySettings(Model):
    notice_repeat_days: int = Field(default=90, ge=1, le=3650)


class Locality(Model):
    """A place residents choose. ``name`` is a proper name and is shown as it is in every
    language; a locality that is not a proper name (``Landsbygd/annan plats``) gives
    ``names`` per language instead, like a category."""

    key: Key
    name: str = Field(min_length=1)
    names: Names | None = None
    areas: tuple[str, ...] = ()

    def label(self, lang: str) -> str:
        """The name a resident of ``lang`` reads."""
        return self.names.get(lang) if self.names is not None else self.name

    def looks_translatable(self) -> bool:
        """A name with a lowercase word after the first (``Landsbygd/annan plats``) reads as
        a description, not a proper name: it should be given in every language."""
        words = re.split(r"[\s/]+", self.name.strip())
        return any(w[:1].islower() for w in words[1:])


class PlaceType(Model):
    key: Key
    names: Names


class Category(Model):
    key: Key
    names: Names
