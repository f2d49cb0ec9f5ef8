"""Fan-out of one fraud warning to 200 neighbourhood rooms on a real Synapse: Tryggbot's
broadcast fan-out (claims in SQLite, bounded concurrency, rate-limit handling) against a
bare sequential matrix-nio send loop on the same homeserver, in the same run.

Two conditions, set for the bot account with Synapse's admin API
(``/_synapse/admin/v1/users/<id>/override_ratelimit``):

1. limits lifted (``0, 0``: no limit at all);
2. a strict limit (``--strict-rate`` messages per second, burst ``--strict-burst``).

In each round the bare loop sends one notice per room and Tryggbot fans out one run of a
schedule to the same rooms (who goes first alternates between rounds). Afterwards one sync
counts, per room, Tryggbot's warnings: "exactly once" means every room holds exactly one
per run. With limits lifted, bare nio sends ``matrix.send_concurrency`` at a time and no
bookkeeping give the homeserver's bound: once with a short notice, once with the very
content Tryggbot sent (its HTML warning is heavier for Synapse than a one-line notice).
Prints figures; asserts nothing.
Goal: Tryggbot <= 0.5x the loop's time with limits lifted; 200/200 exactly once under the
strict limit.

Synapse keeps its data in SQLite by default; ``--postgres`` runs it on a throwaway
PostgreSQL cluster instead (`devtools.postgres.LocalPostgres`: the server binaries of the
machine, default settings; needs ``psycopg2``, which the dev extra brings).

Run: ``.venv/bin/python bench/broadcast.py [--rooms 200] [--strict-rate 10] [--postgres]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import logging
import secrets
import statistics
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import nio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli import open_matrix  # noqa: E402
from bot.matrix.convert import message_content  # noqa: E402
from bot.matrix.session import Credentials  # noqa: E402
from bot.messages import Outgoing  # noqa: E402
from config.base import EXAMPLE_PATH  # noqa: E402
from config.settings import Secrets, parse_settings  # noqa: E402
from devtools.homeserver import LocalSynapse, RegisteredUser, free_port  # noqa: E402
from devtools.postgres import LocalPostgres  # noqa: E402
from handlers.broadcasts import fanout, plan, runtime_of  # noqa: E402
from storage import broadcasts as store  # noqa: E402

CONFIG = nio.AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False)


class RateLimitCounter(logging.Handler):
    """Counts the transport's "rate limited; retry" log lines (429 answers waited out)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "rate limited" in record.getMessage():
            self.count += 1


def _client(server: LocalSynapse, user: RegisteredUser) -> nio.AsyncClient:
    client = nio.AsyncClient(server.base_url, user.user_id, device_id=user.device_id, config=CONFIG)
    client.restore_login(user.user_id, user.device_id, user.access_token)
    return client


async def bare_loop(
    client: nio.AsyncClient,
    rooms: list[str],
    marker: str,
    contents: dict[str, dict[str, Any]] | None = None,
) -> tuple[float, int]:
    """The reference: one ``room_send`` after the other (nio retries 429s itself), of a short
    notice or, with ``contents``, of what Tryggbot sends to each room."""
    t0 = time.perf_counter()
    ok = 0
    for room in rooms:
        content = {"msgtype": "m.notice", "body": f"{marker} reference"}
        if contents is not None:
            content = contents[room]
        resp = await client.room_send(room, "m.room.message", content)
        ok += isinstance(resp, nio.RoomSendResponse)
    return time.perf_counter() - t0, ok


async def bare_concurrent(
    client: nio.AsyncClient,
    rooms: list[str],
    marker: str,
    at_once: int,
    contents: dict[str, dict[str, Any]] | None = None,
) -> float:
    """An upper bound for the homeserver: bare nio sends, ``at_once`` in flight, no
    bookkeeping at all (not exactly-once safe: a crash would lose track). ``contents``:
    per room, what to send instead of a short plain notice."""
    slots = asyncio.Semaphore(at_once)

    async def one(room: str) -> None:
        content = {"msgtype": "m.notice", "body": f"{marker} parallel"}
        if contents is not None:
            content = contents[room]
        async with slots:
            await client.room_send(room, "m.room.message", content)

    t0 = time.perf_counter()
    await asyncio.gather(*(one(r) for r in rooms))
    return time.perf_counter() - t0


async def tryggbot_run(svc: Any, schedule_id: int, key: str) -> tuple[float, float, Any, int]:
    """Claim one run of the schedule (plan) and fan it out; return both times, the counts
    and the run's id."""
    rt = runtime_of(svc)
    async with svc.db.read() as conn:
        sched = await store.schedule(conn, schedule_id)
    assert sched is not None
    t0 = time.perf_counter()
    run_id = await plan.start_manual(svc, rt.catalogue(svc), sched, key)
    assert run_id is not None
    t1 = time.perf_counter()
    counts = await fanout.fan_out(svc, run_id)
    return t1 - t0, time.perf_counter() - t1, counts, run_id


