"""What every settings section shares: the base model, key and language types, the pattern
words of problem lines, cross-field rules as model validators, and the package data paths.

A section's rule that involves more than one of its settings is a method decorated with
:func:`rules`; it yields :class:`RuleProblem` s, each with the key path inside the section it
is about (``default: 'de' is not in language.enabled`` on ``[language]``).
``config.settings`` turns them into problem lines with the full key path, after the field
problems.
This module imports nothing from the rest of Tryggbot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails


def package_data(name: str) -> Path:
    """A file or folder shipped inside the ``config`` package, as a filesystem path.

    Found through ``importlib.resources`` (never ``config.__file__``), so it works for a
    regular install, an editable one, and a ``config`` package whose ``__init__.py`` another
    distribution of the same name removed. Tryggbot must be installed as files (not zipped).
    """
    resource = resources.files("config") / name
    if not isinstance(resource, Path):
        raise RuntimeError(f"Tryggbot's package data ({name}) must be installed as files")
    return resource


EXAMPLE_PATH = package_data("example.toml")
CONFIG_DIR = EXAMPLE_PATH.parent
LOCALES_DIR = package_data("locales")
CONTENT_DIR = package_data("content")

KEY_PATTERN = r"^[a-z0-9_]{1,40}$"
LANG_PATTERN = r"^[a-z]{2,3}$"
Key = Annotated[str, Field(pattern=KEY_PATTERN)]
LangCode = Annotated[str, Field(pattern=LANG_PATTERN)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A room id (``!opaque`` — since room version 12 without a ``:server`` part) or an alias
# (``#name:server``).
ROOM_REF = r"^(![^\s:]+(:\S+)?|#[^\s:]+:\S+)$"
MXID = r"^@[^:\s]+:\S+$"
HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"

# What a pattern means, in words, for problem lines.
PATTERN_WORDS = {
    r"^[A-Z]{2,4}$": "two to four capital letters A-Z",
    r"^https://": "an https:// address",
    r"^https?://": "an http:// or https:// address",
    r"^@[^:]+:.+$": "a Matrix user id (@name:server)",
    MXID: "a Matrix user id (@name:server)",
    ROOM_REF: "a room id (!…) or a room alias (#name:server)",
    HHMM: "a time of day as HH:MM",
    KEY_PATTERN: "a key of lowercase letters a-z, digits and _ (at most 40)",
    LANG_PATTERN: "a language code such as sv or en",
}


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every reason, one line each,
    starting with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class Model(BaseModel):
    """A settings section: unknown keys are refused, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleProblem:
    """A broken rule between settings: the key path it is about and the other key paths it
    read, both from the model whose rule found it (``end``, reading ``start``), and what is
    wrong. A rule that read a setting which is itself invalid is not reported: it would only
    repeat that setting's problem."""

    path: str
    message: str
    needs: tuple[str, ...] = ()


class RuleProblems(ValueError):
    """Raised by a model validator: every broken rule of one model at once."""

    def __init__(self, problems: Iterable[RuleProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in self.problems))


FIELDS_ONLY = "fields_only"
"""Validation context key: validate the fields, skip the rules (see `lenient`)."""

_M = TypeVar("_M", bound=BaseModel)


def key_path(loc: Sequence[object]) -> str:
    """``("rooms", 2, "locality")`` -> ``rooms[2].locality``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _overlaps(a: str, b: str) -> bool:
    """One key path is the other or lies inside it."""
    return a == b or a.startswith((b + ".", b + "[")) or b.startswith((a + ".", a + "["))


def broken_rules(err: ErrorDetails) -> tuple[RuleProblem, ...]:
    """The rule problems a validation error carries (none for a field problem)."""
    found = (err.get("ctx") or {}).get("error")
    return found.problems if isinstance(found, RuleProblems) else ()


def raise_with(exc: ValidationError, data: object, found: Iterable[RuleProblem]) -> NoReturn:
    """Raise ``exc`` (the field problems of ``data``) again, with the rule problems ``found``
    on the valid part of ``data`` that read no invalid setting."""
    errors = exc.errors()
    invalid = [key_path(e["loc"]) for e in errors if not broken_rules(e)]
    kept = [
        p
        for p in found
        if not any(_overlaps(need, bad) for need in (p.path, *p.needs) for bad in invalid)
    ]
    if not kept:
        raise exc
    again: list[InitErrorDetails] = []
    for err in errors:
        item: InitErrorDetails = {"type": err["type"], "loc": err["loc"], "input": err["input"]}
        if "ctx" in err:
            item["ctx"] = err["ctx"]
        again.append(item)
    again.append(
        {"type": "value_error", "loc": (), "input": data, "ctx": {"error": RuleProblems(kept)}}
    )
    raise ValidationError.from_exception_data(exc.title, again) from None


def rules(check: Callable[[Any], Iterable[RuleProblem]]) -> Any:
    """Make ``check`` (a method yielding the model's broken rules) a model validator: it raises
    :class:`RuleProblems` if ``check`` yields any. When some of the model's own settings are
    invalid, ``check`` still runs on the others (the invalid ones at their defaults), so one
    typo never hides a broken rule; a rule that read an invalid setting is left out."""

    def validate(
        cls: type[BaseModel], data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        if isinstance(info.context, Mapping) and info.context.get(FIELDS_ONLY):
            return handler(data)
        try:
            model = handler(data)
        except ValidationError as exc:
            partial = lenient(cls, data) if isinstance(data, Mapping) else None
            if partial is None:
                raise
            raise_with(exc, data, check(partial))
        found = list(check(model))
        if found:
            raise RuleProblems(found)
        return model

    validate.__name__ = check.__name__
    validate.__doc__ = check.__doc__
    wrap: Any = classmethod(validate)
    return model_validator(mode="wrap")(wrap)


def table(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def lenient(model: type[_M], raw: object) -> _M | None:
    """``model`` from ``raw`` without the keys that are themselves invalid (they are reported
    as settings problems) and without checking its rules, so one bad key never hides a
    problem next to it; None when a required key is missing or wrong."""
    data = dict(table(raw))
    while True:
        try:
            return model.model_validate(data, context={FIELDS_ONLY: True})
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e.get("loc")} & data.keys()
            if not bad:
                return None
            for key in bad:
                data.pop(key)


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotated: Any = Annotated[info.annotation, info]
    return TypeAdapter(annotated)


def setting(model: type[BaseModel], name: str, raw: object) -> Any:
    """The setting ``name`` of ``model`` in the raw table ``raw``, validated on its own: its
    default if ``raw`` does not give it, None if it is invalid or required and not given."""
    values = table(raw)
    if name not in values:
        info = model.model_fields[name]
        return None if info.is_required() else info.get_default(call_default_factory=True)
    try:
        return _adapter(model, name).validate_python(values[name])
    except ValidationError:
        return None
