"""How the polling connectors turn an HTTP failure into ConnectorError or RateLimited.

One rule for X, Mastodon and feeds, so the platform's backoff sees the same thing whatever the
network: 429 (and 503 with a ``Retry-After``) is ``RateLimited`` with the wait the server
asked for; a 4xx that no retry can fix (bad credentials, forbidden, gone, rejected input) is
permanent; everything else (5xx, 408, 409, 425, time-outs, refused connections) is transient.
Reasons carry the status and the network's own words, never credentials or query strings.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

from channels.social.base import ConnectorError, RateLimited

REQUEST_TIMEOUT_SECONDS = 10.0
RETRYABLE_CLIENT_STATUSES = frozenset({408, 409, 425, 429})


def is_permanent_status(status: int) -> bool:
    """True for a 4xx that will fail the same way however often it is retried."""
    return 400 <= status < 500 and status not in RETRYABLE_CLIENT_STATUSES


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (delta or HTTP date), else a rate-limit reset
    header (``x-rate-limit-reset`` epoch seconds on X, ``X-RateLimit-Reset`` epoch or ISO 8601
    on Mastodon); None when the server gave no usable hint. Never negative."""
    current = time.time() if now is None else now
    retry_after = _header(headers, "retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            when = _http_date(retry_after)
            if when is not None:
                return max(0.0, when - current)
    reset = _header(headers, "x-rate-limit-reset") or _header(headers, "x-ratelimit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - current)
        except ValueError:
            when = _iso_date(reset)
            if when is not None:
                return max(0.0, when - current)
    return None


def error_for_status(
    source: str, status: int, detail: str, headers: Mapping[str, str] | None = None
) -> ConnectorError:
    """The ConnectorError an HTTP answer with ``status`` from ``source`` means (module rule)."""
    reason = f"{source} answered {status}: {detail}" if detail else f"{source} answered {status}"
    wait = retry_after_seconds(headers) if headers is not None else None
    if status == 429 or (status == 503 and wait is not None):
        return RateLimited(reason, retry_after=wait)
    return ConnectorError(reason, permanent=is_permanent_status(status))


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment: fit for logs and error reasons."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
    return value.strip() if value else None


def _http_date(value: str) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _iso_date(value: str) -> float | None:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
