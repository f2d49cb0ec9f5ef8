"""Which texts of the poll and survey templates (``config/content/polls.toml``) lack an
enabled language: each template's title, every question and every option must be given in
every language the bot answers in, so that no resident reads a template in English. Read at
start (a gap refuses the start) and by ``check-config``; each gap names the file, the line
and the key. Pure data: nothing here imports the polls feature."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def _line(raw: str, pattern: str, after: int = 0) -> tuple[int, int]:
    """The line of the first match of ``pattern`` (a line-anchored regex) at or after offset
    ``after``, and its offset."""
    found = re.compile(pattern, re.MULTILINE).search(raw, after)
    pos = found.start() if found else after
    return raw.count("\n", 0, pos) + 1, pos


def template_texts(data: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """Every text table of the templates with its key path:
    ``template.trygghet.title``, ``template.trygghet.question.trygg.text``,
    ``template.trygghet.question.trygg.options.mycket_trygg``."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    for t in data.get("template", []):
        base = f"template.{t.get('key', '?')}"
        if isinstance(t.get("title"), Mapping):
            out.append((f"{base}.title", t["title"]))
        for q in t.get("question", []):
            qbase = f"{base}.question.{q.get('key', '?')}"
            if isinstance(q.get("text"), Mapping):
                out.append((f"{qbase}.text", q["text"]))
            for o in q.get("options", []):
                out.append((f"{qbase}.options.{o.get('id', '?')}", o))
    return out


def template_gaps(path: Path, languages: Iterable[str]) -> list[str]:
    """One line per template text that lacks one of ``languages``:
    ``polls.toml:23: template.trygghet.question.trygg.text: no text in pl``."""
    try:
        raw = path.read_text("utf-8")
        data = tomllib.loads(raw)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return [f"{path.name}: cannot be read ({exc})"]
    wanted = list(dict.fromkeys(languages))
    out: list[str] = []
    offset = 0
    for key, texts in template_texts(data):
        # find the text's line: the template, then its title, question text or option id
        leaf = key.rsplit(".", 1)[-1]
        if key.endswith(".title"):
            template = re.escape(key.split(".")[1])
            _, offset = _line(raw, rf'^\s*key\s*=\s*"{template}"', offset)
            pattern = r"^\s*(\[template\.title\]|title\s*=)"
        elif ".options." in key:
            pattern = rf'^\s*(id\s*=\s*"{re.escape(leaf)}"|\{{\s*id\s*=\s*"{re.escape(leaf)}")'
        else:
            pattern = r"^\s*(\[template\.question\.text\]|text\s*=)"
        line, offset = _line(raw, pattern, offset)
        missing = [
            lang for lang in wanted if not (isinstance(texts.get(lang), str) and texts[lang])
        ]
        if missing:
            out.append(f"{path.name}:{line}: {key}: no text in {', '.join(missing)}")
    return out
