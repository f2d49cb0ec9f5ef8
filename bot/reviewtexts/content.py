"""The fraud warnings (``config/content/warnings.toml``) and the poll and survey templates
(``config/content/polls.toml``) under review."""

from __future__ import annotations

import tomllib

from config.base import CONTENT_DIR
from config.polltexts import template_texts
from config.settings import Settings

from .text import ReviewText


def warning_texts(settings: Settings, lang: str) -> list[ReviewText]:
    """Title and text of every fraud warning; the example is the warning as sent, with the
    standard footer of this language."""
    data = tomllib.loads(settings.broadcasts.catalogue_path.read_text("utf-8"))
    out = []
    for w in data.get("warning", []):
        mine = w.get(lang) or {}
        for part in ("title", "text"):
            text = mine.get(part)
            out.append(
                ReviewText(
                    kind="warnings",
                    key=f"{w['id']}.{part}",
                    form="",
                    swedish=str(w["sv"][part]),
                    english=str(w["en"][part]),
                    text=str(text) if text else None,
                    where=(
                        f"fraud warning '{w['id']}' (topic {w.get('topic', '')}), sent to "
                        "subscribers and rooms; the footer is added below it"
                    ),
                    placeholders="",
                    example=(f"⚠️ {mine.get('title', '')}" if part == "title" else str(text or "")),
                )
            )
    return out


def poll_texts(lang: str) -> list[ReviewText]:
    """Every title, question and option of the templates."""
    data = tomllib.loads((CONTENT_DIR / "polls.toml").read_text("utf-8"))
    out = []
    for key, texts in template_texts(data):
        what = (
            "title of a poll or survey template"
            if key.endswith(".title")
            else "an answer option"
            if ".options." in key
            else "a question"
        )
        text = texts.get(lang)
        out.append(
            ReviewText(
                kind="polls",
                key=key,
                form="",
                swedish=str(texts.get("sv", "")),
                english=str(texts.get("en", "")),
                text=str(text) if text else None,
                where=f"{what} (!poll template / !survey), shown in rooms and direct chats",
                placeholders="",
                example=str(text or ""),
            )
        )
    return out
