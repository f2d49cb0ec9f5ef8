"""Every text a resident reads, of four kinds, in one list: what a reviewer must see.

- ``catalogue``: the message catalogues (``config/locales/<lang>/*.toml``, resident files);
- ``warnings``: the fraud warnings (``config/content/warnings.toml``), title and text;
- ``polls``: the poll and survey templates (``config/content/polls.toml``): titles,
  questions, options;
- ``names``: the names in the kommun's settings (kommun, police, categories, place types,
  localities given per language) with every grammatical form the settings give.

Each :class:`ReviewText` carries the Swedish and English source, where a resident sees the
text, what each placeholder expands to for this kommun, and a rendered example. The sheet
(``tryggbot i18n export``), the review state (``tryggbot i18n status``), the glossary check
(``tests/test_glossary.py``) and the reviewers' packets all read this list, so none of them
can leave a kind out.
"""

from __future__ import annotations

from .catalogue import PLACEHOLDER_INFO, WHERE, catalogue_texts, where_shown
from .content import poll_texts, warning_texts
from .names import name_texts
from .packet import KIND_TITLES, review_packet, review_texts
from .text import KINDS, ReviewText

__all__ = [
    "KINDS",
    "KIND_TITLES",
    "PLACEHOLDER_INFO",
    "WHERE",
    "ReviewText",
    "catalogue_texts",
    "name_texts",
    "poll_texts",
    "review_packet",
    "review_texts",
    "warning_texts",
    "where_shown",
]
