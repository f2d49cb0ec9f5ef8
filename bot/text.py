"""Input hygiene for message bodies: what every handler can rely on."""

from __future__ import annotations

import unicodedata

# Bidirectional embedding/override/isolate controls can make echoed text display in a
# misleading order; right-to-left text itself (Arabic, Persian) is kept as it is.
_BIDI_CONTROLS = dict.fromkeys(
    [0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069], None
)


def clean(body: str) -> str:
    """NFC-normalised text without control characters (newlines and tabs kept), bidi
    overrides, or lone surrogates; leading and trailing whitespace removed."""
    text = body.encode("utf-8", "replace").decode("utf-8")
    text = unicodedata.normalize("NFC", text).translate(_BIDI_CONTROLS)
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    return text.strip()
