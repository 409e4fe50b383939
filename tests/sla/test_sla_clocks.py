"""SLA clocks: which targets a conversation gets, warnings, pauses, and response clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from core import replies
from core.conversation_updates import update_conversation
from core.db import Database
from core.inbound import InboundMessage
from core.ingest import ingest_committed
from core.models import Channel, EventType, IdentityKind
from core.models.contact import ValueTier
from core.models.conversation import Conversation, ConversationStatus
from core.models.sla import ClockOutcome, SlaMetric
from core.sla import hooks
from core.sla.state import clock_states
from core.sla.sweep import run_sla_sweep
from tests.conftest import TenantHandle
from tests.sla.factories import (
    clocks_of,
    conversation,
    events_of,
    get,
    office_calendar,
    only_clock,
    policy,
    shanghai,
)

HOUR = 3600


def test_policies_are_tried_in_order_and_each_target_comes_from_the_first_that_sets_it(
    database: Database, tenant: TenantHandle
) -> None:
    tid = tenant.id
    policy(database, tid, name="disabled", position=1, active=False, resolution_seconds=60)
    policy(database, tid, name="gold complaints", position=10, match_value_tiers=["gold"],
           match_categories=["complaint"], resolution_seconds=12 * HOUR)  # fmt: skip
    policy(database, tid, name="written", position=20, match_channels=["email", "webform"],
           first_response_seconds=4 * HOUR, resolution_seconds=48 * HOUR)  # fmt: skip
    policy(database, tid, name="anything", position=30, first_response_seconds=HOUR,
           next_response_seconds=2 * HOUR, resolution_seconds=100 * HOUR)  # fmt: skip
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)

    def targets(**facts: object) -> dict[SlaMetric, int]:
        cid = conversation(database, tid, at=at, **facts)  # type: ignore[arg-type]
        return {
            metric: only_clock(database, tid, cid, metric).target_seconds
            for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
        }

    gold_mail = targets(category="complaint", value_tier=ValueTier.GOLD)
    assert gold_mail == {SlaMetric.FIRST_RESPONSE: 4 * HOUR, SlaMetric.RESOLUTION: 12 * HOUR}
    standard_mail = targets(category="complaint")
    assert standard_mail == {SlaMetric.FIRST_RESPONSE: 4 * HOUR, SlaMetric.RESOLUTION: 48 * HOUR}
    gold_call = targets(category="complaint", value_tier=ValueTier.GOLD, channel=Channel.PHONE)
    assert gold_call == {SlaMetric.FIRST_RESPONSE: HOUR, SlaMetric.RESOLUTION: 12 * HOUR}


def test_start_clocks_is_idempotent_and_writes_the_due_columns(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, first_response_seconds=HOUR, resolution_seconds=10 * HOUR)
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    cid = conversation(database, tenant.id, at=at)
    with database.tenant_unit(tenant.id) as session:
        hooks.start_clocks(session, conversation_id=cid, at=at + timedelta(minutes=5))
    assert len(clocks_of(database, tenant.id, cid, SlaMetric.RESOLUTION)) == 1
    assert len(events_of(database, tenant.id, cid, EventType.SLA_STARTED)) == 2
    row = get(database, tenant.id, cid)
    assert row.first_response_due_at == at + timedelta(hours=1)
    assert row.resolution_due_at == at + timedelta(hours=10)


def test_warning_at_eighty_percent_is_recorded_exactly_once(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, resolution_seconds=10 * HOUR)  # warn_share 0.8: after 8 h
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    cid = conversation(database, tenant.id, at=at)
    warn_at = at + timedelta(hours=8)

    run_sla_sweep(database, now=warn_at - timedelta(seconds=1))
    assert events_of(database, tenant.id, cid, EventType.SLA_WARNED) == []
    run_sla_sweep(database, now=warn_at)
    run_sla_sweep(database, now=warn_at + timedelta(hours=1))

    (warning,) = events_of(database, tenant.id, cid, EventType.SLA_WARNED)
    assert warning.occurred_at == warn_at
    assert warning.data["metric"] == "resolution"
    clock = only_clock(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert clock.warned_at == warn_at and clock.breached_at is None


def test_pending_pauses_the_clock_over_the_weekend_and_resuming_moves_the_due_time(
    database: Database, tenant: TenantHandle
) -> None:
    office_calendar(database, tenant.id)
    policy(database, tenant.id, resolution_seconds=24 * HOUR)
    thursday = shanghai(2026, 3, 5, 10)
    cid = conversation(database, tenant.id, at=thursday)
    clock = only_clock(database, tenant.id, cid, SlaMetric.RESOLUTION)
    # Thursday 10-18 (8 h) + Friday 9-18 (9 h) + Monday 9-16 (7 h).
    assert clock.due_at == shanghai(2026, 3, 9, 16)

    friday_noon = shanghai(2026, 3, 6, 12)
    _set_status(database, tenant, cid, ConversationStatus.PENDING, friday_noon)
    paused = only_clock(database, tenant.id, cid, SlaMetric.RESOLUTION)
    assert paused.due_at is None and paused.running_since is None
    assert paused.elapsed_seconds == 11 * HOUR  # Thursday 8 h + Friday 3 h
    assert get(database, tenant.id, cid).resolution_due_at is None

    run_sla_sweep(database, now=shanghai(2026, 3, 10, 9))  # past the unpaused due time
    assert only_clock(database, tenant.id, cid, SlaMetric.RESOLUTION).breached_at is None

    tuesday = shanghai(2026, 3, 10, 10)
    _set_status(database, tenant, cid, ConversationStatus.OPEN, tuesday)
    resumed = only_clock(database, tenant.id, cid, SlaMetric.RESOLUTION)
    # 13 h left: Tuesday 10-18 (8 h) + Wednesday 9-14 (5 h).
    assert resumed.due_at == shanghai(2026, 3, 11, 14)
    assert get(database, tenant.id, cid).resolution_due_at == resumed.due_at


def test_setting_a_conversation_pending_through_the_service_pauses_its_clocks(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, first_response_seconds=HOUR, resolution_seconds=10 * HOUR)
    cid = conversation(database, tenant.id, at=datetime.now(UTC))
    with database.tenant_unit(tenant.id) as session:
        update_conversation(session, conversation_id=cid, changes={"status": "pending"})
    assert all(
        clock.running_since is None and clock.due_at is None
        for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
        for clock in clocks_of(database, tenant.id, cid, metric)
    )
    row = get(database, tenant.id, cid)
    assert row.first_response_due_at is None and row.resolution_due_at is None


def test_next_response_runs_from_a_customer_message_after_an_answer_to_the_next_answer(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, first_response_seconds=HOUR, next_response_seconds=2 * HOUR)
    sender = "li.na@example.com"

    def customer_writes(n: int) -> None:
        ingest_committed(
            database,
            InboundMessage(
                tenant_id=tenant.id, channel=Channel.EMAIL, sender_kind=IdentityKind.EMAIL,
                sender=sender, external_id=f"<m{n}-{tenant.id}@example.com>", subject="Bill",
                text=f"message {n}",
            ),
        )  # fmt: skip

    customer_writes(1)
    with database.tenant_unit(tenant.id) as session:
        cid = session.execute(sa.select(col(Conversation.id))).scalar_one()
        hooks.start_clocks(session, conversation_id=cid)
    customer_writes(2)  # before any answer: still the first response that is owed
    assert clocks_of(database, tenant.id, cid, SlaMetric.NEXT_RESPONSE) == []

    with database.tenant_unit(tenant.id) as session:
        replies.reply(session, conversation_id=cid, text="We are looking into it.")
    first = only_clock(database, tenant.id, cid, SlaMetric.FIRST_RESPONSE)
    assert (
        first.outcome is ClockOutcome.MET
        and get(database, tenant.id, cid).first_response_due_at is None
    )

    customer_writes(3)
    customer_writes(4)  # a next response is already owed: no second clock
    (owed,) = clocks_of(database, tenant.id, cid, SlaMetric.NEXT_RESPONSE)
    assert owed.stopped_at is None and owed.target_seconds == 2 * HOUR
    assert get(database, tenant.id, cid).next_response_due_at == owed.due_at

    with database.tenant_unit(tenant.id) as session:
        replies.reply(session, conversation_id=cid, text="Refunded.")
    answered = only_clock(database, tenant.id, cid, SlaMetric.NEXT_RESPONSE)
    assert answered.outcome is ClockOutcome.MET
    assert get(database, tenant.id, cid).next_response_due_at is None
    assert [e.data["metric"] for e in events_of(database, tenant.id, cid, EventType.SLA_MET)] == [
        "first_response",
        "next_response",
    ]


def test_an_answer_after_the_due_time_stops_the_clock_breached_even_before_the_sweep(
    database: Database, tenant: TenantHandle
) -> None:
    policy(database, tenant.id, first_response_seconds=HOUR)
    opened = datetime.now(UTC) - timedelta(hours=2)
    cid = conversation(database, tenant.id, at=opened)
    with database.tenant_unit(tenant.id) as session:
        replies.reply(session, conversation_id=cid, text="Sorry for the wait.")
    clock = only_clock(database, tenant.id, cid, SlaMetric.FIRST_RESPONSE)
    assert clock.outcome is ClockOutcome.BREACHED
    assert clock.breached_at == opened + timedelta(hours=1)
    assert get(database, tenant.id, cid).sla_breached_at == clock.breached_at
    (breach,) = events_of(database, tenant.id, cid, EventType.SLA_BREACHED)
    assert breach.data["late"] is True
    run_sla_sweep(database)
    assert len(events_of(database, tenant.id, cid, EventType.SLA_BREACHED)) == 1
    with database.tenant_unit(tenant.id) as session:
        row = session.execute(sa.select(Conversation).where(col(Conversation.id) == cid))
        (state,) = clock_states(session, [row.scalar_one()])[cid]
    assert state.breached and state.outcome is ClockOutcome.BREACHED
    assert -3601 < state.remaining_seconds < -3599  # frozen at the reply, an hour late


def _set_status(
    database: Database,
    tenant: TenantHandle,
    conversation_id: object,
    status: ConversationStatus,
    at: datetime,
) -> None:
    """Change the status at a chosen instant and tell the SLA engine, as the services do."""
    with database.tenant_unit(tenant.id) as session:
        row = session.execute(
            sa.select(Conversation).where(col(Conversation.id) == conversation_id)
        ).scalar_one()
        old, row.status = row.status, status
        session.flush()
        hooks.status_changed(session, conversation_id=row.id, old=old, new=status, at=at)
