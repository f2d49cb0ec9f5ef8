"""Logging for an operator: one line per meaningful event, as text or JSON (for log
collectors), to standard error.

Never below WARNING for libraries that log message contents or tokens at lower levels
(aiosqlite logs statements with their parameters, nio logs events); APScheduler's per-run
chatter and aiohttp's access log stay at WARNING unless the level is DEBUG.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMATS = ("text", "json")
DEFAULT_LEVEL = "INFO"

# Loggers that may carry residents' text or secrets below WARNING: never lower.
PRIVATE_LOGGERS = ("aiosqlite", "nio", "nio.rooms", "nio.client", "nio.responses")
# Loggers that are merely noisy at INFO (a line every five minutes, one per HTTP request).
NOISY_LOGGERS = ("apscheduler", "aiohttp.access")

_HANDLER_NAME = "tryggbot"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message and, for an
    exception, its type and traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(
    level: str = DEFAULT_LEVEL, fmt: str = "text", stream: TextIO | None = None
) -> None:
    """Configure the root logger; ``level`` is one of `LEVELS`, ``fmt`` one of `FORMATS`."""
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"unknown log level {level!r}")
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == _HANDLER_NAME:  # ours from an earlier call; others stay
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    numeric = root.level
    for name in PRIVATE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, numeric))
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(numeric if numeric <= logging.DEBUG else logging.WARNING)
