"""Signed outbound webhooks: how Switchboard tells other systems that something happened.

Signature: ``X-Switchboard-Signature: sha256=<hex>``, the HMAC-SHA256 with the receiver's
secret of ``"<X-Switchboard-Timestamp>.<body>"``; receivers recompute it and reject old
timestamps. ``X-Switchboard-Delivery`` is stable across retries, so receivers can dedupe.
The same scheme signs what others send us (the listening vendors' webhook) and what we send
them back, so an integrator implements it once.
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
TOLERANCE_SECONDS = 300  # how far a receiver lets a timestamp stray (replays, skewed clocks)


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


def signed_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The timestamp and signature headers for ``body``, signed now (or at ``timestamp``)."""
    moment = str(int(time.time()) if timestamp is None else timestamp)
    return {TIMESTAMP_HEADER: moment, SIGNATURE_HEADER: signature(secret, moment, body)}


def check_signature(
    secret: str | None,
    body: bytes,
    *,
    timestamp: str | None,
    signatures: str | None,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> str | None:
    """Why a signed request fails, in a word (``unconfigured``, ``missing``, ``malformed``,
    ``stale``, ``mismatch``), or None when it is good. The receiving side of this scheme: for
    webhooks that others send us. ``signatures`` may hold several comma-separated values
    (senders rotating secrets); one matching is enough. Constant-time comparison."""
    if not secret:
        return "unconfigured"
    if not timestamp or not signatures:
        return "missing"
    try:
        moment = int(timestamp.strip())
    except ValueError:
        return "malformed"
    given = [part.strip().lower() for part in signatures.split(",") if part.strip()]
    if not given or not all(part.startswith("sha256=") for part in given):
        return "malformed"
    if abs((time.time() if now is None else now) - moment) > tolerance:
        return "stale"
    expected = signature(secret, str(moment), body).encode()
    matched = False
    for part in given:
        matched |= hmac.compare_digest(expected, part.encode())
    return None if matched else "mismatch"


def post_webhook(target: WebhookTarget, payload: dict[str, Any], *, delivery_id: str) -> int:
    """POST the payload as signed JSON; the status code, or WebhookError.

    Connection trouble, timeouts, 408, 429 and 5xx are transient; other 4xx are permanent.
    """
    body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        **signed_headers(target.secret, body),
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
