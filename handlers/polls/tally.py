"""Counting native poll responses by MSC3381's rules (pure; no I/O).

- only each person's latest response counts (by server timestamp, then event id);
- a redacted response does not exist: the person's previous response counts instead;
- responses sent after the poll's end are ignored;
- selections beyond ``max_selections`` are cut off first, then repeats are dropped (as
  MSC3381 and Element do: ``[a, a, b, c]`` with at most 3 counts ``a`` and ``b``);
- an unknown answer id spoils the vote: that person has no vote;
- an empty selection takes the vote back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from storage.polls import ALL_PLACES, ANSWERED, Count, Response


@dataclass(frozen=True)
class Vote:
    place: str
    answers: tuple[str, ...]


def latest_votes(
    responses: Iterable[Response],
    answer_ids: frozenset[str],
    max_selections: int,
    end_ms: int | None = None,
) -> dict[str, Vote]:
    """Each voter's counted vote (voters without one are absent)."""
    latest: dict[str, Response] = {}
    for r in responses:
        if r.answers is None or (end_ms is not None and r.sent_ms > end_ms):
            continue
        seen = latest.get(r.voter)
        if seen is None or (r.sent_ms, r.event_id) > (seen.sent_ms, seen.event_id):
            latest[r.voter] = r
    votes: dict[str, Vote] = {}
    for voter, r in latest.items():
        assert r.answers is not None
        if any(a not in answer_ids for a in r.answers):
            continue  # spoiled
        chosen = tuple(dict.fromkeys(r.answers[: max(1, max_selections)]))  # cut, then dedupe
        if chosen:
            votes[voter] = Vote(r.place, chosen)
    return votes


def count_votes(question: str, votes: Iterable[Vote]) -> list[Count]:
    """Counts per place and in all (``ALL_PLACES``); ``ANSWERED`` counts the people."""
    tally: Counter[tuple[str, str]] = Counter()
    for v in votes:
        for place in (v.place, ALL_PLACES):
            tally[(place, ANSWERED)] += 1
            for a in v.answers:
                tally[(place, a)] += 1
    return [Count(question, p, o, n) for (p, o), n in sorted(tally.items())]


def count_answers(rows: Iterable[tuple[str, str, str]]) -> list[Count]:
    """Counts of survey answers given as (place, question, option) rows."""
    tally: Counter[tuple[str, str, str]] = Counter()
    for place, question, option in rows:
        tally[(question, place, option)] += 1
        tally[(question, ALL_PLACES, option)] += 1
    return [Count(q, p, o, n) for (q, p, o), n in sorted(tally.items())]


def as_table(counts: Iterable[Count]) -> Mapping[tuple[str, str, str], int]:
    return {(c.question, c.place, c.option_id): c.n for c in counts}
