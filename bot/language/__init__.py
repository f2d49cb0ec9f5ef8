"""Language detection for incoming chat messages.

The detector works in three stages, cheapest and most certain first:

1. **Script.** Text written mostly in Ethiopic, Arabic or Cyrillic script is decided from the
   script and a few letters (Ethiopic -> Tigrinya; Arabic -> Persian or Arabic; Cyrillic ->
   Ukrainian, or Bosnian/Croatian/Serbian for Serbian Cyrillic letters).
2. **Lexicon.** Short Latin-script messages ("tack", "hvala", "kiitos", "yes please") are
   matched against a small hand-written word list (``config/content/lexicon.toml``).
3. **langdetect.** Longer Latin-script text goes to a langdetect factory that holds only the
   profiles of the enabled Latin-script languages and their usual confusers. A confuser that
   wins is mapped to the language it stands in for ("no"/"da" -> "sv", "sl" -> "hr", ...).
   Profiles of Arabic, Persian, Ukrainian and their confusers (ur, ru, bg, mk) are not loaded:
   text in those scripts never reaches langdetect, and every extra profile slows every call.

When none of these is confident the detector returns ``None`` and the caller falls back on the
user's stored preference or the room's language (see :func:`choose_language`).
"""

from __future__ import annotations

from .detector import Detection, LanguageDetector, choose_language
from .lexicon import Lexicon, default_lexicon_path, lexicon_votes, load_lexicon, normalise
from .profiles import BOT_LANGUAGES, CONFUSER_TO_BOT, OTHER_PROFILES, PROFILES
from .script import MAX_CHARS, arabizi_tokens, dominant_script, sanitise

__all__ = [
    "BOT_LANGUAGES",
    "CONFUSER_TO_BOT",
    "MAX_CHARS",
    "OTHER_PROFILES",
    "PROFILES",
    "Detection",
    "LanguageDetector",
    "Lexicon",
    "arabizi_tokens",
    "choose_language",
    "default_lexicon_path",
    "dominant_script",
    "lexicon_votes",
    "load_lexicon",
    "normalise",
    "sanitise",
]
