"""D15 end to end: an ordinary complaint breaches after 24 working hours and climbs the org tree."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import EventType, OutboxJob
from core.models.handoff import Handoff, HandoffKind
from core.models.sla import ClockOutcome, SlaMetric
from core.sla.notify import NOTIFY_LEAD_ACTOR
from core.sla.policies import install_default_policies
from core.sla.sweep import run_sla_sweep
from tests.conftest import TenantHandle
from tests.sla.factories import (
    clocks_of,
    conversation,
    events_of,
    get,
    office_calendar,
    org_tree,
    shanghai,
)

HOUR = 3600


def test_an_ordinary_complaint_breaches_after_24_working_hours_and_climbs_to_headquarters(
    database: Database, tenant: TenantHandle
) -> None:
    office_calendar(database, tenant.id)  # Monday to Friday, 09:00-18:00 in Shanghai
    with database.tenant_unit(tenant.id) as session:
        assert len(install_default_policies(session)) == 6
    with database.tenant_unit(tenant.id) as session:
        assert install_default_policies(session) == []  # the lead may call it on every seed
    tree = org_tree(database, tenant.id)
    thursday = shanghai(2026, 3, 5, 10)
    cid = conversation(
        database, tenant.id, at=thursday, category="complaint", queue_id=tree.site_queue
    )

    (site,) = clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)
    # 24 working hours: Thursday 10-18 (8 h), Friday 9-18 (9 h), the weekend off, Monday 9-16.
    assert site.target_seconds == 24 * HOUR
    assert site.due_at == shanghai(2026, 3, 9, 16)

    run_sla_sweep(database, now=site.due_at - timedelta(minutes=1))
    (site,) = clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert site.breached_at is None and get(database, tenant.id, cid).queue_id == tree.site_queue

    run_sla_sweep(database, now=site.due_at)
    site, region = clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert site.breached_at == site.due_at and site.outcome is ClockOutcome.BREACHED
    assert (region.level, region.target_seconds, region.stopped_at) == (1, 24 * HOUR, None)
    assert get(database, tenant.id, cid).queue_id == tree.region_queue
    assert get(database, tenant.id, cid).resolution_due_at == region.due_at

    assert region.due_at is not None
    run_sla_sweep(database, now=region.due_at)
    _, region, headquarters = clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert region.outcome is ClockOutcome.BREACHED and headquarters.level == 2
    assert get(database, tenant.id, cid).queue_id == tree.hq_queue

    assert headquarters.due_at is not None
    run_sla_sweep(database, now=headquarters.due_at + timedelta(hours=1))
    levels = clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert len(levels) == 3, "nothing climbs above headquarters"
    assert levels[2].breached_at == headquarters.due_at and levels[2].stopped_at is None
    assert get(database, tenant.id, cid).queue_id == tree.hq_queue

    breaches = [
        e.data["level"]
        for e in events_of(database, tenant.id, cid, EventType.SLA_BREACHED)
        if e.data["metric"] == "resolution"
    ]
    assert breaches == [0, 1, 2]
    climbs = [
        e.data
        for e in events_of(database, tenant.id, cid, EventType.SLA_ESCALATED)
        if e.data["action"] == "escalate_org"
    ]
    assert [c["level"] for c in climbs] == [0, 1]
    with database.tenant_unit(tenant.id) as session:
        handoffs = (
            session.execute(
                sa.select(Handoff)
                .where(col(Handoff.conversation_id) == cid)
                .order_by(col(Handoff.created_at))
            )
            .scalars()
            .all()
        )
        notices = (
            session.execute(
                sa.select(col(OutboxJob.payload)).where(col(OutboxJob.actor) == NOTIFY_LEAD_ACTOR)
            )
            .scalars()
            .all()
        )
    assert [h.kind for h in handoffs] == [HandoffKind.ESCALATION_ORG] * 2
    assert [h.to_queue_id for h in handoffs] == [tree.region_queue, tree.hq_queue]
    assert all("24 working hours" in h.summary and h.actor_user_id is None for h in handoffs)
    # The leads of the queue each level breached in hear of it, not those it climbed to.
    assert sorted((n["level"], n["queue_id"]) for n in notices) == [
        (0, str(tree.site_queue)),
        (1, str(tree.region_queue)),
        (2, str(tree.hq_queue)),
    ]


def test_a_missed_first_response_raises_priority_once(
    database: Database, tenant: TenantHandle
) -> None:
    with database.tenant_unit(tenant.id) as session:
        install_default_policies(session)
    opened = shanghai(2026, 3, 5, 10)
    cid = conversation(database, tenant.id, at=opened)  # email: answer within 4 h (24x7 here)
    run_sla_sweep(database, now=opened + timedelta(hours=4))
    run_sla_sweep(database, now=opened + timedelta(hours=5))
    (change,) = events_of(database, tenant.id, cid, EventType.PRIORITY_CHANGED)
    assert (change.data["from"], change.data["to"]) == ("normal", "high")
    assert get(database, tenant.id, cid).priority.value == "high"
    assert get(database, tenant.id, cid).sla_breached_at == opened + timedelta(hours=4)