async def warning_contents(svc: Any, run_id: int, marker: str) -> dict[str, dict[str, Any]]:
    """Per room, the content Tryggbot sent in run ``run_id`` (HTML, mentions: the same
    size), its first line changed so that it is not counted as one of Tryggbot's."""
    async with svc.db.read() as conn:
        sent = await store.deliveries(conn, run_id)
    contents = {}
    for d in sent:
        content = message_content(Outgoing(room_id=d.room_id, text=d.body))
        content["body"] = f"{marker} same content\n" + content["body"]
        contents[d.room_id] = content
    return contents


async def count_notices(
    client: nio.AsyncClient, rooms: list[str], nonce: int
) -> Counter[tuple[str, str]]:
    """(room, body prefix) -> how many notices, from one full (initial) sync. ``nonce``
    varies the filter: Synapse caches identical initial syncs for a while."""
    client.next_batch = None  # not incremental: everything the rooms hold
    resp = await client.sync(
        timeout=0, full_state=True, sync_filter={"room": {"timeline": {"limit": 100 + nonce}}}
    )
    assert isinstance(resp, nio.SyncResponse), resp
    seen: Counter[tuple[str, str]] = Counter()
    wanted = set(rooms)
    for room_id, info in resp.rooms.join.items():
        if room_id not in wanted:
            continue
        for event in info.timeline.events:
            content = event.source.get("content", {})
            if content.get("msgtype") == "m.notice":
                seen[(room_id, content.get("body", "").split("\n")[0][:40])] += 1
    return seen


async def main(
    n_rooms: int,
    strict_rate: int,
    strict_burst: int,
    concurrency: int,
    lifted_rounds: int,
    postgres: bool,
) -> None:
    logging.getLogger("nio").setLevel(logging.ERROR)  # nio logs every 429 it waits out
    async with contextlib.AsyncExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="tryggbot-bench-"))
        base = Path(tmp)
        database = None
        if postgres:
            pg = await stack.enter_async_context(LocalPostgres(port=free_port()))
            database = pg.synapse_database()
            print(f"Synapse's database: {pg.describe()}")
        else:
            print("Synapse's database: SQLite (homeserver.db)")
        server = LocalSynapse(base / "synapse", port=free_port(), database=database)
        await stack.enter_async_context(server)
        await run(server, base, n_rooms, strict_rate, strict_burst, concurrency, lifted_rounds)


