"""Messages per second through ``ingest``, one message per transaction, as webhooks arrive.

Beside it, the rate of a bare single-row INSERT + COMMIT of the same message row through the
same engine on the same database: the ratio says what contact resolution, threading, events
and the outbox cost on top of the one write nobody can avoid.

Workload: messages from a pool of senders (one in five messages is a sender's first, which
creates the contact and opens a conversation; the rest thread into the open one). Timing starts
on a database in service: a history of as many messages from other senders is ingested first,
untimed, then ANALYZE runs. (On empty tables without statistics PostgreSQL plans scans, and
those plans get slower with every row the run adds.)

    uv run python benchmarks/ingest.py [--quick]
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

import sqlalchemy as sa
from rich.progress import Progress

from benchmarks._support import emit, scratch_database
from core import tenants
from core.clock import utcnow
from core.db import Database
from core.ids import new_id
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.logs import configure_logging
from core.models import Channel, DeliveryStatus, IdentityKind, Message, MessageDirection


def make_messages(
    tenant_id: uuid.UUID, count: int, *, seed: int = 1, prefix: str = "customer"
) -> list[InboundMessage]:
    rng = random.Random(seed)
    senders = [f"{prefix}{i}@example.com" for i in range(max(1, count // 5))]
    return [
        InboundMessage(
            tenant_id=tenant_id,
            channel=Channel.EMAIL,
            sender_kind=IdentityKind.EMAIL,
            sender=rng.choice(senders),
            external_id=f"<{prefix}-{i}@example.com>",
            subject="My bill is wrong",
            text="Hello, I was charged twice for roaming this month. 这个月漫游被扣了两次费。",
        )
        for i in range(count)
    ]


def new_tenant(database: Database) -> uuid.UUID:
    with database.system_unit() as session:
        return tenants.create_tenant(session, slug=f"bench-{uuid.uuid4().hex[:8]}", name="Bench").id


def analyze(database: Database) -> None:
    """Give the planner statistics, then drop pooled connections and their cached plans."""
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    database.engine.dispose()


def ingest_rate(database: Database, count: int, progress: Progress) -> float:
    tenant_id = new_tenant(database)
    history = make_messages(tenant_id, count, seed=2, prefix="earlier")
    task = progress.add_task(f"history on {database.backend}", total=count)
    for message in history:
        ingest_committed(database, message)
        progress.advance(task)
    analyze(database)
    messages = make_messages(tenant_id, count)
    for message in messages[:20]:  # warm the connection pool and prepared statements
        ingest_committed(database, message)
    task = progress.add_task(f"ingest on {database.backend}", total=count - 20)
    started = time.perf_counter()
    for message in messages[20:]:
        ingest_committed(database, message)
        progress.advance(task)
    return (count - 20) / (time.perf_counter() - started)


def bare_insert_rate(database: Database, count: int, progress: Progress) -> float:
    """The floor: the same message row, inserted and committed alone."""
    tenant_id = new_tenant(database)
    seed = ingest_committed(database, make_messages(tenant_id, 1)[0])
    analyze(database)
    task = progress.add_task(f"bare insert on {database.backend}", total=count)
    statement = sa.insert(Message)
    started = time.perf_counter()
    for i in range(count):
        with database.engine.begin() as connection:
            connection.execute(
                statement,
                {
                    "tenant_id": tenant_id,
                    "id": new_id(),
                    "created_at": utcnow(),
                    "conversation_id": seed.conversation_id,
                    "direction": MessageDirection.INBOUND,
                    "channel": Channel.EMAIL,
                    "contact_identity_id": None,
                    "external_id": f"<bare-{i}@example.com>",
                    "text": "Hello, I was charged twice for roaming this month.",
                    "attachments": [],
                    "delivery_status": DeliveryStatus.RECEIVED,
                },
            )
        progress.advance(task)
    return count / (time.perf_counter() - started)


def main() -> None:
    configure_logging(level="INFO")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run, under a minute")
    parser.add_argument("--messages", type=int, default=None)
    args = parser.parse_args()
    count = args.messages or (600 if args.quick else 5000)
    figures: dict[str, float] = {}
    with Progress(transient=True) as progress:
        with scratch_database("sqlite") as sqlite_db:
            figures["ingest_per_s_sqlite"] = ingest_rate(sqlite_db, count, progress)
            figures["bare_insert_per_s_sqlite"] = bare_insert_rate(sqlite_db, count, progress)
        with scratch_database("postgresql") as pg_db:
            figures["ingest_per_s_postgres"] = ingest_rate(pg_db, count, progress)
            figures["bare_insert_per_s_postgres"] = bare_insert_rate(pg_db, count, progress)
    figures["ratio_postgres"] = (
        figures["ingest_per_s_postgres"] / figures["bare_insert_per_s_postgres"]
    )
    figures["ratio_sqlite"] = figures["ingest_per_s_sqlite"] / figures["bare_insert_per_s_sqlite"]
    figures["messages"] = count
    emit({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()})


if __name__ == "__main__":
    main()
