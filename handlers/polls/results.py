"""Results of a poll or survey: counts and shares per option and per place, with small
groups suppressed, as text for chat and as CSV/JSON for export (and the EST picture).

Rules (DOMAIN: opt-in polls are self-selected):
- always the number of answers and the words "indicative, not a representative sample";
- a group (a place, or all places) with fewer than ``MIN_GROUP`` answers is shown as
  "fewer than 5" and its answers are left out of the shares;
- the shares for all places are computed over the places that are shown (so a hidden
  group cannot be worked out by subtraction), or over everything when every place is
  hidden but the total is large enough.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite

from config.settings import Settings
from handlers.polls.model import Content, pick
from handlers.polls.tally import count_answers, count_votes, latest_votes
from storage import polls
from storage.polls import ALL_PLACES, ANSWERED, NO_PLACE, Count, Poll

MIN_GROUP = 5


@dataclass(frozen=True)
class Group:
    place: str
    answered: int
    counts: Mapping[str, int]  # option id -> count (empty when suppressed)
    suppressed: bool

    def share(self, option_id: str) -> float | None:
        if self.suppressed or not self.answered:
            return None
        return self.counts.get(option_id, 0) / self.answered


@dataclass(frozen=True)
class QuestionResult:
    key: str
    total: int  # everyone who answered the question
    overall: Group  # the shares over all shown places
    places: tuple[Group, ...]


@dataclass(frozen=True)
class Results:
    poll: Poll
    content: Content
    questions: tuple[QuestionResult, ...]
    final: bool

    @property
    def answers(self) -> int:
        return max((q.total for q in self.questions), default=0)


async def current_counts(conn: aiosqlite.Connection, poll: Poll) -> list[Count]:
    """Stored counts of a closed poll; live counts of an open one."""
    if poll.state == "closed":
        return await polls.counts(conn, poll.id)
    return await live_counts(conn, poll)


async def live_counts(conn: aiosqlite.Connection, poll: Poll) -> list[Count]:
    content = Content.load(poll.content)
    if poll.kind == "survey":
        return count_answers(await polls.survey_tally(conn, poll.id))
    q = content.questions[0]
    end_ms = int(poll.closes_at.timestamp() * 1000)
    votes = latest_votes(await polls.responses(conn, poll.id), q.ids, q.max_selections, end_ms)
    return count_votes(q.key, votes.values())


def build(poll: Poll, counts: Sequence[Count]) -> Results:
    content = Content.load(poll.content)
    table: dict[str, dict[str, dict[str, int]]] = {}
    for c in counts:
        table.setdefault(c.question, {}).setdefault(c.place, {})[c.option_id] = c.n
    questions = []
    for q in content.questions:
        by_place = table.get(q.key, {})
        total = by_place.get(ALL_PLACES, {}).get(ANSWERED, 0)
        places = []
        for place in sorted(p for p in by_place if p != ALL_PLACES):
            row = by_place[place]
            n = row.get(ANSWERED, 0)
            small = n < MIN_GROUP
            opts = {} if small else {k: v for k, v in row.items() if k != ANSWERED}
            places.append(Group(place, n, opts, small))
        shown = [g for g in places if not g.suppressed]
        if shown:
            summed: dict[str, int] = {}
            for g in shown:
                for k, v in g.counts.items():
                    summed[k] = summed.get(k, 0) + v
            overall = Group(ALL_PLACES, sum(g.answered for g in shown), summed, False)
        else:
            row = by_place.get(ALL_PLACES, {})
            small = total < MIN_GROUP
            opts = {} if small else {k: v for k, v in row.items() if k != ANSWERED}
            overall = Group(ALL_PLACES, total, opts, small)
        questions.append(QuestionResult(q.key, total, overall, tuple(places)))
    return Results(poll, content, tuple(questions), poll.state == "closed")


def place_name(settings: Settings, place: str, lang: str = "sv") -> str:
    if place in (ALL_PLACES, NO_PLACE):
        return place
    locality, _, area = place.partition("/")
    loc = settings.locality(locality)
    name = loc.label(lang) if loc else locality
    return f"{name}, {area}" if area else name


def _by_count(group: Group) -> Any:
    def key(option: Any) -> int:
        return -group.counts.get(option.id, 0)

    return key


def _pct(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)} %"


def render(results: Results, settings: Settings, t: Any, lang: str) -> str:
    """Chat text: ``t(key, **params)`` translates catalogue keys of ``polls.results``."""
    content = results.content
    lines = [
        t(
            "polls.results.title" if results.final else "polls.results.title_open",
            id=results.poll.id,
            title=pick(content.title, lang),
        ),
        t("polls.results.indicative"),
    ]
    for qr in results.questions:
        q = content.question(qr.key)
        if q is None:
            continue
        if len(content.questions) > 1:
            lines.append("")
            lines.append(f"**{pick(q.text, lang)}**")
        if qr.total < MIN_GROUP:
            lines.append(t("polls.results.too_few"))
            continue
        lines.append(t("polls.results.answers", count=qr.total))
        if qr.overall.answered != qr.total:
            lines.append(t("polls.results.in_shares", count=qr.overall.answered))
        for o in q.options:
            n = qr.overall.counts.get(o.id, 0)
            lines.append(f"• {pick(o.text, lang)}: {n} ({_pct(qr.overall.share(o.id))})")
        if len(qr.places) > 1 or any(g.place == NO_PLACE for g in qr.places):
            lines.append(t("polls.results.per_place"))
            for g in qr.places:
                name = (
                    t("polls.results.no_place")
                    if g.place == NO_PLACE
                    else place_name(settings, g.place, lang)
                )
                if g.suppressed:
                    lines.append(t("polls.results.place_few", place=name))
                    continue
                top = sorted(q.options, key=_by_count(g))[:3]
                best = ", ".join(f"{pick(o.text, lang)} {_pct(g.share(o.id))}" for o in top)
                lines.append(t("polls.results.place", place=name, count=g.answered, top=best))
    if results.poll.outcome:
        lines.append("")
        lines.append(t("polls.results.outcome", text=results.poll.outcome))
    return "\n".join(lines)


EXPORT_FIELDS = (
    "poll_id",
    "kind",
    "template",
    "status",
    "opens_at",
    "closes_at",
    "question",
    "question_text",
    "place",
    "place_name",
    "option",
    "option_text",
    "count",
    "answered",
    "share",
    "suppressed",
)
NOTE = "indicative, not a representative sample; groups with fewer than 5 answers suppressed"


def export_rows(results: Results, settings: Settings, lang: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    poll = results.poll
    for qr in results.questions:
        q = results.content.question(qr.key)
        if q is None:
            continue
        for g in (qr.overall, *qr.places):
            for o in q.options:
                share = g.share(o.id)
                rows.append(
                    {
                        "poll_id": poll.id,
                        "kind": poll.kind,
                        "template": poll.template or "",
                        "status": "final" if results.final else "interim",
                        "opens_at": poll.opens_at.isoformat(),
                        "closes_at": poll.closes_at.isoformat(),
                        "question": q.key,
                        "question_text": pick(q.text, lang),
                        "place": g.place or "all",
                        "place_name": place_name(settings, g.place) or "all",
                        "option": o.id,
                        "option_text": pick(o.text, lang),
                        "count": None if g.suppressed else g.counts.get(o.id, 0),
                        "answered": None if g.suppressed else g.answered,
                        "share": None if share is None else round(share, 4),
                        "suppressed": g.suppressed,
                    }
                )
    return rows


def to_csv(results: Results, settings: Settings, lang: str) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in export_rows(results, settings, lang):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def to_json(results: Results, settings: Settings, lang: str) -> str:
    poll = results.poll
    doc = {
        "poll_id": poll.id,
        "title": pick(results.content.title, lang),
        "status": "final" if results.final else "interim",
        "answers": results.answers,
        "note": NOTE,
        "outcome": poll.outcome,
        "outcome_at": poll.outcome_at.isoformat() if poll.outcome_at else None,
        "rows": export_rows(results, settings, lang),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)
