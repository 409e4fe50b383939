"""The SLA sweep: warnings and breaches of running clocks, each recorded exactly once.

Finding: a system session reads what has come due across tenants through the partial indexes
``ix_sla_clock_warn`` / ``ix_sla_clock_due`` (clocks still running, ordered by the instant), in
bounded batches, so a run costs what comes due, not what is open.

Marking: per tenant, one transaction per batch locks the conversations first (``SKIP LOCKED``:
one a request or another sweep holds waits for the next run), then marks the clocks with a
conditional UPDATE (``WHERE breached_at IS NULL ...``) that returns only the rows it changed.
Events, the conversation's ``sla_breached_at`` and the policy's breach actions follow for
exactly those rows, in the same transaction — so two sweeps racing record each breach once.

A clock is warned at ``warn_at`` and breached at ``due_at``; those instants are what is stored
(not the time the sweep happened to run), so a late sweep does not move a breach.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from sqlmodel import col

from core import statements as st
from core.clock import utcnow
from core.db import Database, session_tenant
from core.ids import new_id
from core.models.conversation import Conversation
from core.models.event import EventType
from core.models.sla import SlaClock, SlaPolicy
from core.sla.actions import Breach, run_breach_actions

log = structlog.get_logger(__name__)

BATCH_SIZE = 500
LOCKED_RETRIES = 3
LOCKED_PAUSE_SECONDS = 0.05

clock_t: sa.Table = SlaClock.__table__  # type: ignore[attr-defined]
_running = (clock_t.c.stopped_at.is_(None),)


def _lookup(instant: sa.Column[Any], mark: sa.Column[Any]) -> sa.Select[Any]:
    """Across tenants, the oldest clocks whose ``instant`` has passed and ``mark`` is unset.

    The WHERE clause repeats the partial index's predicate so the planner can use it.
    """
    return (
        sa.select(clock_t.c.tenant_id, clock_t.c.id, clock_t.c.conversation_id)
        .where(instant <= sa.bindparam("now", type_=instant.type), mark.is_(None), *_running)
        .order_by(instant)
        .limit(sa.bindparam("batch"))
    )


def _mark(instant: sa.Column[Any], mark: sa.Column[Any]) -> sa.Update:
    """Set ``mark`` to ``instant`` on the given clocks if nobody has; returns the rows changed."""
    return (
        sa.update(clock_t)
        .where(
            clock_t.c.tenant_id == st.TENANT,
            clock_t.c.id.in_(sa.bindparam("ids", expanding=True)),
            instant <= sa.bindparam("now", type_=instant.type),
            mark.is_(None),
            *_running,
        )
        .values({mark: instant})
        .returning(
            clock_t.c.id,
            clock_t.c.conversation_id,
            clock_t.c.metric,
            clock_t.c.level,
            clock_t.c.target_seconds,
            clock_t.c.policy_id,
            clock_t.c.warn_at,
            clock_t.c.due_at,
        )
    )


LOOKUP_WARN = _lookup(clock_t.c.warn_at, clock_t.c.warned_at)
LOOKUP_DUE = _lookup(clock_t.c.due_at, clock_t.c.breached_at)
MARK_WARNED = _mark(clock_t.c.warn_at, clock_t.c.warned_at)
MARK_BREACHED = _mark(clock_t.c.due_at, clock_t.c.breached_at)

LOCK_CONVERSATIONS = (
    sa.select(st.conversation_t.c.id)
    .where(
        st.conversation_t.c.tenant_id == st.TENANT,
        st.conversation_t.c.id.in_(sa.bindparam("cids", expanding=True)),
    )
    .order_by(st.conversation_t.c.id)
    .with_for_update(skip_locked=True)
)

FIRST_BREACH = (
    sa.update(st.conversation_t)
    .where(
        st.conversation_t.c.tenant_id == st.TENANT,
        st.conversation_t.c.id == sa.bindparam("cid"),
        st.conversation_t.c.sla_breached_at.is_(None),
    )
    .values(sla_breached_at=sa.bindparam("breach_at"))
)


def run_sla_sweep(
    database: Database, now: datetime | None = None, *, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Warn and breach what has come due by ``now``; counts of what this run recorded.

    Safe to run in many processes at once. Clocks whose conversation is locked (by a request,
    or another sweep's batch) are tried again a few times, briefly, then left for the next
    run; a batch that fails is logged and left for the next run too.
    """
    now = now or utcnow()
    counts: Counter[str] = Counter()
    for lookup, mark in ((LOOKUP_WARN, _warn_batch), (LOOKUP_DUE, _breach_batch)):
        done: set[uuid.UUID] = set()  # clocks this run has settled (or given up on)
        stalled = 0
        while True:
            with database.system_unit() as session:
                rows = session.connection().execute(lookup, {"now": now, "batch": batch_size}).all()
            fresh = [row for row in rows if row.id not in done]
            if not fresh:
                break
            by_tenant: dict[uuid.UUID, list[Any]] = defaultdict(list)
            for row in fresh:
                by_tenant[row.tenant_id].append(row)
            settled = 0
            for tenant_id, tenant_rows in by_tenant.items():
                try:
                    with database.tenant_unit(tenant_id) as session:
                        tally, locked = mark(session, tenant_rows, now)
                except Exception:
                    log.exception("sla.sweep_batch_failed", tenant_id=str(tenant_id))
                    counts["failed_batches"] += 1
                    locked = [row.id for row in tenant_rows]
                else:
                    counts.update(tally)
                done.update(locked)
                settled += len(locked)
            stalled = 0 if settled else stalled + 1
            if stalled > LOCKED_RETRIES:
                counts["left_locked"] += len(fresh)
                break
            if stalled:
                time.sleep(LOCKED_PAUSE_SECONDS * stalled)
    if counts:
        log.info("sla.sweep", **counts)
    return dict(counts)


