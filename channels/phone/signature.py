"""X-Twilio-Signature, checked with the official ``twilio`` RequestValidator.

Twilio signs the full URL it requested (query string included) followed by every POST field
name and value, sorted, with HMAC-SHA1 keyed by the account's auth token (HMAC-SHA256 when
``X-Twilio-Webhooks-Signature-Settings`` says so). The URL is the one the provider used, so
behind a proxy the account's ``public_base_url`` must be set; without it the URL as this
server saw it is used.
"""

from __future__ import annotations

from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from channels.phone.params import FormParams

__all__ = ["SIGNATURE_HEADER", "SIGNATURE_SETTINGS_HEADER", "is_authentic", "requested_url"]


def requested_url(*, public_base_url: str | None, seen_url: str, path: str, query: str) -> str:
    """The URL the provider signed: the public base (if configured) plus path and query."""
    if not public_base_url:
        return seen_url
    return public_base_url.rstrip("/") + path + (f"?{query}" if query else "")


def is_authentic(
    *,
    auth_token: str,
    url: str,
    params: FormParams,
    signature: str | None,
    settings_header: str | None = None,
) -> bool:
    """Whether the request carries the signature the account's token gives it."""
    if not signature or not auth_token:
        return False
    algorithm = get_signature_algorithm(settings_header)
    return bool(RequestValidator(auth_token).validate(url, params, signature, algorithm))
