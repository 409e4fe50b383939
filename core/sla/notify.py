"""Telling people about a breach: the team lead's notice and the tenant's signed webhook.

The sweep only queues a ``NOTIFY_LEAD_ACTOR`` job (outbox, same transaction as the breach);
the worker (workers/sla_actors.py) builds the notice here, mails it and, if the tenant has a
webhook, queues one signed POST of the breach as its own job, so a failing endpoint is retried
without mailing anyone twice.

Webhooks are configured per tenant slug in ``SLA_WEBHOOKS`` (JSON:
``{"acme": {"url": "https://...", "secret": "..."}}``). The schema has no tenant column for
them yet, so they live in the environment until one is added.

Signature: ``X-Switchboard-Signature: sha256=<hex>``, the HMAC-SHA256 with the tenant's secret
of ``"<X-Switchboard-Timestamp>.<body>"``; receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
import sqlalchemy as sa
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session
from sqlmodel import col

from core.conversation_queries import get_conversation
from core.db import session_tenant
from core.models.queue import Queue
from core.models.tenant import Tenant
from core.models.user import Role, User

NOTIFY_LEAD_ACTOR = "sla_notify_lead"
WEBHOOK_ACTOR = "sla_breach_webhook"
WEBHOOK_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Switchboard-Signature"
TIMESTAMP_HEADER = "X-Switchboard-Timestamp"
DELIVERY_HEADER = "X-Switchboard-Delivery"


class WebhookTarget(BaseModel):
    url: str
    secret: str


class WebhookSettings(BaseSettings):
    """``SLA_WEBHOOKS``: tenant slug → webhook; read once per process."""

    model_config = SettingsConfigDict(env_prefix="SLA_", env_file=".env", extra="ignore")

    webhooks: dict[str, WebhookTarget] = {}


@lru_cache(maxsize=1)
def webhook_settings() -> WebhookSettings:
    return WebhookSettings()


class WebhookError(Exception):
    """The endpoint did not take the POST; ``permanent`` for answers a retry cannot change."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


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


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``"<timestamp>.<body>"`` under the tenant's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def post_webhook(target: WebhookTarget, payload: dict[str, Any], *, delivery_id: str) -> int:
    """POST the payload as signed JSON; the status code, or WebhookError.

    Connection trouble, timeouts, 408, 429 and 5xx are transient; other 4xx are permanent.
    """
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(target.secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
    }
    try:
        response = httpx.post(
            target.url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        raise WebhookError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    if response.is_success:
        return response.status_code
    transient = response.status_code in (408, 429) or response.status_code >= 500
    raise WebhookError(f"HTTP {response.status_code}", permanent=not transient)
