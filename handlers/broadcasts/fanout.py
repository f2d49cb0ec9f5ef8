"""Sending a run's claimed deliveries: bounded concurrency, a transaction key derived from
each claim (``broadcast/<delivery id>``), the body stored with the claim, and a report to
the moderation room when the run is done.

Rate limits are the messenger's business: the Matrix messenger waits ``retry_after_ms``
and retries with the same transaction id, so a limit slows a fan-out down but never loses
or doubles a message. Any other failure is retried here up to ``max_attempts`` and then
counted as failed. A crash leaves unsent deliveries claimed; the next start sends them with
the same key and body, so the homeserver deduplicates one that was sent but not recorded."""

from __future__ import annotations

import asyncio
import logging

from bot.context import Services
from bot.messages import Outgoing
from handlers.broadcasts.render import footer
from handlers.broadcasts.verify import fingerprint
from storage import broadcasts as store
from storage import rooms
from storage.broadcasts import Counts, Delivery

log = logging.getLogger(__name__)

RETRY_DELAYS = (1.0, 4.0, 15.0)


def txn_key(delivery: Delivery) -> str:
    return f"broadcast/{delivery.run_id}/{delivery.id}"


def _fingerprint_texts(svc: Services, d: Delivery) -> list[str]:
    texts = [d.body]
    tail = "\n\n" + footer(svc, d.language)
    if d.body.endswith(tail):
        main = d.body.removesuffix(tail)
        texts.append(main)
        if d.items and d.items[0] == "digest":
            texts.extend(main.split("\n\n")[1:])
    return texts


class Progress:
    def __init__(self, run_id: int, total: int) -> None:
        self.run_id = run_id
        self.total = total
        self.done = 0
        self.step = max(10, total // 10)

    def tick(self) -> None:
        self.done += 1
        if self.done % self.step == 0 or self.done == self.total:
            log.info("broadcast run %d: %d/%d deliveries done", self.run_id, self.done, self.total)


class Fingerprints:
    """The keyed hashes of each distinct body of a run, computed and stored once."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.done: set[tuple[str, str]] = set()

    def new(self, d: Delivery) -> list[str]:
        key = (d.language, d.body)
        if key in self.done:
            return []
        self.done.add(key)
        return [fingerprint(self.svc, t) for t in _fingerprint_texts(self.svc, d)]


async def _deliver(
    svc: Services,
    d: Delivery,
    slots: asyncio.Semaphore,
    progress: Progress,
    prints: Fingerprints,
) -> None:
    settings = svc.settings.broadcasts
    attempt = d.attempts
    while True:
        async with slots:
            try:
                event_id = await svc.messenger.send(
                    Outgoing(room_id=d.room_id, text=d.body, txn_key=txn_key(d))
                )
            except Exception as exc:
                attempt += 1
                final = attempt >= settings.max_attempts
                log.warning(
                    "broadcast delivery %d (run %d) attempt %d failed (%s)%s",
                    d.id,
                    d.run_id,
                    attempt,
                    type(exc).__name__,
                    "; giving up" if final else "",
                )
                async with svc.db.transaction() as conn:
                    await store.mark_attempt(conn, d.id, svc.clock.now(), final=final)
                if final:
                    svc.metrics.delivery("failed")
                    progress.tick()
                    return
            else:
                now = svc.clock.now()
                async with svc.db.transaction() as conn:
                    await store.mark_sent(conn, d.id, event_id, now)
                    await store.add_fingerprints(conn, prints.new(d), now)
                svc.metrics.delivery("sent")
                progress.tick()
                return
        await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1])


async def fan_out(svc: Services, run_id: int) -> Counts:
    """Send every claimed delivery of ``run_id``, finish the run and post its report.
    Safe to call again for the same run (after a crash, or twice)."""
    async with svc.db.read() as conn:
        run = await store.run(conn, run_id)
        pending = await store.claimed(conn, run_id)
    if run is None:
        return Counts()
    if pending:
        log.info("broadcast run %d: sending %d deliveries", run_id, len(pending))
        slots = asyncio.Semaphore(svc.settings.broadcasts.concurrency)
        progress = Progress(run_id, len(pending))
        prints = Fingerprints(svc)
        await asyncio.gather(*(_deliver(svc, d, slots, progress, prints) for d in pending))
    async with svc.db.transaction() as conn:
        await store.finish_run(conn, run_id, svc.clock.now())
        counts = await store.counts(conn, run_id)
        run = await store.run(conn, run_id)
        room = await rooms.moderation_room(conn, svc.settings)
    if run is not None and not run.reported:
        if room is not None:
            await svc.messenger.send(
                Outgoing(
                    room_id=room, text=await report_text(svc, run, counts),
                    txn_key=f"broadcast-report/{run_id}",
                )
            )  # fmt: skip
        async with svc.db.transaction() as conn:
            await store.mark_reported(conn, run_id)
    log.info(
        "broadcast run %d done: %d delivered, %d retried, %d failed, %d skipped as unreadable",
        run_id,
        counts.sent,
        counts.retried,
        counts.failed,
        counts.skipped,
    )
    return counts


async def report_text(svc: Services, run: store.Run, counts: Counts) -> str:
    lang = svc.settings.moderation.language
    t = svc.catalog.t
    if run.adhoc_id is not None:
        what = t(lang, "moderation_broadcasts.report_adhoc", id=run.adhoc_id)
    elif run.slot.startswith("manual:"):
        what = t(lang, "moderation_broadcasts.report_manual", id=run.schedule_id)
    else:
        what = t(lang, "moderation_broadcasts.report_slot", id=run.schedule_id, slot=run.slot)
    return t(
        lang,
        "moderation_broadcasts.report",
        what=what,
        run=run.id,
        sent=counts.sent,
        retried=counts.retried,
        failed=counts.failed,
        skipped=counts.skipped,
        total=counts.total,
    )