async def run(
    server: LocalSynapse,
    base: Path,
    n_rooms: int,
    strict_rate: int,
    strict_burst: int,
    concurrency: int,
    lifted_rounds: int,
) -> None:
    tag = secrets.token_hex(3)
    admin = await server.register(f"admin-{tag}", secrets.token_urlsafe(12), admin=True)
    bot_user = await server.register(f"tryggbot-{tag}", secrets.token_urlsafe(12))
    reference = _client(server, bot_user)  # the same account, its own device
    rooms = []
    for i in range(n_rooms):
        resp = await reference.room_create(preset=nio.RoomPreset.public_chat, name=f"R{i}")
        assert isinstance(resp, nio.RoomCreateResponse), resp
        rooms.append(str(resp.room_id))

    data: dict[str, Any] = tomllib.loads(EXAMPLE_PATH.read_text("utf-8"))
    data["matrix"].update(homeserver=server.base_url, user_id=bot_user.user_id)
    data["broadcasts"]["schedules"] = []
    # Compared with a loop that does not encrypt; the rooms here are unencrypted.
    data["encryption"]["enabled"] = False
    if concurrency:
        data["broadcasts"]["concurrency"] = concurrency
        data["matrix"]["send_concurrency"] = concurrency
    data["rooms"] = [
        {"id": r, "locality": "varnamo", "language": "sv" if i % 2 == 0 else "en"}
        for i, r in enumerate(rooms)
    ]
    settings = parse_settings(data)
    runtime = await open_matrix(
        settings,
        Secrets(pseudonym_key=b"bench-pseudonym-key-0123456789"),
        Credentials(password=bot_user.password),
        base_dir=base,
        db_path=base / "bot.sqlite3",
    )
    svc = runtime.app.svc
    limited = RateLimitCounter()
    logging.getLogger("bot.matrix.transport").addHandler(limited)
    logging.getLogger("bot.matrix.transport").setLevel(logging.INFO)
    async with svc.db.transaction() as conn:
        schedule_id = await store.add_schedule(
            conn, cron="0 10 * * tue", target="rooms", topic=None, created_by="bench",
            now=svc.clock.now(),
        )  # fmt: skip
    print(
        f"Synapse {server.base_url}: {n_rooms} rooms; Tryggbot broadcasts.concurrency="
        f"{settings.broadcasts.concurrency}, matrix.send_concurrency="
        f"{settings.matrix.send_concurrency}"
    )
    try:
        sent_runs = 0
        for label, rate, burst, rounds in (
            ("limits lifted", 0, 0, lifted_rounds),
            (f"strict limit {strict_rate}/s, burst {strict_burst}", strict_rate, strict_burst, 1),
        ):
            await server.override_ratelimit(admin.access_token, bot_user.user_id, rate, burst)
            print(f"\n{label}")
            ratios = []
            same_ratios = []
            if not rate and not sent_runs:  # what Tryggbot sends, for a loop of the same
                *_, run_id = await tryggbot_run(svc, schedule_id, f"warm-{tag}")
                sent_runs += 1
            for i in range(rounds):
                marker = f"run-{secrets.token_hex(2)}"
                before = limited.count
                # Alternate who goes first, so warm caches favour neither.
                order = ("loop", "bot") if i % 2 == 0 else ("bot", "loop")
                for who in order:
                    if rate:
                        await asyncio.sleep(burst / rate + 1)  # start with a full bucket
                    if who == "loop":
                        ref_time, ref_ok = await bare_loop(reference, rooms, marker)
                        if not rate:  # the same loop, sending Tryggbot's last warning
                            same_time, _ = await bare_loop(
                                reference,
                                rooms,
                                marker,
                                await warning_contents(svc, run_id, f"{marker} loop"),
                            )
                    else:
                        plan_time, send_time, counts, run_id = await tryggbot_run(
                            svc, schedule_id, marker
                        )
                sent_runs += 1
                total = plan_time + send_time
                ratios.append(total / ref_time)
                same = ""
                if not rate:
                    same_ratios.append(total / same_time)
                    same = (
                        f"; the loop sending Tryggbot's warning content {same_time:6.2f} s, "
                        f"ratio {total / same_time:.2f}x"
                    )
                print(
                    f"  round {i + 1}: bare sequential nio loop {ref_time:6.2f} s "
                    f"({n_rooms / ref_time:4.0f} rooms/s, delivered {ref_ok}/{n_rooms}); "
                    f"Tryggbot {total:6.2f} s ({n_rooms / total:4.0f} rooms/s; claims "
                    f"{plan_time:.2f} s, delivered {counts.sent}/{n_rooms}, failed "
                    f"{counts.failed}, 429s waited out {limited.count - before}); "
                    f"ratio {total / ref_time:.2f}x{same}"
                )
            seen = await count_notices(reference, rooms, sent_runs)
            ref_once = sum(1 for r in rooms if seen[(r, f"{marker} reference")] == 1)
            bot_per_room: Counter[str] = Counter()
            for (room, prefix), k in seen.items():
                if prefix.startswith("⚠️") and room in rooms:
                    bot_per_room[room] += k
            exact = sum(1 for r in rooms if bot_per_room[r] == sent_runs)
            print(f"  median ratio Tryggbot / loop: {statistics.median(ratios):.2f}x")
            if same_ratios:
                print(
                    "  median ratio Tryggbot / the loop sending the same content: "
                    f"{statistics.median(same_ratios):.2f}x (goal <= 0.5x)"
                )
            if not rate:
                at_once = settings.matrix.send_concurrency
                par = await bare_concurrent(reference, rooms, marker, at_once)
                same = await bare_concurrent(
                    reference, rooms, marker, at_once, await warning_contents(svc, run_id, marker)
                )
                print(
                    f"  homeserver bound: bare nio, {at_once} at once, no bookkeeping: "
                    f"{par:.2f} s ({par / ref_time:.2f}x the last loop); sending Tryggbot's "
                    f"warning content instead of a short notice: {same:.2f} s "
                    f"({same / ref_time:.2f}x)"
                )
            print(
                f"  exactly once per room after {sent_runs} run(s): Tryggbot {exact}/{n_rooms}, "
                f"loop (last round) {ref_once}/{n_rooms}"
            )
    finally:
        await reference.close()
        await runtime.transport.close()
        await runtime.app.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--strict-rate", type=int, default=10)
    parser.add_argument("--strict-burst", type=int, default=10)
    parser.add_argument(
        "--concurrency",
        type=int,
        default=0,
        help="set broadcasts.concurrency and matrix.send_concurrency (default: the config's)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="rounds with limits lifted")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="run Synapse on a throwaway PostgreSQL cluster instead of SQLite",
    )
    args = parser.parse_args()
    if args.postgres and importlib.util.find_spec("psycopg2") is None:
        sys.exit("--postgres needs psycopg2 for Synapse: pip install -e '.[dev]'")
    asyncio.run(
        main(
            args.rooms,
            args.strict_rate,
            args.strict_burst,
            args.concurrency,
            args.rounds,
            args.postgres,
        )
    )
