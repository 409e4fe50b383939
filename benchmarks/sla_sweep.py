"""SLA sweep time on PostgreSQL: the same number of clocks coming due among few or many open.

The sweep finds what is due through partial indexes ordered by the due instant, so its cost
should follow the number coming due, not the number open: ``sla_sweep_s_small`` (among
100,000 open conversations; 10,000 with ``--quick``) and ``sla_sweep_s_large`` (1,000,000;
100,000) should be close. Each open conversation has a running resolution clock; ``due``
of them (10,000; 1,000 with ``--quick``) are past their warning and due instants, so a run
records a warning and a breach for each (two events, the conversation's first-breach time).

The rows are made with INSERT ... SELECT over generate_series (no ORM), then ANALYZE runs, as
a database in service has statistics.

    uv run python -m benchmarks.sla_sweep [--quick]
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from rich.console import Console

from benchmarks._support import emit, scratch_database
from core import tenants
from core.clock import utcnow
from core.db import Database
from core.logs import configure_logging
from core.sla.sweep import run_sla_sweep

CONVERSATIONS = """
INSERT INTO conversation (
    tenant_id, id, created_at, updated_at, number, contact_id, channel, subject, status, priority,
    tier, identity_verified, reopen_count, transfer_count, escalation_count, routing_state,
    required_skills, bounce_count, tiers_left, sla_at_risk, resolution_due_at
)
SELECT :tenant, gen_random_uuid(), :start, :start, n, :contact, 'email', 'Bench', 'open',
    'normal', 'l1', false, 0, 0, 0, 'unrouted', '{}'::jsonb, 0, '[]'::jsonb, false,
    CASE WHEN n <= :due THEN :due_at ELSE :later_due_at + n * interval '1 second' END
FROM generate_series(1, :open) AS n
"""
CLOCKS = """
INSERT INTO sla_clock (
    tenant_id, id, created_at, conversation_id, metric, level, target_seconds, warn_share,
    started_at, elapsed_seconds, running_since, due_at, warn_at
)
SELECT tenant_id, gen_random_uuid(), :start, id, 'resolution', 0, 86400, 0.8, :start, 0, :start,
    resolution_due_at, resolution_due_at - interval '4 hours'
FROM conversation WHERE tenant_id = :tenant
"""


def build(database: Database, *, open_count: int, due_count: int) -> uuid.UUID:
    """One tenant with ``open_count`` open conversations and clocks, ``due_count`` of them due."""
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(
            session, slug=f"sweep-{uuid.uuid4().hex[:8]}", name="Sweep bench"
        ).id
    now = utcnow()
    contact_id = uuid.uuid4()
    with database.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO contact (tenant_id, id, created_at, name, value_tier, attributes) "
                "VALUES (:tenant, :id, :now, 'Bench', 'standard', '{}')"
            ),
            {"tenant": tenant_id, "id": contact_id, "now": now},
        )
        connection.execute(
            sa.text(CONVERSATIONS),
            {
                "tenant": tenant_id,
                "start": now - timedelta(days=2),
                "contact": contact_id,
                "due": due_count,
                "due_at": now - timedelta(minutes=1),
                "later_due_at": now + timedelta(days=1),
                "open": open_count,
            },
        )
        connection.execute(sa.text(CLOCKS), {"tenant": tenant_id, "start": now - timedelta(days=2)})
        connection.execute(
            sa.text("UPDATE tenant SET conversation_seq = :n WHERE id = :tenant"),
            {"n": open_count, "tenant": tenant_id},
        )
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    database.engine.dispose()
    return tenant_id


def measure_sla_sweep(url: str, open_count: int, due_count: int) -> float:
    """Seconds one sweep takes to warn and breach ``due_count`` clocks among ``open_count``.

    ``url`` is a migrated PostgreSQL database the function may fill (a scratch one): it adds a
    tenant with its rows and leaves them there.
    """
    database = Database(url)
    try:
        build(database, open_count=open_count, due_count=due_count)
        run_sla_sweep(database, now=utcnow() - timedelta(days=30))  # warm the pool, plans
        started = time.perf_counter()
        counts = run_sla_sweep(database)
        elapsed = time.perf_counter() - started
    finally:
        database.dispose()
    if counts.get("breached", 0) < due_count or counts.get("warned", 0) < due_count:
        raise RuntimeError(f"the sweep recorded {counts}, expected {due_count} of each")
    return elapsed


def sla_sweep_figures(quick: bool, console: Console) -> dict[str, float | int]:
    """The issue's two sweep figures (and the sizes behind them), each on a fresh database."""
    small, large, due = (10_000, 100_000, 1_000) if quick else (100_000, 1_000_000, 10_000)
    figures: dict[str, float | int] = {"sla_sweep_due": due}
    for key, open_count in (("sla_sweep_s_small", small), ("sla_sweep_s_large", large)):
        with (
            console.status(f"SLA sweep: {due} due among {open_count} open"),
            scratch_database("postgresql") as database,
        ):
            figures[key] = round(measure_sla_sweep(database.url, open_count, due), 3)
        figures[key.replace("_s_", "_open_")] = open_count
    return figures


def main() -> None:
    configure_logging(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run, under a minute")
    args = parser.parse_args()
    emit(sla_sweep_figures(args.quick, Console(stderr=True)))


if __name__ == "__main__":
    main()
