"""The learned half of the safety-text detector: a linear model on hashed character and word
n-grams, plus the rules' own findings as features (``bot/signals.py`` combines the two).

Contract
--------
``SafetyModel.load()`` reads the packaged weights (``config/content/safety_model.npz``, made by
``bench/train_safety_model.py``; no network, no scikit-learn at run time). Then, for a message
folded as ``bot.signals`` does (case kept) and the names of the rules that fired on it,
``scores(plain, rules)`` returns three probabilities:

* ``alarm``: the message is urgent or possibly urgent (someone may be in danger);
* ``urgent``: it is clearly urgent;
* ``identifies``: it names or describes a specific person or vehicle.

``thresholds`` holds the cut-offs chosen for recall across authors at training time.

Features (:func:`features`, shared with the training script so both see exactly the same
numbers): every character 2- to 5-gram inside each word padded with spaces (robust to typos
and unseen inflections), the same again with diacritics removed (``rok`` for ``rök``), word
unigrams and bigrams, the words around a capitalised word inside a sentence ("grannen
Ali", "Pan Zbigniew"), letters repeated three or more times cut to two ("hjäääälp" →
"hjäälp"), every digit as ``0``; hashed with CRC-32 into ``2**hash_bits`` buckets, each present
bucket weighing ``1/sqrt(number of buckets present)``. Each rule name adds one more column of
weight 1. Pure; linear in the length of the text.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "OUTPUTS", "SafetyModel", "Scores", "default_model_path", "features", "plain_letters"
]  # fmt: skip

OUTPUTS = ("alarm", "urgent", "identifies")
FORMAT = 1
_TOKEN = re.compile(r"[^\W_]+")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_DIGIT = re.compile(r"\d")
# Letters that carry no combining mark in NFD but are commonly typed without their stroke.
# Ukrainian letters typed on a Russian layout ("чоловик" for "чоловік", "пидъезди") fold the
# same way.
_STROKES = str.maketrans(
    {
        "ł": "l",
        "đ": "d",
        "ø": "o",
        "æ": "ae",
        "ß": "ss",
        "ı": "i",
        "і": "и",
        "ї": "и",
        "є": "е",
        "ґ": "г",
        "ъ": "ь",
    }
)
_WORD_KEY = "\x01"
_BIGRAM_KEY = "\x02"
_CAP_BEFORE = "\x03"
_CAP_AFTER = "\x04"
_CAP_KEY = "\x05"


@functools.lru_cache(maxsize=4)
def plain_letters(text: str) -> str:
    """``text`` without combining marks (``ä`` → ``a``, ``ć`` → ``c``, ``ł`` → ``l``).
    Detecting one message asks for the same few strings several times; the cache holds only
    the last four, in memory until newer messages replace them (never written anywhere)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKES))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    )


def _keys(text: str, lo: int, hi: int, out: set[str], done: set[str]) -> None:
    """Add the keys of ``text`` to ``out``; the n-grams of the words in ``done`` are there
    already (a word repeated, or unchanged without diacritics)."""
    words = _TOKEN.findall(text)
    for word in words:
        if word in done:
            continue
        done.add(word)
        padded = f" {word} "
        size = len(padded)
        for n in range(lo, hi + 1):
            for i in range(size - n + 1):
                out.add(padded[i : i + n])
        out.add(_WORD_KEY + word)
    for a, b in itertools.pairwise(words):
        out.add(f"{_BIGRAM_KEY}{a} {b}")


def _case_keys(plain: str, out: set[str]) -> None:
    """Context of capitalised words that do not start a sentence: the word before ("grannen
    Ali", "Pan Zbigniew") and after. Skipped for text without lower-case letters (panic caps)."""
    if not any(ch.islower() for ch in plain):
        return
    prev_end = 0
    prev = ""
    for m in _TOKEN.finditer(plain):
        word = m.group()
        gap = plain[prev_end : m.start()]
        starts_sentence = not prev or any(c in gap for c in ".!?\n")
        if word[0].isupper() and not word.isupper() and not starts_sentence:
            out.add(_CAP_BEFORE + prev.casefold())
            out.add(_CAP_KEY)
        elif prev and prev[0].isupper() and not prev.isupper() and not starts_sentence:
            out.add(_CAP_AFTER + word.casefold())
        prev, prev_end = word, m.end()


