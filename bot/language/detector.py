"""The detector: script, lexicon and langdetect in turn (see :mod:`bot.language`), and the
choice of the language to answer in."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from langdetect.lang_detect_exception import LangDetectException

from .lexicon import best_share, default_lexicon_path, lexicon_votes, load_lexicon, normalise
from .profiles import BOT_LANGUAGES, CONFUSER_TO_BOT, build_factory
from .script import arabizi_tokens, dominant_script, sanitise

# The name of the module this came from, so log lines read as before.
log = logging.getLogger("bot.language")

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


@dataclass(frozen=True)
class Detection:
    """A detected language.

    ``lang`` is always one of the detector's enabled bot codes, ``probability`` is in 0..1 and
    ``method`` names the stage that decided: ``"script"``, ``"lexicon"`` or ``"langdetect"``.
    """

    lang: str
    probability: float
    method: str


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
        self._factory = build_factory(self._enabled)

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
        """Latin script: Arabic or Persian in Latin letters first, then the lexicon for
        short messages and the restricted langdetect for longer ones."""
        whole = self._whole_message(norm)
        if whole is not None:
            return whole
        romanised = self._romanised(clean, norm)
        if romanised is not None:
            return romanised if romanised.lang else None
        if len(clean.strip()) < self._min_chars:
            return self._short_latin(norm)
        return self._langdetect(clean)

    def _romanised(self, clean: str, norm: str) -> Detection | None:
        """Arabic ("arabizi") or Persian ("finglisi") written in Latin letters.

        langdetect has no profile for either and calls such text Somali or Finnish with high
        confidence. Arabizi digits (``3ndi``, ``7abibi``) and the ``latin`` word lists of the
        lexicon decide: clearly Arabic gives ``ar``, clearly Persian ``fa``. When the signs
        point to Arabic or Persian but not clearly to one of them (or the language is not
        enabled), the result is a Detection with an empty ``lang``: the caller then reports
        "not sure" (``None``), so the stored or room language answers instead of a wrong
        guess such as Somali. No sign at all gives ``None`` and the usual stages run."""
        digits = arabizi_tokens(clean)
        votes = lexicon_votes(self._lexicon, norm)
        ar = 2 * digits + votes.get("ar", 0)
        fa = votes.get("fa", 0)
        # every other language's lexicon votes: a Somali or English text with one stray
        # "ana" stays with the usual stages
        others = sum(v for lang, v in votes.items() if lang not in ("ar", "fa"))
        if ar + fa < 2 or others > ar + fa:
            return None
        if ar >= 2 and ar >= 2 * fa and "ar" in self._enabled_set:
            return Detection("ar", min(0.95, 0.70 + 0.05 * ar), "arabizi")
        if fa >= 2 and fa >= 2 * ar and "fa" in self._enabled_set:
            return Detection("fa", min(0.95, 0.70 + 0.05 * fa), "finglisi")
        return Detection("", 0.0, "romanised")

    def _short_latin(self, norm: str) -> Detection | None:
        """A short Latin message: lexicon votes, then distinctive letters."""
        best = best_share(lexicon_votes(self._lexicon, norm))
        if best is not None:
            return self._confident(best[0], min(best[1], 0.95), "lexicon")
        hints: dict[str, float] = {}
        for ch in norm:
            lang = _LATIN_HINTS.get(ch)
            if lang is not None and lang in self._enabled_set:
                hints[lang] = hints.get(lang, 0) + 1
        best = best_share(hints)
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
        best = best_share(lexicon_votes(self._lexicon, norm))
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
