"""Phone actors: bridge a waiting caller to their agent, place call-backs; the call-back sweep.

``bridge_call`` is queued by routing when a phone conversation becomes an agent's (its name
is all routing knows); ``place_callback`` by ``core.callbacks.request_callback``. Both claim
their work with conditional updates, so a redelivered job takes effect once; the receipt is
written after the provider call, like ``deliver_message``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import structlog

from channels.phone import outbound
from core import outbox
from core.callbacks import PLACE_CALLBACK_ACTOR
from core.db import Database, get_database
from core.routing.jobs import BRIDGE_CALL_ACTOR
from workers.actor_spec import ActorSpec
from workers.periodic import PeriodicTask

log = structlog.get_logger(__name__)

CALLBACK_SWEEP_SECONDS = 15.0


def bridge_call(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Connect the call waiting on the conversation to the agent it was just given to."""
    _once(
        job_id,
        tenant_id,
        BRIDGE_CALL_ACTOR,
        lambda database, tenant: outbound.bridge_call(
            database,
            tenant_id=tenant,
            conversation_id=uuid.UUID(payload["conversation_id"]),
            agent_id=uuid.UUID(payload["agent_id"]),
        ),
    )


def place_callback(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Dial a call-back that is due now (later ones wait for the sweep)."""
    _once(
        job_id,
        tenant_id,
        PLACE_CALLBACK_ACTOR,
        lambda database, tenant: outbound.place_callback(
            database, tenant_id=tenant, callback_id=uuid.UUID(payload["callback_id"])
        ),
    )


def _once(
    job_id: str,
    tenant_id: str,
    actor: str,
    work: Callable[[Database, uuid.UUID], dict[str, Any]],
) -> None:
    """Skip a job whose receipt exists; else do the work and write the receipt with its result."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            log.info("job.already_done", job_id=job_id, actor=actor)
            return
    result = work(database, tenant)
    with database.tenant_unit(tenant) as session:
        if not outbox.already_done(session, job):  # a twin delivery may have finished first
            outbox.record_done(session, job_id=job, actor=actor, result=result)


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=BRIDGE_CALL_ACTOR,
        function=bridge_call,
        queue="voice",
        max_retries=5,  # a caller is waiting: a few quick tries, then the wait URL's fallback
        min_backoff_ms=200,
        max_backoff_ms=5_000,
        time_limit_ms=30_000,
    ),
    ActorSpec(
        name=PLACE_CALLBACK_ACTOR,
        function=place_callback,
        queue="voice",
        max_retries=3,
        min_backoff_ms=1_000,
        max_backoff_ms=60_000,
        time_limit_ms=60_000,
    ),
)
PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask(
        name="callback_sweep",
        every_seconds=CALLBACK_SWEEP_SECONDS,
        run=outbound.place_due_callbacks,
    ),
)
