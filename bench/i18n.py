"""How much the catalogue and the RTL rendering cost per message, against a reference measured
in the same run: a bare ``str.format`` of the same text.

    .venv/bin/python bench/i18n.py

Prints microseconds per call for: the reference; ``Catalog.t`` of a plain string; ``Catalog.t``
of a CLDR plural (Arabic, six forms); ``to_html`` of a Swedish receipt (no isolates) and of an
Arabic receipt (direction + isolates).
"""

from __future__ import annotations

import timeit

from bot.i18n import Catalog
from bot.render import to_html
from config.base import LOCALES_DIR

N = 20_000


def per_call(stmt: object) -> float:
    runs = timeit.repeat(stmt, number=N, repeat=5)  # type: ignore[arg-type]
    return min(runs) / N * 1e6


def main() -> None:
    catalog = Catalog.load(LOCALES_DIR)
    raw = catalog.raw("ar", "tips.receipt") or ""
    sv = catalog.t("sv", "tips.receipt", code="VMO-7K3Q", hours="mån–fre kl. 08:00–16:00")
    ar = catalog.t("ar", "tips.receipt", code="VMO-7K3Q", hours="الاثنين–الجمعة 08:00–16:00")
    rows = [
        ("reference: str.format", lambda: raw.format(code="VMO-7K3Q", hours="x")),
        ("Catalog.t, plain text", lambda: catalog.t("ar", "tips.receipt", code="VMO", hours="x")),
        ("Catalog.t, Arabic plural", lambda: catalog.t("ar", "tips.forgotten", count=11)),
        ("to_html, Swedish receipt", lambda: to_html(sv)),
        ("to_html, Arabic receipt (rtl)", lambda: to_html(ar)),
    ]
    timed = [(name, per_call(fn)) for name, fn in rows]
    reference = timed[0][1]
    print(f"{'what':<32} {'µs/call':>9} {'x reference':>12}")
    for name, us in timed:
        print(f"{name:<32} {us:>9.2f} {us / reference:>12.1f}")


if __name__ == "__main__":
    main()