def features(
    plain: str, hash_bits: int, ngram: tuple[int, int], floor: int = 1
) -> tuple[list[int], float]:
    """The hashed buckets present in a message folded by ``bot.signals`` with its case kept
    (sorted, unique) and the weight of each: ``1/sqrt(max(count, floor))``, so that a message
    with few buckets ("nu", "7") weighs less than a full one and the bias decides more."""
    keys: set[str] = set()
    _case_keys(plain, keys)
    base = _DIGIT.sub("0", _REPEAT.sub(r"\1\1", plain.casefold()))
    done: set[str] = set()
    _keys(base, ngram[0], ngram[1], keys, done)
    plain = plain_letters(base)
    if plain != base:
        _keys(plain, ngram[0], ngram[1], keys, done)
    mask = (1 << hash_bits) - 1
    buckets = sorted({zlib.crc32(k.encode("utf-8")) & mask for k in keys})
    return buckets, (1.0 / math.sqrt(max(len(buckets), floor)) if buckets else 0.0)


def default_model_path() -> Path:
    """The packaged weights, ``config/content/safety_model.npz``."""
    resource = resources.files("config") / "content" / "safety_model.npz"
    if not isinstance(resource, Path):
        raise RuntimeError("Tryggbot's package data (safety model) must be installed as files")
    return resource


@dataclass(frozen=True)
class Scores:
    """The model's probabilities for one message (see the module doc)."""

    alarm: float
    urgent: float
    identifies: float


class SafetyModel:
    """Weights and thresholds of the learned detector, loaded once; ``scores`` is pure."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        meta: dict[str, object],
    ) -> None:
        hash_bits = meta["hash_bits"]
        ngram = meta["ngram"]
        rules = meta["rule_features"]
        thresholds = meta["thresholds"]
        floor = meta["floor"]
        if not isinstance(hash_bits, int) or not 8 <= hash_bits <= 24:
            raise ValueError("safety model: hash_bits must be an integer from 8 to 24")
        if not (
            isinstance(ngram, list) and len(ngram) == 2 and all(isinstance(n, int) for n in ngram)
        ):
            raise ValueError("safety model: ngram must be [low, high]")
        if not isinstance(floor, int) or floor < 1:
            raise ValueError("safety model: floor must be a positive integer")
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise ValueError("safety model: rule_features must be a list of names")
        if not isinstance(thresholds, dict) or set(thresholds) != set(OUTPUTS):
            raise ValueError(f"safety model: thresholds must be given for {OUTPUTS}")
        if weights.shape != ((1 << hash_bits) + len(rules), len(OUTPUTS)):
            raise ValueError(f"safety model: weights have shape {weights.shape}")
        if bias.shape != (len(OUTPUTS),):
            raise ValueError(f"safety model: bias has shape {bias.shape}")
        self.hash_bits = hash_bits
        self.ngram = (ngram[0], ngram[1])
        self.floor = floor
        self.rule_index = {name: (1 << hash_bits) + i for i, name in enumerate(rules)}
        self.thresholds = {k: float(v) for k, v in thresholds.items()}
        self.meta = meta
        self._weights = weights
        self._bias = bias

    @classmethod
    def load(cls, path: Path | None = None) -> SafetyModel:
        """Read the weights file (default: :func:`default_model_path`). Raises ``ValueError``
        for a file this code cannot use."""
        source = path if path is not None else default_model_path()
        with np.load(source, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError(f"{source}: not a safety model of format {FORMAT}")
            weights = data["weights"].astype(np.float32)
            bias = data["bias"].astype(np.float32)
        return cls(weights, bias, meta)

    def rule_columns(self, rules: Iterable[str]) -> list[int]:
        """Columns of the rule names this model knows (others are ignored)."""
        return sorted({self.rule_index[r] for r in rules if r in self.rule_index})

    def scores(self, plain: str, rules: Sequence[str]) -> Scores:
        """Probabilities for a message folded by ``bot.signals`` (case kept) and the rules
        that fired on it."""
        buckets, weight = features(plain, self.hash_bits, self.ngram, self.floor)
        total = self._bias.astype(np.float64)
        if buckets:
            total = total + self._weights[buckets].sum(axis=0, dtype=np.float64) * weight
        columns = self.rule_columns(rules)
        if columns:
            total = total + self._weights[columns].sum(axis=0, dtype=np.float64)
        alarm, urgent, identifies = (1.0 / (1.0 + math.exp(-float(v))) for v in total)
        return Scores(alarm=alarm, urgent=urgent, identifies=identifies)
