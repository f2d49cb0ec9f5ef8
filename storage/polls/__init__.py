"""Polls and private surveys: the schedule, where each poll was posted, responses while a
poll is open, counts once it has closed, anonymous survey answers and outcome follow-ups.

Privacy contract (what the tables can ever hold):

- ``poll_response``: a native poll response or ``!rösta`` while the poll is open, with the
  voter as a hash keyed by the poll's own random key. Deleted, with the key, at close.
- ``survey_voter``: who has answered a survey (same kind of keyed hash), in a table without
  row order, so it cannot be lined up with ``survey_submission``. Deleted at close.
- ``survey_submission``/``survey_answer``: the answers and the place the person chose; no
  person, no time. Aggregated into ``poll_count`` and deleted at close.
- ``survey_followup``: direct-chat room ids (never Matrix ids) that asked for the outcome.
"""

from __future__ import annotations

from .keys import ALL_PLACES, ANSWERED, NO_PLACE
from .posts import (
    NewTarget,
    Target,
    mark_end_sent,
    mark_outcome_sent,
    open_starts,
    set_start_event,
    target_by_start,
    targets,
)
from .schedule import (
    NewPoll,
    Poll,
    PollKind,
    PollState,
    close_poll,
    delete_scheduled,
    due_to_close,
    due_to_open,
    get,
    insert,
    listing,
    mark_outcome_posted,
    mark_results_posted,
    open_poll,
    purge,
    set_closes_at,
    set_outcome,
    unfinished,
)
from .surveys import (
    add_followup,
    add_submission,
    has_answered,
    purge_followups,
    submission_count,
    survey_tally,
    take_followups,
)
from .votes import (
    Count,
    Response,
    add_response,
    add_responses,
    counts,
    redact_response,
    redact_responses,
    response_count,
    responses,
    write_counts,
)

__all__ = [
    "ALL_PLACES",
    "ANSWERED",
    "NO_PLACE",
    "Count",
    "NewPoll",
    "NewTarget",
    "Poll",
    "PollKind",
    "PollState",
    "Response",
    "Target",
    "add_followup",
    "add_response",
    "add_responses",
    "add_submission",
    "close_poll",
    "counts",
    "delete_scheduled",
    "due_to_close",
    "due_to_open",
    "get",
    "has_answered",
    "insert",
    "listing",
    "mark_end_sent",
    "mark_outcome_posted",
    "mark_outcome_sent",
    "mark_results_posted",
    "open_poll",
    "open_starts",
    "purge",
    "purge_followups",
    "redact_response",
    "redact_responses",
    "response_count",
    "responses",
    "set_closes_at",
    "set_outcome",
    "set_start_event",
    "submission_count",
    "survey_tally",
    "take_followups",
    "target_by_start",
    "targets",
    "unfinished",
    "write_counts",
]
