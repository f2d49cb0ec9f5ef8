"""Translation work on the catalogues: completeness and review state per language, and a
CSV sheet a translator fills in next to the Swedish source (``tryggbot i18n``).

Why CSV and not gettext PO: the kommun's authorised translators work in a spreadsheet
(Excel, LibreOffice), not in PO editors; one row per text with the Swedish and English
source beside the translation is what they can check and sign off; CLDR plural categories
(``one``, ``few``, ``many``…) are named rows instead of gettext's numbered ``msgstr[n]``
that depend on a ``Plural-Forms`` formula; and a ``reviewed`` column is plainer than PO's
``fuzzy`` flag. The file is UTF-8 with a byte-order mark so Excel opens it correctly.

Import validates everything before writing anything: known keys, the same placeholders as
the Swedish text, plural categories the language uses. Rows marked reviewed are recorded in
``<lang>/_quality.toml`` with a fingerprint of the reviewed text.
"""

from __future__ import annotations

from .completeness import (
    LanguageStatus,
    config_name_gaps,
    is_complete_value,
    needed_keys,
    render_status,
    reviewed_by_kind,
    status,
)
from .sheet import COLUMNS, ParsedSheet, SheetError, export_sheet, parse_sheet, read_sheet
from .writing import ImportResult, import_sheet, render_toml, write_poll_texts, write_warnings

__all__ = [
    "COLUMNS",
    "ImportResult",
    "LanguageStatus",
    "ParsedSheet",
    "SheetError",
    "config_name_gaps",
    "export_sheet",
    "import_sheet",
    "is_complete_value",
    "needed_keys",
    "parse_sheet",
    "read_sheet",
    "render_status",
    "render_toml",
    "reviewed_by_kind",
    "status",
    "write_poll_texts",
    "write_warnings",
]
