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

import logging
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

from config.settings import CONTENT_DIR

log = logging.getLogger(__name__)

#: Every language code the bot knows (ISO 639-1; "hr" stands for Bosnian/Croatian/Serbian).
BOT_LANGUAGES: tuple[str, ...] = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")

#: Only this many characters of a message are analysed.
MAX_CHARS = 1000

#: langdetect profiles loaded for each enabled Latin-script language: the language itself plus
#: the close relatives whose text it is usually confused with. Chosen by measurement with
#: bench/language.py and a probe of neighbouring languages (Norwegian, Danish, Serbian, Bosnian,
#: Estonian): those come out as their mapped bot language (see CONFUSER_TO_BOT).
PROFILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "sv": ("sv", "no", "da"),
        "en": ("en",),
        "hr": ("hr", "sl"),
        "sq": ("sq",),
        "so": ("so",),
        "fi": ("fi", "et"),
        "pl": ("pl",),
    }
)

#: Foreign Latin-script languages that residents write but the bot does not speak. Their
#: profiles are loaded so that such text is reported as "not ours" (``None``; the caller then
#: uses the stored or room language) instead of being forced into English, Swedish or
#: Croatian with high confidence. They are never mapped to a bot language.
OTHER_PROFILES: tuple[str, ...] = ("de", "nl", "es", "it", "tr", "cs")

#: A winning confuser profile counts for the bot language it stands in for.
CONFUSER_TO_BOT: Mapping[str, str] = MappingProxyType(
    {
        "no": "sv",
        "da": "sv",
        "sl": "hr",
        "bs": "hr",
        "sr": "hr",
        "et": "fi",
    }
)

_SEED = 0

# Script letter sets.
_PERSIAN_LETTERS = frozenset("پچژگکی")
_ARABIC_ONLY_LETTERS = frozenset("ةيكىأإؤ")
_URDU_LETTERS = frozenset("ٹڈڑںےھ")
_UKRAINIAN_LETTERS = frozenset("іїєґ")
_SERBIAN_CYRILLIC_LETTERS = frozenset("ђћџљњј")

#: Letters that point to one bot language in a short Latin-script message.
_LATIN_HINTS: Mapping[str, str] = MappingProxyType(
    {
        "å": "sv",
        "ë": "sq",
        "ç": "sq",
        "đ": "hr",
        "č": "hr",
        "š": "hr",
        "ž": "hr",
        "ł": "pl",
        "ą": "pl",
        "ę": "pl",
        "ś": "pl",
        "ź": "pl",
        "ż": "pl",
        "ń": "pl",
    }
)

_LEXICON_LISTS = ("greetings", "yes", "no", "thanks", "phrases")
_LEXICON_WORDS = "common"


@dataclass(frozen=True)
class Detection:
    """A detected language.

    ``lang`` is always one of the detector's enabled bot codes, ``probability`` is in 0..1 and
    ``method`` names the stage that decided: ``"script"``, ``"lexicon"`` or ``"langdetect"``.
    """

    lang: str
    probability: float
    method: str


@dataclass(frozen=True)
class Lexicon:
    """Whole-message phrases and vote words per language, already normalised.

    ``messages`` maps a normalised whole message to the languages listing it as a greeting,
    yes, no, thanks or phrase. ``words`` maps a single word to every language listing it
    anywhere. ``phrases`` maps multi-word entries to their languages.
    """

    messages: Mapping[str, frozenset[str]]
    words: Mapping[str, frozenset[str]]
    phrases: Mapping[str, frozenset[str]]
    greetings: frozenset[str] = frozenset()
    """Every language's greetings, normalised (a whole message that is only a hello)."""


def default_lexicon_path() -> Path:
    """Return the path of the bundled lexicon, ``config/content/lexicon.toml``."""
    return CONTENT_DIR / "lexicon.toml"


