"""Plain text with light markup to Matrix HTML (``formatted_body``), escaped."""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def plain(text: str) -> str:
    """The plain-text body: markup removed."""
    return _BOLD.sub(r"\1", text)


def to_html(text: str) -> str:
    """Escape everything, then turn ``**x**`` into ``<b>x</b>`` and newlines into ``<br>``."""
    escaped = html.escape(text, quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    return escaped.replace("\n", "<br>")
