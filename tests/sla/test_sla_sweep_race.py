"""Two sweeps at once on PostgreSQL: every warning, breach and breach action happens once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import ConversationEvent, EventType, OutboxJob
from core.sla.notify import NOTIFY_LEAD_ACTOR
from core.sla.sweep import run_sla_sweep
from tests.conftest import TenantHandle
from tests.sla.factories import conversation, policy

CONVERSATIONS = 120


@pytest.mark.postgres_only
def test_two_racing_sweeps_record_each_warning_and_breach_once(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, resolution_seconds=3600, breach_actions=["notify_lead"])
    opened = datetime(2001, 1, 1, 9, tzinfo=UTC)  # long before any other test's clocks
    ids = [conversation(database, tenant.id, at=opened) for _ in range(CONVERSATIONS)]
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def sweep() -> None:
        start.wait()
        results.append(run_sla_sweep(database, now=opened + timedelta(hours=2), batch_size=7))

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(results) == 2
    # Clocks a racer found locked by the other past its retries are left for the next run.
    results.append(run_sla_sweep(database, now=opened + timedelta(hours=2)))
    assert sum(r.get("breached", 0) for r in results) == CONVERSATIONS
    assert sum(r.get("warned", 0) for r in results) == CONVERSATIONS
    with database.tenant_unit(tenant.id) as session:
        events = session.execute(
            sa.select(col(ConversationEvent.conversation_id), col(ConversationEvent.type)).where(
                col(ConversationEvent.type).in_([EventType.SLA_WARNED, EventType.SLA_BREACHED])
            )
        ).all()
        notices = session.execute(
            sa.select(sa.func.count()).where(col(OutboxJob.actor) == NOTIFY_LEAD_ACTOR)
        ).scalar_one()
    per_conversation = Counter(events)
    assert set(per_conversation.values()) == {1}
    assert len(per_conversation) == 2 * CONVERSATIONS
    assert {cid for cid, _ in per_conversation} == set(ids)
    assert notices == CONVERSATIONS
