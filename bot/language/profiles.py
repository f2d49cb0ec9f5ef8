"""The languages the bot knows and the langdetect profiles loaded for them (stage 3 of
:mod:`bot.language`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from types import MappingProxyType

from langdetect.detector_factory import DetectorFactory

#: Every language code the bot knows (ISO 639-1; "hr" stands for Bosnian/Croatian/Serbian).
BOT_LANGUAGES: tuple[str, ...] = ("sv", "en", "hr", "sq", "ar", "so", "ti", "fa", "uk", "fi", "pl")

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


def build_factory(enabled: Sequence[str]) -> DetectorFactory | None:
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
