"""The schema, as numbered forward-only migrations. Never edit a released migration:
add a new one. Each runs in one transaction with its ``user_version`` bump.

One module per step, named by its area; :data:`MIGRATIONS` is the order they run in (by
version: never reorder, never renumber).
"""

from __future__ import annotations

from .broadcasts import BROADCASTS
from .core import CORE
from .est import EST
from .exactly_once import EXACTLY_ONCE
from .matrix import MATRIX
from .polls import POLLS
from .step import Migration
from .tips import TIPS
from .web import WEB

MIGRATIONS: tuple[Migration, ...] = (
    CORE,
    MATRIX,
    TIPS,
    EXACTLY_ONCE,
    POLLS,
    BROADCASTS,
    EST,
    WEB,
)

__all__ = ["MIGRATIONS", "Migration"]
