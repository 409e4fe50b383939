"""Routing actors: give an agent work when they can take it; the periodic routing sweep.

The conversation side (``route_conversation``, queued by core.conversations) lives in
workers.actors with the other original actors; both call core.routing.router.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from core import outbox
from core.db import get_database
from core.routing import router
from core.routing.jobs import ROUTE_AGENT_ACTOR
from core.routing.sweep import SWEEP_EVERY_SECONDS, sweep
from workers.actor_spec import ActorSpec
from workers.periodic import PeriodicTask

log = structlog.get_logger(__name__)


def route_agent(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """An agent became available or freed capacity: give them the best work they may take."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    with get_database().tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            log.info("job.already_done", job_id=job_id, actor=ROUTE_AGENT_ACTOR)
            return
        routed = router.route_agent(session, agent_id=uuid.UUID(payload["agent_id"]))
        result = {"conversation_ids": [str(decision.conversation_id) for decision in routed]}
        outbox.record_done(session, job_id=job, actor=ROUTE_AGENT_ACTOR, result=result)


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=ROUTE_AGENT_ACTOR,
        function=route_agent,
        queue="routing",
        max_retries=8,
        min_backoff_ms=200,
        max_backoff_ms=30_000,
        time_limit_ms=30_000,
    ),
)
PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask(name="routing_sweep", every_seconds=SWEEP_EVERY_SECONDS, run=sweep),
)
