"""Workers inside this process: the outbox relay and a Dramatiq worker sharing one broker.

With the default in-process StubBroker this is the embedded deployment (``switchboard serve``
without BROKER_URL): jobs run on threads next to the API. Given a real broker it is one worker
process among many (``workers.process.run_worker_process``).
"""

from __future__ import annotations

import time

import dramatiq
import sqlalchemy as sa
from dramatiq.brokers.stub import StubBroker
from sqlmodel import col

from core.db import Database, use_database
from core.models.outbox import OutboxJob
from workers import kpi_actors, routing_actors, sla_actors, social_actors, voice_actors
from workers.broker import make_broker
from workers.periodic import PeriodicTask, Scheduler
from workers.relay import OutboxRelay

WORKER_IDLE_TIMEOUT_MS = 250
IDLE_CHECK_SECONDS = 0.02


ALL_PERIODIC: tuple[PeriodicTask, ...] = (
    *routing_actors.PERIODIC,
    *sla_actors.PERIODIC,
    *voice_actors.PERIODIC,
    *social_actors.PERIODIC,
    *kpi_actors.PERIODIC,
)


class EmbeddedWorkers:
    """Relay plus worker threads; ``start``/``stop`` them together.

    Actors find their database through ``core.db.get_database()``, so ``start`` installs
    ``database`` as the process's.
    """

    def __init__(
        self,
        database: Database,
        *,
        threads: int,
        broker: dramatiq.Broker | None = None,
        relay_batch_size: int | None = None,
        relay_poll_seconds: float | None = None,
        periodic: tuple[PeriodicTask, ...] = ALL_PERIODIC,
    ) -> None:
        self.database = database
        self.broker = broker if broker is not None else make_broker(None)
        self.worker = dramatiq.Worker(
            self.broker, worker_threads=threads, worker_timeout=WORKER_IDLE_TIMEOUT_MS
        )
        self.relay = OutboxRelay(
            database, self.broker, batch_size=relay_batch_size, poll_seconds=relay_poll_seconds
        )
        self.scheduler = Scheduler(database, periodic)

    def start(self) -> None:
        use_database(self.database)
        self.worker.start()
        self.relay.start()
        self.scheduler.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop relaying, then let jobs in progress finish (up to ``timeout``) and stop."""
        self.scheduler.stop(timeout)
        self.relay.stop(timeout)
        self.worker.stop(timeout=int(timeout * 1000))

    def join_idle(self, timeout: float) -> None:
        """Wait until no job this broker can run is undispatched and its queues are drained.

        Exact with the StubBroker (a message counts until its actor has finished); with a real
        broker it only sees messages still waiting in the queues. Raises TimeoutError.
        """
        deadline = time.monotonic() + timeout
        while True:
            if self._undispatched() == 0:
                self._join_queues(deadline)
                if self._undispatched() == 0:  # actors may have enqueued follow-up jobs
                    return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"workers not idle after {timeout} s")
            time.sleep(IDLE_CHECK_SECONDS)

    def _undispatched(self) -> int:
        with self.database.system_session() as session:
            query = (
                sa.select(sa.func.count())
                .select_from(OutboxJob)
                .where(
                    col(OutboxJob.dispatched_at).is_(None),
                    col(OutboxJob.actor).in_(self.broker.get_declared_actors()),
                )
            )
            return int(session.execute(query).scalar_one())

    def _join_queues(self, deadline: float) -> None:
        delay_queues = self.broker.get_declared_delay_queues()
        for queue_name in sorted(self.broker.get_declared_queues() - delay_queues):
            remaining_ms = max(1, int((deadline - time.monotonic()) * 1000))
            try:
                if isinstance(self.broker, StubBroker):
                    self.broker.join(queue_name, timeout=remaining_ms, fail_fast=False)
                else:
                    self.broker.join(queue_name, timeout=remaining_ms)
            except dramatiq.errors.QueueJoinTimeout as exc:
                raise TimeoutError(f"queue {queue_name} still busy") from exc
