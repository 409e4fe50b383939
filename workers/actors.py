"""Dramatiq actors: one per outbox job kind, thin (load, call core, commit) and idempotent.

Every actor takes ``(job_id, tenant_id, payload)`` as the relay sends it. Its effect commits in
one tenant transaction together with the job's receipt, after checking that no receipt exists
yet, so a message the broker delivers twice takes effect once.

Actors are plain functions listed in ``ACTORS`` and declared on a broker by ``declare_actors``,
not decorated at import: which broker they belong to is decided when the process sets one up,
and nothing sends to them but the relay.
"""

from __future__ import annotations

import uuid
from typing import Any

import dramatiq
import structlog
from dramatiq.middleware import CurrentMessage

from channels.registry import adapter_for
from core import delivery, outbox
from core.conversations import ROUTE_ACTOR
from core.db import Database, get_database
from core.errors import DomainError
from core.outbound import DELIVER_ACTOR, DeliveryError, DeliveryReceipt, OutboundMessage
from core.routing import router
from workers import account_actors, routing_actors, sla_actors, social_actors, voice_actors
from workers.actor_spec import ActorSpec
from workers.pause import stall_for_crash_test

log = structlog.get_logger(__name__)


def route_conversation(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Route a new, reopened or re-queued conversation: queue, SLA clocks, line, agent."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    with get_database().tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            log.info("job.already_done", job_id=job_id, actor=ROUTE_ACTOR)
            return
        routed = router.route_conversation(
            session, conversation_id=uuid.UUID(payload["conversation_id"])
        )
        result = {
            "agent_id": str(routed.agent_id) if routed else None,
            "offer_id": str(routed.offer_id) if routed and routed.offer_id else None,
        }
        outbox.record_done(session, job_id=job, actor=ROUTE_ACTOR, result=result)


def deliver_message(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Send one outbound message through its channel's adapter.

    The provider call runs between two transactions, so a crash after it means a resend with
    the same message id (adapters use it as their idempotency key) and the status and receipt
    are recorded once. Permanent failures are recorded at once; transient ones raise for a
    retry with backoff and are recorded when the last attempt fails too.
    """
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    message_id = uuid.UUID(payload["message_id"])
    database = get_database()
    try:
        with database.tenant_unit(tenant) as session:
            if outbox.already_done(session, job):
                log.info("job.already_done", job_id=job_id, actor=DELIVER_ACTOR)
                return
            outbound = delivery.build_outbound(session, message_id=message_id)
            if outbound is None:
                skipped = {"skipped": "already sent"}
                outbox.record_done(session, job_id=job, actor=DELIVER_ACTOR, result=skipped)
                return
        receipt = _send(outbound)
    except DeliveryError as exc:
        if not exc.permanent and not _is_last_attempt():
            raise
        _record_failure(database, tenant, job, message_id, exc)
        return

    stall_for_crash_test(DELIVER_ACTOR)
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):  # a twin delivery finished first
            return
        delivery.record_sent(session, message_id=message_id, receipt=receipt)
        sent = {"external_id": receipt.external_id}
        outbox.record_done(session, job_id=job, actor=DELIVER_ACTOR, result=sent)
    log.info("delivery.sent", message_id=str(message_id), external_id=receipt.external_id)


def _send(outbound: OutboundMessage) -> DeliveryReceipt:
    """The adapter's receipt; any failure surfaces as DeliveryError (transient unless it says)."""
    try:
        adapter = adapter_for(outbound.channel)
    except KeyError:
        raise DeliveryError(f"no adapter serves {outbound.channel.value} here") from None
    try:
        return adapter.send(outbound)
    except DeliveryError:
        raise
    except Exception as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _record_failure(
    database: Database,
    tenant: uuid.UUID,
    job: uuid.UUID,
    message_id: uuid.UUID,
    error: DeliveryError,
) -> None:
    reason = str(error)
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        delivery.record_failed(
            session, message_id=message_id, reason=reason, permanent=error.permanent
        )
        result = {"failed": reason, "permanent": error.permanent}
        outbox.record_done(session, job_id=job, actor=DELIVER_ACTOR, result=result)
    log.warning(
        "delivery.failed", message_id=str(message_id), reason=reason, permanent=error.permanent
    )


def _is_last_attempt() -> bool:
    """Whether the Retries middleware will give up if this attempt fails; true outside a worker."""
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    retries: int = message.options.get("retries", 0)
    return retries >= ACTORS_BY_NAME[message.actor_name].max_retries


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=ROUTE_ACTOR,
        function=route_conversation,
        queue="routing",
        max_retries=8,
        min_backoff_ms=500,
        max_backoff_ms=60_000,
        time_limit_ms=30_000,
    ),
    ActorSpec(
        name=DELIVER_ACTOR,
        function=deliver_message,
        queue="delivery",
        max_retries=10,  # 15 to 25 minutes of backoff before a reply is marked failed
        min_backoff_ms=1_000,
        max_backoff_ms=300_000,
        time_limit_ms=120_000,
    ),
    *routing_actors.ACTORS,
    *sla_actors.ACTORS,
    *voice_actors.ACTORS,
    *social_actors.ACTORS,
    *account_actors.ACTORS,
)
ACTORS_BY_NAME = {spec.name: spec for spec in ACTORS}


def declare_actors(broker: dramatiq.Broker, *, namespace: str) -> None:
    """Declare every actor on this broker, its queue named ``<namespace>.<queue>``.

    Domain errors (a message or conversation that does not exist, say) fail the job at once:
    they are deterministic, so a retry could only repeat them.
    """
    for spec in ACTORS:
        declare = dramatiq.actor(
            broker=broker,
            actor_name=spec.name,
            queue_name=f"{namespace}.{spec.queue}",
            max_retries=spec.max_retries,
            min_backoff=spec.min_backoff_ms,
            max_backoff=spec.max_backoff_ms,
            time_limit=spec.time_limit_ms,
            throws=(DomainError,),
        )
        declare(spec.function)
