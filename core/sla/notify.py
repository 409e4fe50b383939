"""Telling people about a breach: the team lead's notice and the tenant's signed webhook.

The sweep only queues a ``NOTIFY_LEAD_ACTOR`` job (outbox, same transaction as the breach);
the worker (workers/sla_actors.py) builds the notice here, mails it and, if the tenant has a
webhook, queues one signed POST of the breach as its own job, so a failing endpoint is retried
without mailing anyone twice.

Webhooks are configured per tenant slug in ``SLA_WEBHOOKS`` (JSON:
``{"acme": {"url": "https://...", "secret": "..."}}``). The schema has no tenant column for
them yet, so they live in the environment until one is added.

The POST is signed as core.webhooks describes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session
from sqlmodel import col

from core.conversation_queries import get_conversation
from core.db import session_tenant
from core.models.queue import Queue
from core.models.tenant import Tenant
from core.models.user import Role, User
from core.webhooks import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookError,
    WebhookTarget,
    post_webhook,
    signature,
)

__all__ = [
    "DELIVERY_HEADER",
    "NOTIFY_LEAD_ACTOR",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_ACTOR",
    "BreachNotice",
    "WebhookError",
    "WebhookTarget",
    "breach_notice",
    "post_webhook",
    "signature",
    "webhook_for",
]

NOTIFY_LEAD_ACTOR = "sla_notify_lead"
WEBHOOK_ACTOR = "sla_breach_webhook"


class WebhookSettings(BaseSettings):
    """``SLA_WEBHOOKS``: tenant slug → webhook; read once per process."""

    model_config = SettingsConfigDict(env_prefix="SLA_", env_file=".env", extra="ignore")

    webhooks: dict[str, WebhookTarget] = {}


@lru_cache(maxsize=1)
def webhook_settings() -> WebhookSettings:
    return WebhookSettings()


@dataclass(frozen=True, slots=True)
class BreachNotice:
    """What the team leads of the conversation's queue are told."""

    conversation_id: uuid.UUID
    conversation_number: int
    subject: str
    text: str
    recipients: tuple[tuple[uuid.UUID, str], ...]  # (user id, email)
    tenant_slug: str


def breach_notice(session: Session, payload: dict[str, Any]) -> BreachNotice:
    """The notice for a breach job: to the active team leads of the org unit of the queue the
    conversation breached in (the payload's; else the one it is in now)."""
    conversation = get_conversation(session, conversation_id=uuid.UUID(payload["conversation_id"]))
    queue_id = uuid.UUID(payload["queue_id"]) if payload.get("queue_id") else conversation.queue_id
    unit_id, queue_name = None, "no queue"
    if queue_id is not None:
        row = session.execute(
            sa.select(col(Queue.org_unit_id), col(Queue.name)).where(col(Queue.id) == queue_id)
        ).one()
        unit_id, queue_name = row
    leads: list[tuple[uuid.UUID, str]] = []
    if unit_id is not None:
        users = session.execute(
            sa.select(col(User.id), col(User.email), col(User.roles))
            .where(col(User.org_unit_id) == unit_id, col(User.active).is_(True))
            .order_by(col(User.email))
        ).all()
        leads = [(user_id, email) for user_id, email, roles in users if Role.TEAM_LEAD in roles]
    metric = str(payload["metric"]).replace("_", " ")
    subject = f"SLA breached: {metric} on conversation #{conversation.number}"
    text = (
        f"The {metric} target of conversation #{conversation.number} "
        f"({conversation.subject or 'no subject'}) in queue {queue_name} was missed.\n"
        f"Target: {int(payload['target_seconds']) / 3600:g} working hours, "
        f"due {payload['due_at']}, escalation level {payload['level']}.\n"
    )
    slug = session.execute(
        sa.select(col(Tenant.slug)).where(col(Tenant.id) == session_tenant(session))
    ).scalar_one()
    return BreachNotice(
        conversation_id=conversation.id,
        conversation_number=conversation.number,
        subject=subject,
        text=text,
        recipients=tuple(leads),
        tenant_slug=slug,
    )


def webhook_for(tenant_slug: str) -> WebhookTarget | None:
    return webhook_settings().webhooks.get(tenant_slug)
