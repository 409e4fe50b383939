"""Security headers on every answer, set in one place.

Pages and JSON get ``nosniff``, a strict referrer policy and no framing; a response that
sets its own Content-Security-Policy (the hosted forms, the API docs) keeps it, others get
one fitting what they are: nothing at all may load for JSON, only our own origin for pages.
HSTS is sent over HTTPS (browsers ignore it over plain HTTP anyway).
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

PAGE_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
FRAMEABLE_PREFIXES = ("/forms/",)  # hosted forms are embedded on customers' sites
OWN_POLICY_PREFIXES = ("/forms/", "/api/docs", "/api/schema", "/dashboard")


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: it sees every answer, error answers made outside the
    middleware stack (a refused credential) included."""
    if message["type"] != "http.response.start":
        return
    path: str = scope["path"]
    headers = MutableScopeHeaders.from_message(message)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not path.startswith(FRAMEABLE_PREFIXES):
        headers.setdefault("X-Frame-Options", "DENY")
    if not path.startswith(OWN_POLICY_PREFIXES):
        is_page = (headers.get("content-type") or "").startswith("text/html")
        headers.setdefault("Content-Security-Policy", PAGE_POLICY if is_page else DATA_POLICY)
    if scope.get("scheme") == "https":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
