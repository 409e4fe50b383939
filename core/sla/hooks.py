"""Where the conversation lifecycle tells the SLA engine what happened (no commits here).

Contract (owned by the SLA engine; callers only call these):
- ``start_clocks``: idempotent; starts the clocks the matching policy sets, counting from the
  conversation's creation, and writes the conversation's denormalised due columns.
- ``customer_message``: a customer message reached an existing conversation.
- ``agent_replied``: an agent's reply was queued (stops first/next response clocks).
- ``status_changed``: pauses on PENDING, resumes when it leaves PENDING, stops on RESOLVED/CLOSED,
  restarts resolution on reopen.
- ``escalated_org``: the conversation moved up the org tree; the resolution clock starts a new
  level.

Each hook flushes what it changed (callers go on with Core statements and refreshes).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.lookup import get_by_id
from core.models.conversation import ConversationStatus
from core.models.sla import SlaMetric, SlaPolicy
from core.sla.clocks import RESPONSE_METRICS, ConversationClocks
from core.sla.policies import Target

# The hot path's one statement (ingest): does this customer message owe a next response? Only
# when an agent has answered before and no next-response clock is running already.
NEEDS_NEXT_RESPONSE = sa.select(st.conversation_t.c.id).where(
    st.conversation_t.c.tenant_id == st.TENANT,
    st.conversation_t.c.id == sa.bindparam("cid"),
    st.conversation_t.c.first_response_at.is_not(None),
    st.conversation_t.c.next_response_due_at.is_(None),
)


def start_clocks(
    session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None
) -> None:
    """First response (unless answered already) and resolution, each once per conversation."""
    now = at or utcnow()
    clocks = ConversationClocks(session, conversation_id)
    conversation = clocks.conversation
    if not conversation.status.is_open:
        return
    wanted = [SlaMetric.FIRST_RESPONSE] if conversation.first_response_at is None else []
    wanted = [m for m in (*wanted, SlaMetric.RESOLUTION) if clocks.latest(m) is None]
    if not wanted:
        return
    targets = clocks.targets()
    started = [
        clocks.start(targets[metric], start=conversation.created_at)
        for metric in wanted
        if metric in targets
    ]
    if not started:
        return
    if conversation.status is ConversationStatus.PENDING:
        for clock in started:
            clocks.pause(clock, now)
    clocks.finish()


def customer_message(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    """Start the next-response clock when the customer writes after an agent's answer.

    Costs one primary-key lookup when there is nothing to start (the common case).
    """
    if st.run(session, NEEDS_NEXT_RESPONSE, {"cid": conversation_id}).first() is None:
        return
    clocks = ConversationClocks(session, conversation_id)
    conversation = clocks.conversation
    if not conversation.status.is_open or clocks.running(SlaMetric.NEXT_RESPONSE):
        return
    target = clocks.targets().get(SlaMetric.NEXT_RESPONSE)
    if target is None:
        return
    clock = clocks.start(target, start=at)
    if conversation.status is ConversationStatus.PENDING:
        clocks.pause(clock, at)
    clocks.finish()


def agent_replied(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    """The reply meets the running first- or next-response clock (breached if it is late)."""
    clocks = ConversationClocks(session, conversation_id)
    responses = clocks.running(*RESPONSE_METRICS)
    if not responses:
        return
    clocks.stop_all(responses, at, met=True)
    clocks.finish()


def status_changed(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    old: ConversationStatus,
    new: ConversationStatus,
    at: datetime,
) -> None:
    """Pending pauses every clock; leaving pending resumes them; resolving or closing stops them
    (resolution met, responses cancelled); reopening starts a fresh resolution clock at the level
    the conversation had reached."""
    if old is new:
        return
    clocks = ConversationClocks(session, conversation_id)
    if not new.is_open:
        clocks.stop_all(clocks.running(SlaMetric.RESOLUTION), at, met=True)
        clocks.stop_all(clocks.running(*RESPONSE_METRICS), at, met=False)
    elif not old.is_open:
        previous = clocks.latest(SlaMetric.RESOLUTION)
        target = clocks.targets().get(SlaMetric.RESOLUTION)
        if target is not None and not clocks.running(SlaMetric.RESOLUTION):
            clocks.start(target, start=at, level=previous.level if previous else 0)
        if new is ConversationStatus.PENDING:
            for clock in clocks.running():
                clocks.pause(clock, at)
    elif new is ConversationStatus.PENDING:
        for clock in clocks.running():
            clocks.pause(clock, at)
    elif old is ConversationStatus.PENDING:
        for clock in clocks.running():
            clocks.resume(clock, at)
    else:
        return
    clocks.finish()


def escalated_org(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    """Close this level's resolution clock (breached, or cancelled) and start the next level's
    with the same policy's target, on the new queue's calendar."""
    clocks = ConversationClocks(session, conversation_id)
    previous = clocks.latest(SlaMetric.RESOLUTION)
    target: Target | None = None
    if previous is not None and previous.policy_id is not None:
        policy = get_by_id(session, SlaPolicy, previous.policy_id, noun="SLA policy")
        target = Target(SlaMetric.RESOLUTION, previous.target_seconds, policy)
    else:
        target = clocks.targets().get(SlaMetric.RESOLUTION)
    clocks.stop_all(clocks.running(SlaMetric.RESOLUTION), at, met=False)
    if target is not None:
        level = previous.level + 1 if previous is not None else 1
        clock = clocks.start(target, start=at, level=level)
        if clocks.conversation.status is ConversationStatus.PENDING:
            clocks.pause(clock, at)
    clocks.finish()
