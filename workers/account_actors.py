"""Account mail in workers: the password-reset link (the token is made here, never queued)."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from core import outbox, password_resets
from core.db import get_database
from core.models.tenant import Tenant
from core.settings import get_settings
from workers.actor_spec import ActorSpec
from workers.notices import mail_notice

log = structlog.get_logger(__name__)


def send_password_reset(job_id: str, tenant_id: str, payload: dict[str, Any]) -> None:
    """Make a reset token and mail its link; a retry after a failed send makes a new one."""
    job, tenant = uuid.UUID(job_id), uuid.UUID(tenant_id)
    settings = get_settings()
    database = get_database()
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        slug = session.get_one(Tenant, tenant).slug
        issued = password_resets.issue_token(
            session,
            user_id=uuid.UUID(payload["user_id"]),
            valid_minutes=settings.password_reset_minutes,
        )
    if issued is None:
        outcome = "not sent: no active account"
    else:
        base = (settings.public_url or f"http://{settings.host}:{settings.port}").rstrip("/")
        link = f"{base}/auth/{slug}/password/reset?token={issued.token}"
        text = (
            f"Hello {issued.name},\n\nSomeone asked to set a new Switchboard password for "
            f"{issued.email}. Follow this link within {settings.password_reset_minutes} "
            f"minutes to choose one:\n\n{link}\n\nIf it was not you, ignore this mail; your "
            "password stays as it is.\n"
        )
        outcome = mail_notice(
            job,
            tenant,
            recipient=issued.email,
            subject="Set your Switchboard password",
            text=text,
            kind="password_reset",
        )
    with database.tenant_unit(tenant) as session:
        if outbox.already_done(session, job):
            return
        outbox.record_done(
            session,
            job_id=job,
            actor=password_resets.SEND_RESET_ACTOR,
            result={"outcome": outcome},
        )
    log.info("account.password_reset_mailed", user_id=payload["user_id"], outcome=outcome)


ACTORS: tuple[ActorSpec, ...] = (
    ActorSpec(
        name=password_resets.SEND_RESET_ACTOR,
        function=send_password_reset,
        queue="notices",
        max_retries=6,
        min_backoff_ms=1_000,
        max_backoff_ms=60_000,
        time_limit_ms=60_000,
    ),
)
