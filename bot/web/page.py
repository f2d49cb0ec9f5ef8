"""The chat page, rendered on the server in the reader's language (so that without
JavaScript it still says how to reach 112, 114 14 and the kommun), and the static files
shipped in the package (read with importlib.resources; no CDN, fonts or cookies)."""

from __future__ import annotations

import html
import json
import logging
import string
from collections.abc import Mapping
from importlib import resources
from typing import Any

from bot.context import Services
from bot.terms import kommun_terms, reading_hours
from bot.web.messenger import RTL_LANGUAGES
from config.broadcasts import WarningCatalogue, load_catalogue

log = logging.getLogger(__name__)

STATIC_TYPES = {
    "chat.js": "application/javascript",
    "chat.css": "text/css",
}

# Strings the page's script needs (the rest are in the HTML).
SCRIPT_KEYS = (
    "you", "bot", "sending", "offline", "reconnected", "choices_label", "forgotten",
    "verify_prefix", "error.origin", "error.too_large", "error.slow_down", "error.session",
    "error.busy", "error.bad", "error.timeout", "error.incident", "error.not_found",
    "error.method", "error.network",
)  # fmt: skip


def asset(name: str) -> bytes:
    return (resources.files("bot.web") / "static" / name).read_bytes()


class PageMaker:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._template = string.Template(asset("index.html").decode("utf-8"))
        self._warnings: WarningCatalogue | None = None

    # ---------------------------------------------------------------- language

    def language(self, wanted: str | None, headers: Mapping[str, str]) -> str:
        """``?lang=`` if enabled, else the best of Accept-Language, else the default."""
        enabled = self.svc.settings.language.enabled
        if wanted in enabled:
            return str(wanted)
        for part in headers.get("Accept-Language", "").split(","):
            code = part.split(";")[0].strip().lower()[:2]
            if code in enabled:
                return code
            if code in ("bs", "sr"):
                return "hr" if "hr" in enabled else self.svc.settings.language.default
        return self.svc.settings.language.default

    def t(self, lang: str, key: str, **params: Any) -> str:
        return self.svc.catalog.t(lang, key, **params)

    # ---------------------------------------------------------------- pages

    def chat(self, lang: str) -> str:
        settings = self.svc.settings
        k = settings.kommun
        e = html.escape
        t = self.t
        terms = kommun_terms(settings, lang)

        def tt(key: str, **params: Any) -> str:
            return e(t(lang, key, **params))

        notice = t(
            lang,
            "safety.notice",
            **terms,
            hours=reading_hours(self.svc.catalog, settings, lang),
            website=k.website,
        )
        strings = {key: t(lang, f"web.{key}") for key in SCRIPT_KEYS}
        values = {
            "lang": lang,
            "dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "title": tt("web.title", kommun=terms["kommun"]),
            "lead": tt("web.lead"),
            "skip": tt("web.skip"),
            "language_label": tt("web.language"),
            "languages": self._language_links(lang),
            "emergency_heading": tt("web.emergency_heading"),
            "emergency": tt("web.emergency"),
            "police": tt("web.police"),
            "other_ways": tt("web.other_ways", kommun=terms["kommun"]),
            "website": e(k.website),
            "noscript": tt("web.noscript"),
            "notice_heading": tt("web.notice_heading"),
            "notice": _paragraphs(notice),
            "chat_heading": tt("web.chat_heading"),
            "input_label": tt("web.input_label"),
            "input_hint": tt("web.input_hint"),
            "send": tt("web.send"),
            "actions": tt("web.actions"),
            "action_tip": tt("web.action_tip"),
            "action_mine": tt("web.action_mine"),
            "action_help": tt("web.action_help"),
            "verify_heading": tt("web.verify_heading"),
            "verify_text": tt("web.verify_text"),
            "verify_label": tt("web.verify_label"),
            "verify_button": tt("web.verify_button"),
            "warnings_heading": tt("web.warnings_heading"),
            "warnings": self._warning_list(lang),
            "forget_heading": tt("web.forget_heading"),
            "forget_text": tt("web.forget_text"),
            "forget_button": tt("web.forget_button"),
            "forget_confirm": tt("web.forget_confirm"),
            "forget_yes": tt("web.forget_yes"),
            "forget_no": tt("web.forget_no"),
            "privacy": tt("web.privacy"),
            "max_chars": str(settings.limits.max_message_chars),
            "strings": e(json.dumps(strings, ensure_ascii=False), quote=True),
        }
        return self._template.substitute(values)

    def _language_links(self, current: str) -> str:
        items = []
        for code in self.svc.settings.language.enabled:
            name = html.escape(self.svc.catalog.raw(code, "language.name") or code)
            way = "rtl" if code in RTL_LANGUAGES else "ltr"
            here = ' aria-current="true"' if code == current else ""
            items.append(
                f'<li><a href="?lang={code}" lang="{code}" hreflang="{code}" dir="{way}"'
                f"{here}>{name}</a></li>"
            )
        return "\n".join(items)

    def _catalogue(self) -> WarningCatalogue | None:
        if self._warnings is None:
            b = self.svc.settings.broadcasts
            try:
                self._warnings = load_catalogue(b.catalogue_path, b.allowed_domains)
            except Exception:
                log.exception("the warnings catalogue could not be read for the web page")
                return None
        return self._warnings

    def _warning_list(self, lang: str) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return ""
        items = []
        for warning in catalogue.warnings:
            used, text = warning.text_for(lang)
            way = "rtl" if used in RTL_LANGUAGES else "ltr"
            items.append(
                f'<li lang="{used}" dir="{way}"><details><summary>{html.escape(text.title)}'
                f"</summary>{_paragraphs(text.text)}</details></li>"
            )
        return "\n".join(items)

    # ---------------------------------------------------------------- files

    def static(self, name: str) -> tuple[bytes, str] | None:
        content_type = STATIC_TYPES.get(name)
        if content_type is None:
            return None
        return asset(name), content_type

    def embed_script(self) -> str:
        base = self.svc.settings.web.origin
        return asset("embed.js").decode("utf-8").replace("__TRYGGBOT_BASE__", json.dumps(base))


def _paragraphs(text: str) -> str:
    """Plain text (``**bold**`` allowed) as escaped paragraphs and line breaks."""
    out = []
    for block in text.split("\n\n"):
        escaped = html.escape(block.strip()).replace("\n", "<br>")
        parts = escaped.split("**")
        escaped = "".join(f"<b>{p}</b>" if i % 2 else p for i, p in enumerate(parts))
        out.append(f"<p>{escaped}</p>")
    return "".join(out)
