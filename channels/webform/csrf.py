"""CSRF protection of the hosted page: a signed token bound to a cookie of the browser.

The page sets a random browser id in a SameSite=Lax cookie and embeds a token
``nonce.issued.signature`` where the signature is HMAC-SHA256 (key: ``WEBFORM_SECRET``) over the
form, the browser id, the nonce and the time. A forged cross-site POST lacks the cookie (the
browser does not send Lax cookies with it) or cannot produce a matching token, and a token
copied from one browser is worthless in another. The nonce doubles as the submission's
idempotency key: posting the same page twice gives the same reference number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid

COOKIE_NAME = "sb_form_browser"
COOKIE_PATH = "/forms/"
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{16,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CLOCK_SKEW_SECONDS = 60


def new_browser_id() -> str:
    return secrets.token_urlsafe(18)


def valid_browser_id(value: str | None) -> bool:
    return bool(value) and _BROWSER_ID.fullmatch(value or "") is not None


def issue_token(
    secret: str, *, form_id: uuid.UUID, browser_id: str, now: float | None = None
) -> str:
    """A fresh token for one rendering of the form in one browser."""
    nonce = secrets.token_urlsafe(16)
    issued = int(time.time() if now is None else now)
    return f"{nonce}.{issued}.{_sign(secret, form_id, browser_id, nonce, issued)}"


def check_token(
    secret: str,
    token: str | None,
    *,
    form_id: uuid.UUID,
    browser_id: str | None,
    max_age_seconds: int,
    now: float | None = None,
) -> str | None:
    """The token's nonce if it is ours, for this form and browser, and not expired; else None."""
    if not token or not valid_browser_id(browser_id):
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    nonce, issued_text, signature = match.groups()
    issued = int(issued_text)
    expected = _sign(secret, form_id, str(browser_id), nonce, issued)
    if not hmac.compare_digest(signature, expected):
        return None
    current = time.time() if now is None else now
    if not issued - CLOCK_SKEW_SECONDS <= current <= issued + max_age_seconds:
        return None
    return nonce


def _sign(secret: str, form_id: uuid.UUID, browser_id: str, nonce: str, issued: int) -> str:
    message = f"webform-csrf\x00{form_id}\x00{browser_id}\x00{nonce}\x00{issued}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
