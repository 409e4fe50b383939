"""HMAC-SHA256 request signatures, as Meta sends them and as our vendor webhook takes them
(the latter is core.webhooks' scheme, shared with every webhook Switchboard sends).

Every comparison is constant-time (``hmac.compare_digest``); a check answers why it failed
(``missing``, ``malformed``, ``mismatch``, ``stale``) so that the webhook can log the reason,
never the secret or the expected digest.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from core.webhooks import check_signature

META_SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """The outcome of a check: ``ok``, else the reason in a word (for logs and answers)."""

    ok: bool
    reason: str = ""


VALID = SignatureCheck(ok=True)


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def same_secret(expected: str | None, given: str | None) -> bool:
    """Constant-time equality of two short secrets (verify tokens); False if either is absent."""
    if not expected or given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def check_meta_signature(app_secret: str | None, body: bytes, header: str | None) -> SignatureCheck:
    """``X-Hub-Signature-256: sha256=<hex>`` against the HMAC of the raw body (Meta's rule)."""
    if not app_secret:
        return SignatureCheck(False, "unconfigured")
    if not header:
        return SignatureCheck(False, "missing")
    scheme, sep, digest = header.strip().partition("=")
    if not sep or scheme.lower() != "sha256" or not digest:
        return SignatureCheck(False, "malformed")
    expected = hmac_sha256_hex(app_secret, body)
    if not hmac.compare_digest(expected.encode(), digest.strip().lower().encode()):
        return SignatureCheck(False, "mismatch")
    return VALID


def check_vendor_signature(
    secret: str | None,
    body: bytes,
    *,
    timestamp: str | None,
    signatures: str | None,
    now: float | None = None,
) -> SignatureCheck:
    """A listening vendor signs as Switchboard's own webhooks do (core.webhooks): HMAC-SHA256
    of ``"<X-Switchboard-Timestamp>.<body>"`` in ``X-Switchboard-Signature: sha256=<hex>``."""
    reason = check_signature(secret, body, timestamp=timestamp, signatures=signatures, now=now)
    return VALID if reason is None else SignatureCheck(False, reason)
