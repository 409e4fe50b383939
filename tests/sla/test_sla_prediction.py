"""Breach prediction: a deep queue with few agents is flagged before the warning would be."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from core import queues, users
from core.db import Database
from core.models import Channel, EventType, Role, Tier
from core.models.agent_status import PresenceState
from core.models.conversation import Conversation
from core.models.sla import SlaMetric, SlaPrediction
from core.routing import presence, waiting
from core.sla import hooks
from core.sla.prediction import PRIOR_PER_AGENT_HOUR, accuracy, run_breach_prediction
from core.sla.sweep import run_sla_sweep
from tests.api.factories import API
from tests.conftest import TenantHandle
from tests.sla.factories import conversation, events_of, only_clock, policy, unique

DEPTH = 12


def _agents(database: Database, tenant: TenantHandle, count: int, at: datetime) -> list[uuid.UUID]:
    with database.tenant_unit(tenant.id) as session:
        ids = []
        for _ in range(count):
            agent = users.create_user(
                session, email=f"{unique('agent')}@example.com", name="Agent",
                roles=[Role.AGENT], tier=Tier.L1,
            )  # fmt: skip
            presence.set_presence(session, agent_id=agent.id, state=PresenceState.AVAILABLE, at=at)
            ids.append(agent.id)
        return ids


def _flags(database: Database, tenant: TenantHandle, ids: list[uuid.UUID]) -> list[bool]:
    with database.tenant_unit(tenant.id) as session:
        flags = dict(
            session.execute(
                sa.select(col(Conversation.id), col(Conversation.sla_at_risk)).where(
                    col(Conversation.id).in_(ids)
                )
            ).all()
        )
    return [flags[cid] for cid in ids]


@pytest.fixture
def line(database: Database, tenant: TenantHandle) -> tuple[datetime, list[uuid.UUID]]:
    """Twelve mails waiting in one queue, oldest first, each owed an answer within the hour."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    policy(database, tenant.id, first_response_seconds=3600)  # warns at 48 minutes
    with database.tenant_unit(tenant.id) as session:
        queue_id = queues.create_queue(session, name=unique("mail"), channels=[Channel.EMAIL]).id
    ids = [conversation(database, tenant.id, at=start, queue_id=queue_id) for _ in range(DEPTH)]
    with database.tenant_unit(tenant.id) as session:
        for place, cid in enumerate(ids):
            waiting.make_waiting(
                session, conversation_id=cid, queue_id=queue_id, at=start + timedelta(seconds=place)
            )
    return start, ids


def test_a_deep_queue_with_one_agent_is_flagged_at_risk_before_the_warning_threshold(
    database: Database, tenant: TenantHandle, line: tuple[datetime, list[uuid.UUID]]
) -> None:
    start, ids = line
    _agents(database, tenant, 1, start)
    now = start + timedelta(seconds=DEPTH)
    assert PRIOR_PER_AGENT_HOUR[Channel.EMAIL] == 4.0  # no history yet: the prior rate
    run_breach_prediction(database, now=now)

    # One agent at 4 an hour answers the k-th in line after (k + 1) * 15 minutes: from the
    # fourth on (k >= 3 ends at 60 minutes plus the 12 s they waited) that is after the hour.
    assert _flags(database, tenant, ids) == [False] * 3 + [True] * (DEPTH - 3)
    flagged = [cid for cid in ids if events_of(database, tenant.id, cid, EventType.SLA_AT_RISK)]
    assert flagged == ids[3:]
    fourth = only_clock(database, tenant.id, ids[3], SlaMetric.FIRST_RESPONSE)
    assert fourth.warn_at is not None and now < fourth.warn_at  # flagged before the warning
    assert fourth.at_risk_since == now
    assert fourth.predicted_answer_at == now + timedelta(hours=1)

    run_breach_prediction(database, now=now + timedelta(seconds=10))  # nothing material moved
    with database.tenant_unit(tenant.id) as session:
        stored = session.execute(sa.select(sa.func.count()).select_from(SlaPrediction)).scalar_one()
    assert stored == DEPTH
    assert [len(events_of(database, tenant.id, c, EventType.SLA_AT_RISK)) for c in ids[3:]] == [
        1
    ] * (DEPTH - 3)

    _agents(database, tenant, 3, now)  # four agents now: the last is answered in 45 minutes
    run_breach_prediction(database, now=now + timedelta(minutes=1))
    assert _flags(database, tenant, ids) == [False] * DEPTH


def test_accuracy_counts_flags_that_breached_and_breaches_that_were_flagged(
    api: httpx.Client,
    database: Database,
    tenant: TenantHandle,
    line: tuple[datetime, list[uuid.UUID]],
) -> None:
    start, ids = line
    _agents(database, tenant, 1, start)
    run_breach_prediction(database, now=start + timedelta(seconds=DEPTH))  # flags ids[3:]
    unseen = conversation(database, tenant.id, at=start)  # never in line: never forecast
    with database.tenant_unit(tenant.id) as session:
        for cid in ids[:5]:  # answered in time: three safe, two flagged in vain
            hooks.agent_replied(session, conversation_id=cid, at=start + timedelta(minutes=20))
    run_sla_sweep(database, now=start + timedelta(hours=2))  # ids[5:] and ``unseen`` breach

    with database.tenant_unit(tenant.id) as session:
        result = accuracy(session, since=start - timedelta(minutes=1))
    assert result.counts == {
        "flagged": 9,
        "flagged_decided": 9,
        "flagged_and_breached": 7,
        "flagged_not_breached": 2,
        "breaches": 8,
        "breaches_flagged": 7,
        "breaches_missed": 1,
    }
    assert result.precision == pytest.approx(7 / 9)
    assert result.recall == pytest.approx(7 / 8)
    assert only_clock(database, tenant.id, unseen, SlaMetric.FIRST_RESPONSE).breached_at

    since = (start - timedelta(minutes=1)).isoformat()
    body = api.get(f"{API}/sla/predictions/accuracy", params={"since": since}).json()
    assert body["counts"] == result.counts and body["recall"] == pytest.approx(7 / 8)