def _locked(session: Session, rows: Sequence[Any]) -> list[uuid.UUID]:
    """The clock ids among ``rows`` whose conversation this transaction could lock."""
    cids = sorted({row.conversation_id for row in rows})
    locked = set(st.run(session, LOCK_CONVERSATIONS, {"cids": cids}).scalars())
    return [row.id for row in rows if row.conversation_id in locked]


def _warn_batch(
    session: Session, rows: Sequence[Any], now: datetime
) -> tuple[Counter[str], list[uuid.UUID]]:
    ids = _locked(session, rows)
    if not ids:
        return Counter(), ids
    warned = st.run(session, MARK_WARNED, {"ids": ids, "now": now}).all()
    _record_all(
        session,
        [
            (row.conversation_id, EventType.SLA_WARNED, _describe(row), row.warn_at)
            for row in warned
        ],
    )
    return Counter(warned=len(warned)), ids


def _breach_batch(
    session: Session, rows: Sequence[Any], now: datetime
) -> tuple[Counter[str], list[uuid.UUID]]:
    ids = _locked(session, rows)
    if not ids:
        return Counter(), ids
    breached = st.run(session, MARK_BREACHED, {"ids": ids, "now": now}).all()
    if not breached:
        return Counter(), ids
    policies = _policies(session, {row.policy_id for row in breached if row.policy_id})
    first: dict[uuid.UUID, datetime] = {}
    for row in breached:
        first[row.conversation_id] = min(row.due_at, first.get(row.conversation_id, row.due_at))
    tenant_id = session_tenant(session)
    session.connection().execute(
        FIRST_BREACH,
        [{"scope_tenant_id": tenant_id, "cid": cid, "breach_at": at} for cid, at in first.items()],
    )
    counts = Counter(breached=len(breached))
    events = []
    for row in breached:
        policy = policies.get(row.policy_id)
        data = _describe(row)
        if policy is not None:
            data["policy"] = policy.name
            data["actions"] = list(policy.breach_actions)
        events.append((row.conversation_id, EventType.SLA_BREACHED, data, row.due_at))
    _record_all(session, events)
    acting = [row for row in breached if row.policy_id in policies]
    queue_of = _queues(session, {row.conversation_id for row in acting})
    for row in sorted(acting, key=lambda r: r.due_at):
        policy = policies[row.policy_id]
        if policy.breach_actions:
            breach = Breach(
                clock_id=row.id,
                conversation_id=row.conversation_id,
                metric=row.metric,
                level=row.level,
                target_seconds=row.target_seconds,
                due_at=row.due_at,
                queue_id=queue_of.get(row.conversation_id),
            )
            results = run_breach_actions(session, breach=breach, policy=policy, at=now)
            counts.update(f"action_{r['action']}" for r in results if r.get("done"))
    return counts, ids


def _record_all(
    session: Session, events: list[tuple[uuid.UUID, EventType, dict[str, Any], datetime]]
) -> None:
    """Append many timeline events in one round trip (what record_event does, in bulk)."""
    if not events:
        return
    tenant_id = session_tenant(session)
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "created_at": occurred_at,
            "occurred_at": occurred_at,
            "conversation_id": conversation_id,
            "type": type_,
            "actor_user_id": None,
            "data": data,
        }
        for conversation_id, type_, data, occurred_at in events
    ]
    session.connection().execute(st.INSERT_EVENT, rows)


def _queues(
    session: Session, conversation_ids: set[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID | None]:
    if not conversation_ids:
        return {}
    query = sa.select(col(Conversation.id), col(Conversation.queue_id)).where(
        col(Conversation.id).in_(conversation_ids), col(Conversation.queue_id).is_not(None)
    )
    return {cid: queue_id for cid, queue_id in session.execute(query).all()}


def _policies(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, SlaPolicy]:
    if not ids:
        return {}
    query = sa.select(SlaPolicy).where(col(SlaPolicy.id).in_(ids))
    return {policy.id: policy for policy in session.execute(query).scalars()}


def _describe(row: Any) -> dict[str, Any]:
    return {
        "clock_id": str(row.id),
        "metric": row.metric.value,
        "level": row.level,
        "target_seconds": row.target_seconds,
        "due_at": row.due_at.isoformat() if row.due_at else None,
    }
