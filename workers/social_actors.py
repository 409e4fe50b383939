"""Social work in workers: alert evaluation, alert notices, statements, polling, the sweep."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from channels.social.base import ConnectorError
from channels.social.poller import poll_due_accounts
from channels.social.registry import publishing_connector
from core import outbox
from core.db import defer_commit_flush, get_database
from core.lookup import get_by_id
from core.models.social import SocialAccount
from core.models.social_alert import Incident
from core.social import escalation, incidents
from core.social import notify as social_notify
from core.social.alerts import NOTIFY_ALERT_ACTOR
from core.social.evaluation import evaluate_batch, run_social_sweep
from core.social.intake import EVALUATE_ACTOR
from core.social.polling import account_view
from workers.actor_spec import ActorSpec
from workers.notices import deliver_webhook, mail_notice
from workers.periodic import PeriodicTask

log = structlog.get_logger(__name__)


def evaluate_social_alerts(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Evaluate the monitors one intake batch touched; raise or grow their alerts."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    with get_database().tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        defer_commit_flush(session)  # derived figures: lost in a crash, the sweep redoes them
        changes = evaluate_batch(session, payload)
        result = {
            "changes": [
                {"alert_id": str(c.alert_id), "created": c.created, "escalated": c.escalated}
                for c in changes
            ]
        }
        outbox.record_done(session, job_id=job, actor=EVALUATE_ACTOR, result=result)


def notify_social_alert(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Mail the alert to its recipients; queue the monitor's webhook if it has one."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    alert_id = uuid.UUID(payload["alert_id"])
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        notice = social_notify.alert_notice(session, alert_id=alert_id, reason=payload["reason"])
    mailed = {
        email: mail_notice(
            job, tenant, recipient=email, subject=notice.subject, text=notice.text, kind="alert"
        )
        for email in notice.recipients
    }
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        webhook = social_notify.webhook_for_alert(session, alert_id=alert_id)
        if webhook is not None:
            outbox.enqueue(
                session,
                actor=social_notify.WEBHOOK_ACTOR,
                payload={"alert_id": str(alert_id), "body": notice.payload},
            )
        result = {"subject": notice.subject, "recipients": mailed, "webhook": webhook is not None}
        outbox.record_done(session, job_id=job, actor=NOTIFY_ALERT_ACTOR, result=result)
    log.info("social.alert_notified", alert_id=str(alert_id), recipients=mailed)


def post_social_alert_webhook(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """POST the alert to the monitor's webhook, signed; transient failures are retried."""
    alert_id = uuid.UUID(payload["alert_id"])
    deliver_webhook(
        job_id,
        tenant_id,
        actor=social_notify.WEBHOOK_ACTOR,
        body=payload["body"],
        target=lambda session: social_notify.webhook_for_alert(session, alert_id=alert_id),
    )


def publish_statement(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Post an incident's public statement from one account, once (the network's idempotency
    key is the job's incident and account); permanent failures are recorded, not retried."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    incident_id, account_id = uuid.UUID(payload["incident_id"]), uuid.UUID(payload["account_id"])
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        incident = get_by_id(session, Incident, incident_id, noun="incident")
        account = account_view(get_by_id(session, SocialAccount, account_id, noun="account"))
        text = incident.statement_text or ""
    try:
        post_id = publishing_connector(account.network).publish(
            account, text=text, idempotency_key=f"{incident_id}:{account_id}"
        )
        result: dict[str, Any] = {"status": "posted", "external_id": post_id}
    except ConnectorError as exc:
        if not exc.permanent:
            raise
        result = {"status": "failed", "reason": str(exc)}
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        incidents.record_statement_result(
            session, incident_id=incident_id, account_id=account_id, result=result
        )
        outbox.record_done(
            session, job_id=job, actor=incidents.PUBLISH_STATEMENT_ACTOR, result=result
        )
    log.info("social.statement", incident_id=str(incident_id), account_id=str(account_id), **result)


def notify_leadership(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Mail executives, supervisors and admins that a major incident is open (D16)."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    database = get_database()
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        notice = escalation.leadership_notice(
            session, incident_id=uuid.UUID(payload["incident_id"])
        )
    mailed = {
        email: mail_notice(
            job, tenant, recipient=email, subject=notice.subject, text=notice.text, kind="incident"
        )
        for email in notice.recipients
    }
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        result = {"subject": notice.subject, "recipients": mailed}
        outbox.record_done(
            session, job_id=job, actor=escalation.NOTIFY_LEADERSHIP_ACTOR, result=result
        )
    log.info("social.leadership_notified", incident_id=payload["incident_id"], recipients=mailed)


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=escalation.NOTIFY_LEADERSHIP_ACTOR,
        function=notify_leadership,
        queue="social",
        max_retries=10,
        min_backoff_ms=1_000,
        max_backoff_ms=300_000,
        time_limit_ms=120_000,
    ),
    ActorSpec(
        name=EVALUATE_ACTOR,
        function=evaluate_social_alerts,
        queue="social",
        max_retries=5,
        min_backoff_ms=500,
        max_backoff_ms=30_000,
        time_limit_ms=60_000,
    ),
    ActorSpec(
        name=NOTIFY_ALERT_ACTOR,
        function=notify_social_alert,
        queue="social",
        max_retries=10,
        min_backoff_ms=1_000,
        max_backoff_ms=300_000,
        time_limit_ms=120_000,
    ),
    ActorSpec(
        name=social_notify.WEBHOOK_ACTOR,
        function=post_social_alert_webhook,
        queue="social",
        max_retries=12,
        min_backoff_ms=2_000,
        max_backoff_ms=600_000,
        time_limit_ms=60_000,
    ),
    ActorSpec(
        name=incidents.PUBLISH_STATEMENT_ACTOR,
        function=publish_statement,
        queue="social",
        max_retries=8,
        min_backoff_ms=2_000,
        max_backoff_ms=600_000,
        time_limit_ms=60_000,
    ),
)
PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask(name="social_poll", every_seconds=5, run=poll_due_accounts),
    PeriodicTask(name="social_sweep", every_seconds=30, run=run_social_sweep),
)
