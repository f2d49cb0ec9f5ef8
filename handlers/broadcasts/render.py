"""What a broadcast looks like: a warning (title, text), an ad hoc warning or a digest, each
with the standard footer in the reader's language (112; 114 14 or polisen.se; this bot
never asks for BankID, codes, card numbers or money).

Rendering is a pure function of the catalogue, the language and the item ids, so the body
claimed for a delivery is the body sent, also after a restart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.context import Services
from bot.terms import kommun_terms
from config.broadcasts import WarningCatalogue

ADHOC_PREFIX = "adhoc:"
DIGEST_MARK = "digest"


@dataclass(frozen=True)
class Rendered:
    """A body to send, and the texts whose fingerprints !äkta recognises (the whole body,
    and the body without the footer, and each warning of a digest)."""

    body: str
    parts: tuple[str, ...]


def footer(svc: Services, lang: str) -> str:
    return svc.catalog.t(lang, "broadcasts.footer", **kommun_terms(svc.settings, lang))


def _core(
    svc: Services,
    catalogue: WarningCatalogue,
    item: str,
    lang: str,
    adhoc: Mapping[int, str],
) -> str | None:
    if item.startswith(ADHOC_PREFIX):
        text = adhoc.get(int(item.removeprefix(ADHOC_PREFIX)))
        if text is None:
            return None
        title = svc.catalog.t(
            lang, "broadcasts.adhoc_title", kommun=kommun_terms(svc.settings, lang)["kommun"]
        )
        return f"**⚠️ {title}**\n{text}"
    warning = catalogue.get(item)
    if warning is None:
        return None
    _, wt = warning.text_for(lang)
    return f"**⚠️ {wt.title}**\n{wt.text}"


def render(
    svc: Services,
    catalogue: WarningCatalogue,
    items: tuple[str, ...],
    lang: str,
    adhoc: Mapping[int, str] | None = None,
) -> Rendered:
    """The body for ``items`` (one warning or ad hoc item, or ``("digest", …)``) in
    ``lang``."""
    adhoc = adhoc or {}
    digest = bool(items) and items[0] == DIGEST_MARK
    cores = [c for c in (_core(svc, catalogue, i, lang, adhoc) for i in items) if c]
    main = "\n\n".join(cores)
    if digest:
        main = svc.catalog.t(lang, "broadcasts.digest_header") + "\n\n" + main
    body = main + "\n\n" + footer(svc, lang)
    return Rendered(body=body, parts=(body, main, *(cores if digest else ())))