def normalise(text: str) -> str:
    """Casefold ``text`` and keep only letters and combining marks, single-space separated.

    Punctuation, digits, emoji, control characters and lone surrogates all become separators.
    """
    chars = [ch if unicodedata.category(ch)[0] in "LM" else " " for ch in text.casefold()]
    return " ".join("".join(chars).split())


def _add(index: dict[str, set[str]], key: str, lang: str) -> None:
    if key:
        index.setdefault(key, set()).add(lang)


def _freeze(index: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {key: frozenset(langs) for key, langs in index.items()}


def load_lexicon(path: Path, enabled: Iterable[str]) -> Lexicon:
    """Load the lexicon TOML at ``path``, keeping only the ``enabled`` languages.

    Raises ``OSError`` or ``tomllib.TOMLDecodeError`` if the file is missing or malformed.
    """
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    messages: dict[str, set[str]] = {}
    words: dict[str, set[str]] = {}
    phrases: dict[str, set[str]] = {}
    greetings: set[str] = set()
    for lang in enabled:
        section = data.get(lang, {})
        greetings.update(normalise(str(entry)) for entry in section.get("greetings", []))
        for list_name in (*_LEXICON_LISTS, _LEXICON_WORDS):
            for entry in section.get(list_name, []):
                norm = normalise(str(entry))
                if list_name != _LEXICON_WORDS:
                    _add(messages, norm, lang)
                _add(phrases if " " in norm else words, norm, lang)
    return Lexicon(_freeze(messages), _freeze(words), _freeze(phrases), frozenset(greetings))


def lexicon_votes(lexicon: Lexicon, norm: str) -> dict[str, int]:
    """Count lexicon hits per language in the normalised text ``norm``.

    A word or phrase listed under several languages counts for none of them; a phrase counts
    as many votes as it has words.
    """
    votes: dict[str, int] = {}
    for token in norm.split():
        langs = lexicon.words.get(token)
        if langs is not None and len(langs) == 1:
            (lang,) = langs
            votes[lang] = votes.get(lang, 0) + 1
    padded = f" {norm} "
    for phrase, langs in lexicon.phrases.items():
        if len(langs) == 1 and f" {phrase} " in padded:
            (lang,) = langs
            votes[lang] = votes.get(lang, 0) + phrase.count(" ") + 1
    return votes


def _script_of(ch: str) -> str:
    """Name the script of letter ``ch``: latin, arabic, cyrillic, ethiopic or other."""
    cp = ord(ch)
    if cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    if 0x0600 <= cp <= 0x08FF or 0xFB50 <= cp <= 0xFDFF or 0xFE70 <= cp <= 0xFEFF:
        return "arabic"
    if 0x0400 <= cp <= 0x052F:
        return "cyrillic"
    if 0x1200 <= cp <= 0x139F or 0x2D80 <= cp <= 0x2DDF or 0xAB00 <= cp <= 0xAB2F:
        return "ethiopic"
    return "other"


def dominant_script(text: str) -> str | None:
    """Return the script of most letters in ``text``, or ``None`` if it has no letters."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            script = _script_of(ch)
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda script: counts[script])


def sanitise(text: str) -> str:
    """Cut ``text`` to :data:`MAX_CHARS` and replace control, private-use and unpaired
    surrogate characters by spaces."""
    return "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") else ch
        for ch in text[:MAX_CHARS]
    )


def _share(votes: Mapping[str, float]) -> tuple[str, float] | None:
    """Return the language with most votes and its share of all votes, or ``None``."""
    total = sum(votes.values())
    if total <= 0:
        return None
    best = max(votes, key=lambda lang: votes[lang])
    if sum(1 for v in votes.values() if v == votes[best]) > 1:
        return None
    return best, votes[best] / total


def _build_factory(enabled: Sequence[str]) -> DetectorFactory | None:
    """Build a seeded langdetect factory with the profiles needed for ``enabled``.

    Returns ``None`` when no enabled language needs langdetect. Never touches langdetect's
    module-level factory.
    """
    names: list[str] = []
    for lang in enabled:
        for name in PROFILES.get(lang, ()):
            if name not in names:
                names.append(name)
    if not names:
        return None
    names.extend(name for name in OTHER_PROFILES if name not in names)
    directory = resources.files("langdetect") / "profiles"
    factory = DetectorFactory()
    factory.load_json_profile([(directory / name).read_text(encoding="utf-8") for name in names])
    factory.set_seed(_SEED)
    return factory


class LanguageDetector:
    """Detects which enabled bot language a chat message is written in.

    ``enabled`` are bot codes (unknown codes are ignored). Messages shorter than ``min_chars``
    are only decided by script or lexicon; anything less likely than ``min_probability`` is
    reported as ``None``. The instance is immutable after construction and safe to share.
    """

    def __init__(
        self,
        enabled: Sequence[str],
        *,
        min_chars: int = 20,
        min_probability: float = 0.80,
        lexicon_path: Path | None = None,
    ) -> None:
        self._enabled: tuple[str, ...] = tuple(
            dict.fromkeys(lang for lang in enabled if lang in BOT_LANGUAGES)
        )
        self._enabled_set = frozenset(self._enabled)
        self._min_chars = min_chars
        self._min_probability = min_probability
        self._lexicon = load_lexicon(lexicon_path or default_lexicon_path(), self._enabled)
        self._factory = _build_factory(self._enabled)

    @property
    def enabled(self) -> tuple[str, ...]:
        """The enabled bot languages, in configuration order."""
        return self._enabled

    def is_greeting(self, text: str) -> bool:
        """The whole message is a hello (or goodbye) in one of the enabled languages."""
        norm = normalise(sanitise(text if isinstance(text, str) else ""))
        return bool(norm) and norm in self._lexicon.greetings

    def detect(self, text: str) -> Detection | None:
        """Detect the language of ``text``; ``None`` when it cannot be said with confidence.

        Never raises: empty, huge, binary-looking or malformed input gives ``None`` or a result.
        """
        try:
            return self._detect(text)
        except (
            Exception
        ) as exc:  # the contract is "never raise"; a bug here must not drop a message
            log.error("language detection failed: %s", type(exc).__name__)
            return None

    def _confident(self, lang: str | None, probability: float, method: str) -> Detection | None:
        if lang is None or lang not in self._enabled_set or probability < self._min_probability:
            return None
        return Detection(lang, min(max(probability, 0.0), 1.0), method)

    def _detect(self, text: str) -> Detection | None:
        clean = sanitise(text if isinstance(text, str) else "")
        script = dominant_script(clean)
        if script is None:
            return None
        norm = normalise(clean)
        if len({ch for ch in norm if ch.isalpha()}) < 3 and len(norm) > 12:
            return None  # "aaaaaaaa…" or "xoxoxoxo…": no language at all
        if script == "ethiopic":
            return self._confident("ti", 0.99, "script")
        if script == "arabic":
            return self._arabic(clean, norm)
        if script == "cyrillic":
            return self._cyrillic(norm)
        if script != "latin":
            return None
        return self._latin(clean, norm)

    def _whole_message(self, norm: str) -> Detection | None:
        langs = self._lexicon.messages.get(norm)
        if langs is not None and len(langs) == 1:
            (lang,) = langs
            return self._confident(lang, 0.99, "lexicon")
        return None

    def _arabic(self, clean: str, norm: str) -> Detection | None:
        """Arabic script: Persian/Dari if Persian letters or words dominate, else Arabic."""
        whole = self._whole_message(norm)
        if whole is not None:
            return whole
        fa_ok, ar_ok = "fa" in self._enabled_set, "ar" in self._enabled_set
        if not (fa_ok and ar_ok):
            return self._confident("fa" if fa_ok else "ar" if ar_ok else None, 0.90, "script")
        if sum(ch in _URDU_LETTERS for ch in clean) >= 2:
            return None  # Urdu (or Pashto): neither Arabic nor Persian is a safe guess
        votes = lexicon_votes(self._lexicon, norm)
        fa = sum(ch in _PERSIAN_LETTERS for ch in clean) + 3 * votes.get("fa", 0)
        ar = sum(ch in _ARABIC_ONLY_LETTERS for ch in clean) + 3 * votes.get("ar", 0)
        if fa == ar == 0:
            return self._confident("ar", 0.85, "script")
        if fa == 0 or ar == 0:
            return self._confident("fa" if fa else "ar", 0.95, "script")
        return self._confident("fa" if fa > ar else "ar", max(fa, ar) / (fa + ar), "script")

    def _cyrillic(self, norm: str) -> Detection | None:
        """Cyrillic script: Serbian letters -> hr, otherwise Ukrainian (Russian counts as uk)."""
        whole = self._whole_message(norm)
        if whole is not None:
            return whole
        letters = set(norm)
        if letters & _SERBIAN_CYRILLIC_LETTERS and "hr" in self._enabled_set:
            return self._confident("hr", 0.95, "script")
        if letters & _UKRAINIAN_LETTERS:
            return self._confident("uk", 0.97, "script")
        return self._confident("uk", 0.85, "script")

    def _latin(self, clean: str, norm: str) -> Detection | None:
        """Latin script: lexicon for short messages, restricted langdetect for longer ones."""
        whole = self._whole_message(norm)
        if whole is not None:
            return whole
        if len(clean.strip()) < self._min_chars:
            return self._short_latin(norm)
        return self._langdetect(clean)

    def _short_latin(self, norm: str) -> Detection | None:
        """A short Latin message: lexicon votes, then distinctive letters."""
        best = _share(lexicon_votes(self._lexicon, norm))
        if best is not None:
            return self._confident(best[0], min(best[1], 0.95), "lexicon")
        hints: dict[str, float] = {}
        for ch in norm:
            lang = _LATIN_HINTS.get(ch)
            if lang is not None and lang in self._enabled_set:
                hints[lang] = hints.get(lang, 0) + 1
        best = _share(hints)
        if best is not None:
            return self._confident(best[0], min(best[1], 0.90), "script")
        return None

    def _langdetect(self, clean: str) -> Detection | None:
        """Run the restricted langdetect factory and map confusers to bot languages."""
        if self._factory is None:
            return None
        detector = self._factory.create()
        detector.append(clean)
        try:
            results = detector.get_probabilities()
        except LangDetectException:
            return None
        mapped: dict[str, float] = {}
        for result in results:  # only candidates above langdetect's 0.1 cut-off are listed
            name = str(result.lang)
            lang = name if name in self._enabled_set else CONFUSER_TO_BOT.get(name)
            if lang is not None and lang in self._enabled_set:
                mapped[lang] = mapped.get(lang, 0.0) + float(result.prob)
        if mapped:
            best = max(mapped, key=lambda lang: mapped[lang])
            if mapped[best] >= self._min_probability:
                return Detection(best, min(mapped[best], 1.0), "langdetect")
        return self._lexicon_tiebreak(normalise(clean), mapped)

    def _lexicon_tiebreak(self, norm: str, candidates: Mapping[str, float]) -> Detection | None:
        """langdetect was unsure: accept the lexicon's choice if langdetect also considered it."""
        best = _share(lexicon_votes(self._lexicon, norm))
        if best is None or best[0] not in candidates:
            return None
        return self._confident(best[0], min(best[1], 0.90), "lexicon")


def choose_language(
    detection: Detection | None,
    *,
    explicit: str | None,
    stored: str | None,
    room: str | None,
    default: str = "sv",
) -> str:
    """Pick the language to answer in.

    Order: the user's explicit choice (set with a command), then a confident detection, then
    the user's stored preference, then the room's language, then ``default``.
    """
    for candidate in (explicit, detection.lang if detection else None, stored, room):
        if candidate:
            return candidate
    return default
