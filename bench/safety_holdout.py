"""The shipped safety-text detector and scrubber on labelled sets kept outside the repo.

    .venv/bin/python bench/safety_holdout.py DIR [DIR ...]

Each ``DIR`` holds one author's ``corpus.jsonl`` in the format of
``tests/data/safety_authors/SPEC.md`` (``lang``, ``urgency``, ``identifies``, ``pii``, ``text``),
written by someone who never saw this code, its word lists, its model or the other corpora.
Such a set is kept out of the repo so that it can measure again after the next change; once
its misses have been read it is no longer independent, and a new one is needed.

Printed: the same table as ``bench/safety_text.py`` (112 in the first answer, the 112 answer
first, false takeovers, person/vehicle, also when urgent), overall and per language, for the
shipped detector (the model and the rules) and the rules alone; then the scrubber's share of
planted personal data removed per kind, and harmless messages changed. Prints figures only.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import scrub_authors  # noqa: E402
from bench.safety_text import (  # noqa: E402
    current,
    figures_of_predictions,
    print_groups,
    print_table,
)
from bot.scrub import scrub  # noqa: E402
from tests.safety_corpus import LANGS, Labelled, SignalFigures  # noqa: E402

GRADES = {"urgent": "U", "possible": "P", "none": "N"}


def load(folder: Path) -> list[Labelled]:
    out = []
    path = folder / "corpus.jsonl"
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            continue
        row = json.loads(raw)
        lang, grade, person = row["lang"], row["urgency"], row["identifies"]
        if lang not in LANGS or grade not in GRADES or not isinstance(person, bool):
            raise SystemExit(f"{path}:{n}: bad labels {raw[:80]!r}")
        out.append(Labelled(lang, GRADES[grade], person, str(row["text"]), folder.name))
    return out


def main() -> None:
    folders = [Path(a) for a in sys.argv[1:] if not a.startswith("-")]
    if not folders:
        raise SystemExit(__doc__)
    items = [i for folder in folders for i in load(folder)]
    print(f"{len(items)} labelled messages from {', '.join(f.name for f in folders)}")
    subjects = [current(learned=True), current(learned=False)]
    names = [s.name for s in subjects]
    preds = [[s.classify(i.text) for i in items] for s in subjects]

    def figures(lang: str | None) -> list[SignalFigures]:
        return figures_of_predictions(items, preds, lambda i: lang in (None, i.lang))

    print_table("All messages", names, figures(None))
    langs = [lang for lang in LANGS if any(i.lang == lang for i in items)]
    print_groups("Per language", langs, names, {lang: figures(lang) for lang in langs})
    if "-v" in sys.argv:
        for i, g in zip(items, preds[0], strict=True):
            if i.urgency == "U" and g[0] == "N":
                print(f"  no 112: {i.lang} {i.text}")
            if i.person != g[1]:
                print(f"  person {'missed' if i.person else 'wrong'}: {i.lang} {i.text}")
    messages = [
        m
        for folder in folders
        for m in scrub_authors.load(folder.parent)
        if m.author == folder.name
    ]
    figs = scrub_authors.measure(messages, scrub)
    scrub_authors.print_figures("Scrubber (as shipped)", messages, figs, "-v" in sys.argv)


if __name__ == "__main__":
    main()
