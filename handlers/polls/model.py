"""What a poll or survey asks, read from its stored ``content`` (texts per language).

``content`` is JSON: ``{"title": {lang: text}, "ask_place": bool, "questions": [{"key",
"text": {lang: text}, "max_selections", "options": [{"id", "text": {lang: text}}]}]}``. A
native poll has exactly one question; a private survey one or more.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MIN_OPTIONS, MAX_OPTIONS = 2, 20


def pick(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else English, else Swedish, else any.

    A poll a moderator typed has one language and is shown in it to everyone. A template has
    every enabled language (checked at start, ``config/polltexts.py``), so the fallback is
    never silent for it: a multi-language text without ``lang`` is logged."""
    value = texts.get(lang)
    if value:
        return value
    if len(texts) > 1:
        log.warning("poll text without %s: shown in English (%s)", lang, sorted(texts))
    for candidate in ("en", "sv"):
        value = texts.get(candidate)
        if value:
            return value
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class Option:
    id: str
    text: Mapping[str, str]


@dataclass(frozen=True)
class Question:
    key: str
    text: Mapping[str, str]
    options: tuple[Option, ...]
    max_selections: int = 1

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options)


@dataclass(frozen=True)
class Content:
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    ask_place: bool = False

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Content:
        questions = tuple(
            Question(
                key=str(q["key"]),
                text=dict(q["text"]),
                options=tuple(Option(str(o["id"]), dict(o["text"])) for o in q["options"]),
                max_selections=int(q.get("max_selections", 1)),
            )
            for q in data["questions"]
        )
        return cls(dict(data["title"]), questions, bool(data.get("ask_place", False)))

    def dump(self) -> dict[str, Any]:
        return {
            "title": dict(self.title),
            "ask_place": self.ask_place,
            "questions": [
                {
                    "key": q.key,
                    "text": dict(q.text),
                    "max_selections": q.max_selections,
                    "options": [{"id": o.id, "text": dict(o.text)} for o in q.options],
                }
                for q in self.questions
            ],
        }

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)


def simple_poll(lang: str, question: str, options: Sequence[str], max_selections: int) -> Content:
    """A one-question poll typed by a moderator (texts in one language)."""
    q = Question(
        key="q",
        text={lang: question},
        options=tuple(Option(str(i), {lang: text}) for i, text in enumerate(options, 1)),
        max_selections=max(1, min(max_selections, len(options))),
    )
    return Content({lang: question}, (q,))
