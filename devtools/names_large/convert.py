# ruff: noqa: E501
# mypy: ignore-errors
"""Rebuild config/content/names_large.toml from the independent session's list.

    pip install wordfreq   # a one-off tool here, not a dependency of the bot
    .venv/bin/python devtools/names_large/convert.py

Input: ``independent_names.toml`` beside this file, written by an independent helper session
from general knowledge (no repository, corpus or registry consulted; its own notes are in
``INDEPENDENT_README.md``), and ``header.toml`` (the provenance comment at the top of the
output). Multi-word names are left out; names of the list that are frequent words of one of
the bot's languages (wordfreq's Zipf frequency >= 4.5) are listed as ``frequent_words`` and
the scrubber leaves them out. No name or word from the safety-text corpora was added.
"""

import json
import sys
import tomllib
import unicodedata
from pathlib import Path

from wordfreq import zipf_frequency

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SRC = HERE / "independent_names.toml"
LATIN_LANGS = ["sv", "en", "fi", "pl", "uk", "ru", "sh"]
ARABIC_LANGS = ["ar", "fa"]
LATIN_T, ARABIC_T = 4.5, 4.5


def fold(s):
    return unicodedata.normalize("NFC", s).casefold()


def arabic(w):
    return any("\u0600" <= c <= "\u06ff" for c in w)


def ethiopic(w):
    return any("\u1200" <= c <= "\u139f" for c in w)


def frequent(w):
    f = fold(w)
    if ethiopic(f):
        return False
    langs, t = (ARABIC_LANGS, ARABIC_T) if arabic(f) else (LATIN_LANGS, LATIN_T)
    return max(zipf_frequency(f, lang) for lang in langs) >= t


src = tomllib.loads(SRC.read_text(encoding="utf-8"))
curated = tomllib.loads((ROOT / "config/content/names.toml").read_text(encoding="utf-8"))
cur = {fold(n) for n in curated["first"] + curated["surnames"]}
tables = [k for k, v in src.items() if isinstance(v, dict)]
multi = 0
first, sur = {}, {}
for t in tables:
    for key, out in (("first", first), ("surnames", sur)):
        vals = []
        for n in src[t][key]:
            if " " in n.strip():
                multi += 1
                continue
            vals.append(n.strip())
        out[t] = vals
all_large = {fold(n) for d in (first, sur) for v in d.values() for n in v}
freq = sorted(n for n in all_large - cur if frequent(n))


def q(s):
    return json.dumps(s, ensure_ascii=False)


def arr(vals, indent="  ", width=100):
    lines, line = [], indent
    for v in vals:
        item = q(v) + ", "
        if len(line) + len(item) > width and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += item
    if line.strip():
        lines.append(line.rstrip())
    return "[\n" + "\n".join(lines) + "\n]"


head = (HERE / "header.toml").read_text(encoding="utf-8")
parts = [head.rstrip() + "\n"]
parts.append(
    "# Names of this list that are frequent words of one of the bot's languages (computed, see above):\n# left out of the list."
)
parts.append(f"frequent_words = {arr(freq)}\n")
parts.append(
    "# From the independent session: names that are also ordinary words ('langs': where they are\n# words; 'meaning': a short gloss). Never replaced on their own."
)
cw = ["common_words = ["]
for e in src["common_words"]:
    cw.append(
        f"  {{name = {q(e['name'])}, langs = {q(e.get('langs', []))}, meaning = {q(e.get('meaning', ''))}}},"
    )
cw.append("]\n")
parts.append("\n".join(cw))
parts.append(
    "# From the independent session: Swedish place-name elements that look like personal names."
)
pp = ["places_not_people = ["]
for e in src["places_not_people"]:
    pp.append(f"  {{name = {q(e['name'])}, example = {q(e.get('example', ''))}}},")
pp.append("]\n")
parts.append("\n".join(pp))
parts.append(
    "# First names by language community (descriptions from the independent session).\n[first]"
)
for t in tables:
    parts.append(f"# {t}: {src[t].get('description', '')}")
    parts.append(f"{t} = {arr(first[t])}")
parts.append("\n[surnames]")
for t in tables:
    parts.append(f"{t} = {arr(sur[t])}")
(ROOT / "config/content/names_large.toml").write_text("\n".join(parts) + "\n", encoding="utf-8")
print(
    f"tables {tables}; first {sum(map(len, first.values()))} surnames {sum(map(len, sur.values()))}; multi-word left out {multi}; frequent {len(freq)}; common {len(src['common_words'])}; places {len(src['places_not_people'])}",
    file=sys.stderr,
)
