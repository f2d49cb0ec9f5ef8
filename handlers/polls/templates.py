"""Poll and survey templates from ``config/content/polls.toml`` (package data)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from config.base import CONTENT_DIR
from handlers.polls.model import MAX_OPTIONS, MIN_OPTIONS, Content, Option, Question

LANG_KEYS = ("sv", "en", "ar", "so", "ti", "fa", "hr", "sq", "uk", "fi", "pl")


@dataclass(frozen=True)
class Template:
    key: str
    kind: str  # "poll" or "survey"
    disclosed: bool
    days: int
    content: Content


def _texts(table: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in table.items() if k in LANG_KEYS and v}


def parse_templates(data: dict[str, Any]) -> dict[str, Template]:
    """Validate the templates; raise ValueError naming the first problem."""
    out: dict[str, Template] = {}
    for i, t in enumerate(data.get("template", [])):
        where = f"polls.toml template {i + 1}"
        key, kind = str(t.get("key", "")), t.get("kind")
        if not key or key in out:
            raise ValueError(f"{where}: missing or duplicate key")
        if kind not in ("poll", "survey"):
            raise ValueError(f"{where}: kind must be poll or survey")
        questions = []
        for q in t.get("question", []):
            options = tuple(Option(str(o["id"]), _texts(o)) for o in q["options"])
            if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
                raise ValueError(f"{where}: a question needs 2-20 options")
            text = dict(q["text"])
            if not text.get("sv") or not text.get("en"):
                raise ValueError(f"{where}: question texts need sv and en")
            if any(not o.text.get("sv") or not o.text.get("en") for o in options):
                raise ValueError(f"{where}: option texts need sv and en")
            max_sel = int(q.get("max_selections", 1))
            questions.append(Question(str(q["key"]), text, options, max(1, max_sel)))
        if not questions or (kind == "poll" and len(questions) != 1):
            raise ValueError(f"{where}: a poll has one question, a survey one or more")
        content = Content(dict(t["title"]), tuple(questions), bool(t.get("ask_place", False)))
        out[key] = Template(key, kind, bool(t.get("disclosed", True)), int(t["days"]), content)
    return out


@cache
def templates() -> dict[str, Template]:
    text = (CONTENT_DIR / "polls.toml").read_text("utf-8")
    return parse_templates(tomllib.loads(text))
