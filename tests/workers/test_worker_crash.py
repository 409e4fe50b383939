"""Crashes: worker processes killed mid-job, on PostgreSQL and RabbitMQ, take effect once.

Each test runs ``python -m workers`` as real processes. The first one is told (through
SWITCHBOARD_TEST_PAUSE_AT) to stall at the worst moment and is killed there with SIGKILL; a
fresh one then finishes the work. RabbitMQ hands a dead consumer's unacknowledged message to
the next consumer at once, and the outbox keeps whatever the relay had not marked dispatched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.ingest import ingest_committed
from core.migrate import upgrade
from core.models import DeliveryStatus, EventType, Mailbox, Message, MessageDirection
from core.outbound import DELIVER_ACTOR
from tests.conftest import BACKENDS, create_postgres_database, drop_postgres_database, make_tenant
from tests.workers.conftest import RABBITMQ_URL, wait_until
from tests.workers.factories import (
    dispatch_states,
    events_of_type,
    get_message,
    inbound_email,
    queue_reply,
    receipts,
)
from workers.pause import RELAY_STEP

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]

REPO_ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 20.0


@dataclass
class WorkerProcess:
    """A ``python -m workers`` child; its output goes to a file the test can read."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def crash_database() -> Iterator[Database]:
    """A PostgreSQL database of this module's own, shared with the worker processes."""
    if "postgres" not in BACKENDS:
        pytest.skip("crash tests run on PostgreSQL")
    url = create_postgres_database()
    upgrade(url)
    database = Database(url, pool_size=2)
    yield database
    database.dispose()
    drop_postgres_database(url)


class WorkerLauncher:
    """Starts worker processes on one database and one set of queues."""

    def __init__(self, database: Database, namespace: str, directory: Path) -> None:
        self.database = database
        self.namespace = namespace
        self.directory = directory
        self.started: list[WorkerProcess] = []

    def start(self, name: str, *, pause_at: str | None = None) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": self.database.url,
            "BROKER_URL": RABBITMQ_URL,
            "BROKER_NAMESPACE": self.namespace,
            "VAR_DIR": str(self.directory / "var"),
            "WORKER_THREADS": "2",
            "RELAY_POLL_SECONDS": "0.1",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("SWITCHBOARD_TEST_PAUSE_AT", None)
        if pause_at is not None:
            env["SWITCHBOARD_TEST_PAUSE_AT"] = pause_at
        log_path = self.directory / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "workers"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(process, log_path)
        self.started.append(worker)
        return worker

    def outbound_files(self) -> list[str]:
        directory = self.directory / "var" / "outbound"
        return sorted(path.name for path in directory.iterdir()) if directory.exists() else []

    def kill_survivors(self) -> None:
        for worker in self.started:
            if worker.process.poll() is None:
                worker.kill()


@pytest.fixture
def launcher(
    crash_database: Database, rabbitmq_namespace: str, tmp_path: Path
) -> Iterator[WorkerLauncher]:
    """Worker processes on this test's own queues; any still running are killed afterwards."""
    launcher = WorkerLauncher(crash_database, rabbitmq_namespace, tmp_path)
    yield launcher
    launcher.kill_survivors()


def outbound_messages(database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> int:
    with database.tenant_session(tenant_id) as session:
        query = sa.select(sa.func.count()).where(
            col(Message.conversation_id) == conversation_id,
            col(Message.direction) == MessageDirection.OUTBOUND,
        )
        return int(session.execute(query).scalar_one())


@dataclass(frozen=True)
class PendingReply:
    """An agent's reply committed with its deliver job, not yet sent."""

    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    message_id: uuid.UUID
    job_id: uuid.UUID


def pending_reply(database: Database, customer: str) -> PendingReply:
    tenant = make_tenant(database)
    with database.tenant_unit(tenant.id) as session:
        # no SMTP server configured: the email adapter delivers to loopback files
        session.add(Mailbox(address=f"support@{tenant.slug}.example"))
    inbound = ingest_committed(database, inbound_email(tenant.id, customer, f"<{customer}>"))
    message_id, job_id = queue_reply(database, tenant.id, inbound.conversation_id, "Sorted")
    return PendingReply(tenant.id, inbound.conversation_id, message_id, job_id)


def assert_delivered_once(
    database: Database, reply: PendingReply, launcher: WorkerLauncher
) -> None:
    assert receipts(database, reply.tenant_id, reply.job_id) == 1
    message = get_message(database, reply.tenant_id, reply.message_id)
    assert message.delivery_status is DeliveryStatus.SENT
    assert message.external_id == f"loopback-{reply.message_id}"
    assert outbound_messages(database, reply.tenant_id, reply.conversation_id) == 1
    assert launcher.outbound_files() == [f"{reply.message_id}.json"]
    failed = events_of_type(
        database, reply.tenant_id, reply.conversation_id, EventType.DELIVERY_FAILED
    )
    assert failed == []


def wait_until_ready(worker: WorkerProcess) -> None:
    wait_until(
        lambda: "worker.started" in worker.output(),
        timeout=STEP_TIMEOUT,
        what="a worker to start",
        details=worker.output,
    )


def test_worker_killed_mid_delivery_delivers_exactly_once(
    crash_database: Database, launcher: WorkerLauncher
) -> None:
    database = crash_database
    reply = pending_reply(database, "ann@example.com")

    first = launcher.start("first", pause_at=DELIVER_ACTOR)
    wait_until(
        launcher.outbound_files, timeout=STEP_TIMEOUT, what="the first send", details=first.output
    )
    # The adapter has sent; the status and the receipt wait for a commit that will not come.
    assert receipts(database, reply.tenant_id, reply.job_id) == 0
    message = get_message(database, reply.tenant_id, reply.message_id)
    assert message.delivery_status is DeliveryStatus.QUEUED
    second = launcher.start("second")
    wait_until_ready(second)
    first.kill()
    assert "test.stalled" in first.output() and "delivery.sent" not in first.output()

    wait_until(
        lambda: receipts(database, reply.tenant_id, reply.job_id),
        timeout=STEP_TIMEOUT,
        what="the second worker to run the redelivered job",
        details=second.output,
    )
    assert second.stop() == 0
    assert_delivered_once(database, reply, launcher)
    # The broker handed the unacknowledged message on; the relay sent the job only once.
    assert dispatch_states(database, {reply.job_id}) == [(True, 1)]


def test_relay_killed_before_marking_resends_and_the_job_takes_effect_once(
    crash_database: Database, launcher: WorkerLauncher
) -> None:
    database = crash_database
    reply = pending_reply(database, "bob@example.com")

    first = launcher.start("first", pause_at=RELAY_STEP)
    wait_until(
        lambda: receipts(database, reply.tenant_id, reply.job_id),
        timeout=STEP_TIMEOUT,
        what="the first worker to run the job its relay sent",
        details=first.output,
    )
    second = launcher.start("second")
    wait_until_ready(second)
    # The stalled relay still holds its claim: the second relay skips the locked rows.
    assert dispatch_states(database, {reply.job_id}) == [(False, 0)]
    first.kill()

    def resent_and_skipped() -> bool:
        return any(
            "job.already_done" in line and str(reply.job_id) in line
            for line in second.output().splitlines()
        )

    wait_until(
        resent_and_skipped,
        timeout=STEP_TIMEOUT,
        what="the resent job to be recognised as done",
        details=second.output,
    )
    assert second.stop() == 0
    assert dispatch_states(database, {reply.job_id}) == [(True, 1)]
    assert_delivered_once(database, reply, launcher)
