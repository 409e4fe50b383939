"""The KPI facts of docs/kpis.md computed a second way: in Python, straight from the raw rows.

Written from the definitions, not from core.kpis' SQL, so that the rollups (SQL, incremental)
and this (Python, all at once) must agree on every bucket and counter.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.kpis.facts import clock_t, csat_t, interaction_t, queue_t, state_change_t, user_t
from core.kpis.sql import BUCKET_SECONDS, epoch_seconds
from core.models import Channel, ClockOutcome, EventType, PresenceState, Tier, ValueTier
from core.models.kpi_rollup import RESOLUTION_EDGES, RESOLVED_WITHIN

OPEN = {"new", "open", "pending", "on_hold"}
Key = tuple[int, Any, Any, Any, Any, Any, Any]


def _rows(session: Session, table: sa.Table) -> list[Any]:
    return list(st.run(session, sa.select(table).where(table.c.tenant_id == st.TENANT)))


def _bucket(moment: datetime) -> int:
    seconds = epoch_seconds(moment)
    return seconds - seconds % BUCKET_SECONDS


def _order(event: Any) -> tuple[datetime, uuid.UUID]:
    return (event.occurred_at, event.id)


def expected_rollups(session: Session, *, now: datetime) -> dict[Key, dict[str, int]]:
    """Every bucket's counters by the definitions, keyed like the rollup rows."""
    conversations = {c.id: c for c in _rows(session, st.conversation_t)}
    contacts = {c.id: c for c in _rows(session, st.contact_t)}
    queues = {q.id: q for q in _rows(session, queue_t)}
    users = {u.id: u for u in _rows(session, user_t)}
    events: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for event in _rows(session, st.event_t):
        events[event.conversation_id].append(event)
    for timeline in events.values():
        timeline.sort(key=_order)
    totals: dict[Key, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def book(moment: datetime, conversation: Any, queue_id: Any, **counters: int) -> None:
        queue = queues.get(queue_id)
        contact = contacts.get(conversation.contact_id) if conversation is not None else None
        tier = queue.tier if queue is not None else (conversation.tier if conversation else None)
        key = (
            _bucket(moment),
            queue.id if queue is not None else None,
            Channel(conversation.channel),
            queue.org_unit_id if queue is not None else None,
            conversation.category,
            None if tier is None else Tier(tier),
            None if contact is None else ValueTier(contact.value_tier),
        )
        for name, value in counters.items():
            totals[key][name] += value

    def named_queue(text: str | None, conversation: Any) -> Any:
        if text is None:
            return conversation.queue_id
        return next((q for q in queues if str(q) == text.lower()), None)

    for cid, timeline in events.items():
        conversation = conversations[cid]
        queued = [e for e in timeline if e.type == EventType.QUEUED]
        for event in timeline:
            kind = event.type
            if kind == EventType.CREATED:
                entry = named_queue(
                    queued[0].data.get("queue_id") if queued else None, conversation
                )
                complaint = conversation.category in ("complaint", "complaint_complex")
                book(event.occurred_at, conversation, entry, contacts=1, complaints=int(complaint))
            elif kind == EventType.ASSIGNED and conversation.channel != Channel.PHONE:
                _written_offer(event, timeline, conversation, queues, book, named_queue)
            elif kind in (EventType.TRANSFERRED, EventType.ESCALATED):
                text = event.data.get("from_queue_id") or event.data.get("queue_id")
                transfer = int(kind == EventType.TRANSFERRED)
                book(event.occurred_at, conversation, named_queue(text, conversation),
                     transfers=transfer, escalations=1 - transfer)  # fmt: skip
            elif kind == EventType.REOPENED:
                book(event.occurred_at, conversation, conversation.queue_id, reopened=1)
            elif kind == EventType.STATUS_CHANGED and _is_resolution(event, conversation):
                _resolution(event, timeline, conversation, book)

    for call in _rows(session, interaction_t):
        conversation = conversations.get(call.conversation_id)
        if conversation is None:
            continue
        wait_end = call.answered_at or call.ended_at
        if call.channel == Channel.PHONE and call.inbound and call.queued_at and wait_end:
            wait = epoch_seconds(wait_end) - epoch_seconds(call.queued_at)
            short = call.abandoned and wait <= 5
            answered = call.answered_at is not None
            queue = queues.get(call.queue_id)
            within = answered and queue is not None and wait <= queue.service_level_seconds
            book(wait_end, conversation, call.queue_id, offered=int(not short),
                 answered=int(answered), answered_in_threshold=int(within),
                 abandoned=int(call.abandoned and not short), short_abandoned=int(short),
                 answer_wait_seconds=wait if answered else 0)  # fmt: skip
        done = call.wrap_up_ended_at if call.wrap_up_started_at is not None else call.ended_at
        if call.answered_at is not None and done is not None:
            book(done, conversation, call.queue_id, handled=1, timed_handled=1,
                 talk_seconds=call.talk_seconds, hold_seconds=call.hold_seconds,
                 wrap_up_seconds=call.wrap_up_seconds)  # fmt: skip
            agent = users.get(call.agent_id)
            if agent is not None:
                key = (_bucket(done), None, None, agent.org_unit_id, None, Tier(agent.tier), None)
                handle = call.talk_seconds + call.hold_seconds + call.wrap_up_seconds
                totals[key]["agent_handle_seconds"] += handle

    for clock in _rows(session, clock_t):
        conversation = conversations[clock.conversation_id]
        if clock.outcome == ClockOutcome.MET and clock.stopped_at is not None:
            book(clock.stopped_at, conversation, conversation.queue_id, sla_met=1)
        if clock.breached_at is not None:
            book(clock.breached_at, conversation, conversation.queue_id, sla_breached=1)

    for answer in _rows(session, csat_t):  # when answered, under the current queue
        conversation = conversations[answer.conversation_id]
        book(answer.answered_at, conversation, conversation.queue_id, csat_responses=1,
             csat_satisfied=int(answer.score in (4, 5)))  # fmt: skip

    staffed = {PresenceState.AVAILABLE, PresenceState.BUSY, PresenceState.WRAP_UP}
    limit = epoch_seconds(now)
    for period in _rows(session, state_change_t):
        if PresenceState(period.state) not in staffed:
            continue
        agent = users[period.user_id]
        start = epoch_seconds(period.started_at)
        end = min(limit, epoch_seconds(period.ended_at) if period.ended_at else limit)
        for second in range(start, end):  # slow and obviously right
            key = (second - second % BUCKET_SECONDS, None, None, agent.org_unit_id, None,
                   Tier(agent.tier), None)  # fmt: skip
            totals[key]["staffed_seconds"] += 1
    return {
        key: {name: value for name, value in counters.items() if value}
        for key, counters in totals.items()
        if any(counters.values())
    }


def _written_offer(event: Any, timeline: list[Any], conversation: Any, queues: Any,
                   book: Any, named_queue: Any) -> None:  # fmt: skip
    """The first assignment after the conversation's latest queueing is its answer."""
    queued = [
        e for e in timeline if e.type == EventType.QUEUED and e.occurred_at <= event.occurred_at
    ]
    if not queued:
        return
    latest = max(queued, key=_order)
    assigned = [
        e for e in timeline if e.type == EventType.ASSIGNED and e.occurred_at >= latest.occurred_at
    ]
    if min(assigned, key=_order) is not event:
        return
    queue_id = named_queue(latest.data.get("queue_id"), conversation)
    queue = queues.get(queue_id)
    wait = epoch_seconds(event.occurred_at) - epoch_seconds(latest.occurred_at)
    within = queue is not None and wait <= queue.service_level_seconds
    book(event.occurred_at, conversation, queue_id, offered=1, answered=1,
         answered_in_threshold=int(within), answer_wait_seconds=wait, handled=1)  # fmt: skip


def _is_resolution(event: Any, conversation: Any) -> bool:
    to, source = event.data.get("to"), event.data.get("from")
    resolving = to == "resolved" or (to == "closed" and source in OPEN)
    return resolving and conversation.owner_id is not None


def _resolution(event: Any, timeline: list[Any], conversation: Any, book: Any) -> None:
    at = epoch_seconds(event.occurred_at)
    took = at - epoch_seconds(conversation.created_at)
    handed_on = any(
        e.type in (EventType.TRANSFERRED, EventType.ESCALATED)
        and e.occurred_at <= event.occurred_at
        for e in timeline
    )
    reopened = any(
        e.type == EventType.REOPENED and epoch_seconds(e.occurred_at) - at <= 7 * 86_400
        for e in timeline
    )
    pending = 0
    for began in timeline:
        if not (began.type == EventType.STATUS_CHANGED and began.data.get("to") == "pending"):
            continue
        if _order(began) >= _order(event):
            continue
        ends = [
            epoch_seconds(e.occurred_at)
            for e in timeline
            if e.type == EventType.STATUS_CHANGED
            and e.data.get("from") == "pending"
            and _order(e) > _order(began)
        ]
        until = min(ends) if ends and min(ends) <= at else at
        pending += until - epoch_seconds(began.occurred_at)
    within = {
        name: int(took <= seconds)
        for name, (_, seconds) in zip(RESOLVED_WITHIN, RESOLUTION_EDGES, strict=True)
    }
    book(event.occurred_at, conversation, conversation.queue_id, resolved=1,
         first_contact_resolved=int(not handed_on and not reopened), resolution_seconds=took,
         pending_seconds=pending, **within)  # fmt: skip
