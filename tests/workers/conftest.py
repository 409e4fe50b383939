"""Fixtures for worker tests: loopback adapters, embedded workers, namespaces on real brokers."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pika
import pytest
import redis

from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter
from core.db import Database, use_database
from core.models import Channel
from tests.workers.factories import running_workers
from workers.actors import ACTORS
from workers.embedded import EmbeddedWorkers


@pytest.fixture(autouse=True)
def outbound_dir(tmp_path: Path) -> Path:
    """Where this test's replies land: every channel served by a loopback adapter."""
    directory = tmp_path / "outbound"
    for channel in Channel:
        register_adapter(LoopbackAdapter(channel, directory))
    return directory


@pytest.fixture
def installed_database(database: Database) -> Iterator[Database]:
    """The test database installed as the process's, as actors look it up."""
    use_database(database)
    yield database
    use_database(None)


@pytest.fixture
def embedded(installed_database: Database, outbound_dir: Path) -> Iterator[EmbeddedWorkers]:
    """Running embedded workers that have already done what earlier tests left in the outbox,
    so that what the test sees (files, dead letters) is its own work."""
    with running_workers(installed_database) as workers:
        workers.join_idle(30)
        workers.broker.flush_all()
        shutil.rmtree(outbound_dir, ignore_errors=True)
        yield workers


RABBITMQ_URL = os.environ.get("SWITCHBOARD_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")
REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _queue_names(namespace: str) -> list[str]:
    return [f"{namespace}.{spec.queue}{suffix}" for spec in ACTORS for suffix in ("", ".DQ", ".XQ")]


@pytest.fixture
def rabbitmq_namespace() -> Iterator[str]:
    """A queue-name prefix of this test's own on the shared RabbitMQ; its queues go afterwards."""
    namespace = f"sbtest-{uuid.uuid4().hex[:12]}"
    yield namespace
    connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    channel = connection.channel()
    for queue_name in _queue_names(namespace):
        channel.queue_delete(queue_name)
    connection.close()


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    """A queue-name prefix of this test's own on the shared Redis; its keys go afterwards."""
    namespace = f"sbtest-{uuid.uuid4().hex[:12]}"
    yield namespace
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"dramatiq:*{namespace}*"):
        client.delete(key)
    client.close()


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    details: Callable[[], str] | None = None,
) -> None:
    """Poll ``condition`` until it is truthy; after ``timeout`` seconds fail, naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            extra = f"\n{details()}" if details is not None else ""
            pytest.fail(f"timed out after {timeout} s waiting for {what}{extra}")
        time.sleep(0.02)
