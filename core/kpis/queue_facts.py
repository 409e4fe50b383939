"""Queue facts: contacts offered to a queue and answered, abandoned or taken, and the handling
of calls (AHT, D20). Statements in the manner of core.kpis.facts.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core import statements as st
from core.kpis.facts import (
    SHORT_ABANDON_SECONDS,
    Ranges,
    dimensions,
    fact_conversation,
    fact_queue,
    grouped,
    interaction_t,
    queue_by_id,
    queue_by_text,
    tenant_of,
    user_t,
    with_conversation,
)
from core.kpis.sql import bucket_of, count_if, in_ranges, seconds_between, unindexed
from core.models.channel import Channel
from core.models.event import EventType


def phone_offers(ranges: Ranges) -> sa.Select[Any]:
    """Inbound calls whose wait in a queue ended (answered, abandoned or otherwise left)."""
    call = interaction_t.alias("call")
    wait_end = sa.func.coalesce(call.c.answered_at, call.c.ended_at)
    wait = seconds_between(call.c.queued_at, wait_end)
    answered = call.c.answered_at.is_not(None)
    short = sa.and_(call.c.abandoned.is_(True), wait <= SHORT_ABANDON_SECONDS)
    source = with_conversation(call, call.c.conversation_id)
    facts = (
        sa.select(
            *dimensions(wait_end, channel=call.c.channel),
            count_if(sa.not_(short)).label("offered"),
            count_if(answered).label("answered"),
            count_if(sa.and_(answered, wait <= fact_queue.c.service_level_seconds)).label(
                "answered_in_threshold"
            ),
            count_if(sa.and_(call.c.abandoned.is_(True), sa.not_(short))).label("abandoned"),
            count_if(short).label("short_abandoned"),
            sa.case((answered, wait), else_=0).label("answer_wait_seconds"),
        )
        .select_from(source.outerjoin(fact_queue, queue_by_id(call.c.queue_id)))
        .where(
            *tenant_of(call),
            call.c.channel == Channel.PHONE,
            call.c.inbound.is_(True),
            call.c.queued_at.is_not(None),
            in_ranges(wait_end, ranges),
        )
    )
    counters = (
        "offered",
        "answered",
        "answered_in_threshold",
        "abandoned",
        "short_abandoned",
        "answer_wait_seconds",
    )
    return grouped(facts, counters)


def written_offers(ranges: Ranges) -> sa.Select[Any]:
    """Non-phone conversations taken from their queue: the first assignment after queueing."""
    assigned = st.event_t.alias("assigned")

    def latest_queueing(column: str) -> Any:
        """Of the conversation's latest queueing at or before this assignment."""
        queued = st.event_t.alias("queued")
        value = queued.c.data["queue_id"].as_string() if column == "queue_id" else queued.c[column]
        return (
            sa.select(value)
            .where(
                *tenant_of(queued),
                queued.c.conversation_id == assigned.c.conversation_id,
                unindexed(queued.c.type) == EventType.QUEUED,
                queued.c.occurred_at <= assigned.c.occurred_at,
            )
            .order_by(queued.c.occurred_at.desc(), queued.c.id.desc())
            .limit(1)
            .correlate(assigned)
            .scalar_subquery()
        )

    answers = (
        sa.select(
            assigned.c.id,
            assigned.c.conversation_id,
            assigned.c.occurred_at,
            latest_queueing("occurred_at").label("queued_at"),
            latest_queueing("queue_id").label("queue_text"),
        )
        .where(
            *tenant_of(assigned),
            assigned.c.type == EventType.ASSIGNED,
            in_ranges(assigned.c.occurred_at, ranges),
        )
        .offset(0)  # PostgreSQL would fold it into the joins and redo both lookups per queue
        .subquery("answers")
    )
    earlier = st.event_t.alias("earlier")
    first_after_queueing = (
        sa.select(earlier.c.id)
        .where(
            *tenant_of(earlier),
            earlier.c.conversation_id == answers.c.conversation_id,
            unindexed(earlier.c.type) == EventType.ASSIGNED,
            earlier.c.occurred_at >= answers.c.queued_at,
        )
        .order_by(earlier.c.occurred_at, earlier.c.id)
        .limit(1)
        .correlate(answers)
        .scalar_subquery()
    )
    first_answer = first_after_queueing == answers.c.id
    wait = seconds_between(answers.c.queued_at, answers.c.occurred_at)
    source = with_conversation(answers, answers.c.conversation_id)
    facts = (
        sa.select(
            *dimensions(answers.c.occurred_at),
            sa.literal(1).label("offered"),
            sa.literal(1).label("answered"),
            count_if(wait <= fact_queue.c.service_level_seconds).label("answered_in_threshold"),
            wait.label("answer_wait_seconds"),
            sa.literal(1).label("handled"),
        )
        .select_from(source.outerjoin(fact_queue, queue_by_text(answers.c.queue_text)))
        .where(
            answers.c.queued_at.is_not(None),
            fact_conversation.c.channel != Channel.PHONE,
            first_answer,
        )
    )
    counters = ("offered", "answered", "answered_in_threshold", "answer_wait_seconds", "handled")
    return grouped(facts, counters)


def _handling_done() -> tuple[Any, Any]:
    """Answered calls once handling is over: at the end of wrap-up, or of the call if none."""
    call = interaction_t.alias("call")
    done = sa.case(
        (call.c.wrap_up_started_at.is_not(None), call.c.wrap_up_ended_at), else_=call.c.ended_at
    )
    return call, done


def call_handling(ranges: Ranges) -> sa.Select[Any]:
    """Handled calls and their talk, hold and after-call work (AHT, D20)."""
    call, done = _handling_done()
    source = with_conversation(call, call.c.conversation_id)
    facts = (
        sa.select(
            *dimensions(done, channel=call.c.channel),
            sa.literal(1).label("handled"),
            sa.literal(1).label("timed_handled"),
            call.c.talk_seconds,
            call.c.hold_seconds,
            call.c.wrap_up_seconds,
        )
        .select_from(source.outerjoin(fact_queue, queue_by_id(call.c.queue_id)))
        .where(*tenant_of(call), call.c.answered_at.is_not(None), in_ranges(done, ranges))
    )
    counters = ("handled", "timed_handled", "talk_seconds", "hold_seconds", "wrap_up_seconds")
    return grouped(facts, counters)


def agent_handling(ranges: Ranges) -> sa.Select[Any]:
    """The same handle time filed under the agent who did it (occupancy's numerator)."""
    call, done = _handling_done()
    agent = user_t.alias("agent")
    bucket = bucket_of(done).label("bucket")
    facts = (
        sa.select(
            bucket,
            sa.null().label("queue_id"),
            sa.null().label("channel"),
            agent.c.org_unit_id.label("org_unit_id"),
            sa.null().label("category"),
            agent.c.tier.label("tier"),
            sa.null().label("value_tier"),
            (call.c.talk_seconds + call.c.hold_seconds + call.c.wrap_up_seconds).label(
                "agent_handle_seconds"
            ),
        )
        .select_from(call.join(agent, sa.and_(*tenant_of(agent), agent.c.id == call.c.agent_id)))
        .where(*tenant_of(call), call.c.answered_at.is_not(None), in_ranges(done, ranges))
    )
    return grouped(facts, ("agent_handle_seconds",))
