"""The outbox relay: moves committed jobs from the outbox table to the broker.

At least once, never lost: a job is marked dispatched in the transaction that claimed it, only
after the broker accepted it, so a crash in between leaves it undispatched and the next relay
sends it again (the actor's receipt check absorbs the twin). On PostgreSQL claims take
``FOR UPDATE SKIP LOCKED``, so relays in several processes share the work without sending a
job twice; on SQLite the database's single writer lock serializes them.
"""

from __future__ import annotations

import threading

import dramatiq
import structlog

from core import outbox
from core.clock import utcnow
from core.db import Database
from core.metrics import OUTBOX_DISPATCH_DELAY, OUTBOX_DISPATCHED
from core.outbox import PendingJob
from core.settings import get_settings
from workers.pause import RELAY_STEP, stall_for_crash_test

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0

log = structlog.get_logger(__name__)


def relay_once(database: Database, broker: dramatiq.Broker, *, batch_size: int) -> int:
    """Send one batch of undispatched jobs to the broker and mark them; returns how many.

    Only jobs whose actor the broker declares are claimed. If the broker fails mid-batch, the
    jobs it accepted before are still marked (and committed) and the error is raised after.
    """
    failure: Exception | None = None
    with database.system_unit() as session:
        jobs = outbox.claim_pending(session, limit=batch_size, actors=broker.get_declared_actors())
        sent: list[PendingJob] = []
        for job in jobs:
            try:
                broker.enqueue(_message_for(broker, job))
            except Exception as exc:
                failure = exc
                break
            sent.append(job)
        if sent:
            stall_for_crash_test(RELAY_STEP)
        outbox.mark_dispatched(session, sent)
    if failure is not None:
        raise failure
    if sent:
        now = utcnow()
        for job in sent:
            OUTBOX_DISPATCHED.labels(job.actor).inc()
            OUTBOX_DISPATCH_DELAY.observe((now - job.created_at).total_seconds())
        log.debug("relay.dispatched", count=len(sent))
    return len(sent)


def _message_for(broker: dramatiq.Broker, job: PendingJob) -> dramatiq.Message[None]:
    """The Dramatiq message for a job: ``(job_id, tenant_id, payload)`` to the job's actor."""
    actor = broker.get_actor(job.actor)
    message: dramatiq.Message[None] = actor.message(str(job.id), str(job.tenant_id), job.payload)
    return message


class OutboxRelay:
    """Runs ``relay_once`` in a daemon thread until stopped.

    When a batch comes back short it waits for ``outbox.notify_relay`` or the poll interval;
    database and broker errors are logged and retried with exponential backoff, never fatal.
    """

    def __init__(
        self,
        database: Database,
        broker: dramatiq.Broker,
        *,
        batch_size: int | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        settings = get_settings()
        self.database = database
        self.broker = broker
        self.batch_size = batch_size or settings.relay_batch_size
        self.poll_seconds = settings.relay_poll_seconds if poll_seconds is None else poll_seconds
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the relay is running already")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the batch in hand finish, then end the thread."""
        self._stopping.set()
        outbox.notify_relay()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        log.info("relay.started", batch_size=self.batch_size, poll_seconds=self.poll_seconds)
        failures = 0
        while not self._stopping.is_set():
            try:
                dispatched = relay_once(self.database, self.broker, batch_size=self.batch_size)
            except Exception:
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (failures - 1))
                log.exception("relay.failed", failures=failures, retry_in_seconds=delay)
                self._stopping.wait(delay)
                continue
            if failures:
                log.info("relay.recovered", after_failures=failures)
                failures = 0
            if dispatched < self.batch_size:
                outbox.wait_for_jobs(self.poll_seconds)
        log.info("relay.stopped")
