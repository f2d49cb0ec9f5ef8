"""The special keys of results: the place of all places, the place of an answer without one,
and the option id of the row that counts who answered a question."""

from __future__ import annotations

ALL_PLACES = ""
ANSWERED = "*"  # option id of the row that counts the people who answered a question
NO_PLACE = "-"  # a survey answer whose place the person did not give
