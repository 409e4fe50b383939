"""SLA work in workers: the periodic sweep and forecast, and breach notifications.

``notify_lead`` mails the team leads of the conversation's queue through the email channel's
adapter (the tenant mailbox's SMTP server; the demo's loopback files without one). Where no
mail can be sent at all (no mailbox, no adapter) the notice is recorded in the job's receipt
instead. The tenant's webhook, if it has one, is queued in the same transaction as that
receipt as its own job, so retrying a failing endpoint never mails anyone twice.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core.db import get_database
from core.models.tenant import Tenant
from core.sla import notify
from core.sla.prediction import run_breach_prediction
from core.sla.sweep import run_sla_sweep
from core.webhooks import WebhookTarget
from workers.actor_spec import ActorSpec
from workers.notices import deliver_webhook, mail_notice
from workers.periodic import PeriodicTask

log = structlog.get_logger(__name__)


def notify_lead(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Mail the breach notice to the queue's team leads; queue the webhook if there is one."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        notice = notify.breach_notice(session, payload)
    mailed = {
        email: mail_notice(
            job,
            tenant,
            recipient=email,
            subject=notice.subject,
            text=notice.text,
            kind="sla_breach_notice",
            conversation_id=notice.conversation_id,
            conversation_number=notice.conversation_number,
        )
        for _, email in notice.recipients
    }
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):  # a twin delivery finished first
            return
        webhook = notify.webhook_for(notice.tenant_slug)
        if webhook is not None:
            body = {
                "event": "sla.breached",
                "tenant": notice.tenant_slug,
                "conversation_number": notice.conversation_number,
                "team_leads": [email for _, email in notice.recipients],
                **payload,
            }
            outbox.enqueue(session, actor=notify.WEBHOOK_ACTOR, payload=body)
        result = {
            "subject": notice.subject,
            "recipients": mailed,
            "webhook": webhook is not None,
            "text": notice.text,
        }
        outbox.record_done(session, job_id=job, actor=notify.NOTIFY_LEAD_ACTOR, result=result)
    log.info("sla.lead_notified", conversation_id=payload["conversation_id"], recipients=mailed)


def post_breach_webhook(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """POST the breach to the tenant's webhook, signed; transient failures are retried."""

    def target(session: Session) -> WebhookTarget | None:
        slug = session.execute(
            sa.select(col(Tenant.slug)).where(col(Tenant.id) == uuid.UUID(tenant_id))
        ).scalar_one()
        return notify.webhook_for(slug)

    deliver_webhook(job_id, tenant_id, actor=notify.WEBHOOK_ACTOR, body=payload, target=target)


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=notify.NOTIFY_LEAD_ACTOR,
        function=notify_lead,
        queue="sla",
        max_retries=10,
        min_backoff_ms=1_000,
        max_backoff_ms=300_000,
        time_limit_ms=120_000,
    ),
    ActorSpec(
        name=notify.WEBHOOK_ACTOR,
        function=post_breach_webhook,
        queue="sla",
        max_retries=12,  # about an hour of backoff before it is dead-lettered
        min_backoff_ms=2_000,
        max_backoff_ms=600_000,
        time_limit_ms=60_000,
    ),
)
PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask(name="sla_sweep", every_seconds=15, run=run_sla_sweep),
    PeriodicTask(name="sla_prediction", every_seconds=60, run=run_breach_prediction),
)
