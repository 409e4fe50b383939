"""Signed outbound webhooks: how Switchboard tells other systems that something happened.

Signature: ``X-Switchboard-Signature: sha256=<hex>``, the HMAC-SHA256 with the receiver's
secret of ``"<X-Switchboard-Timestamp>.<body>"``; receivers recompute it and reject old
timestamps. ``X-Switchboard-Delivery`` is stable across retries, so receivers can dedupe.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
from pydantic import BaseModel

WEBHOOK_TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER = "X-Switchboard-Signature"
TIMESTAMP_HEADER = "X-Switchboard-Timestamp"
DELIVERY_HEADER = "X-Switchboard-Delivery"


class WebhookTarget(BaseModel):
    url: str
    secret: str


class WebhookError(Exception):
    """The endpoint did not take the POST; ``permanent`` for answers a retry cannot change."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


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
