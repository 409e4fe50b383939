"""Who is calling: an API token (``Authorization: Bearer``) or a browser session cookie.

Both become the same ``Principal``: the tenant it acts for and the permissions it holds
(core.permissions). The credential is checked in a system session, since the tenant is what
we are finding out; everything after that runs in a session scoped to that tenant (see
api.dependencies). A cookie-authenticated request that changes state must also carry the
session's CSRF token in ``X-CSRF-Token``, so another site cannot act through the cookie.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeAlias

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.openapi.spec import SecurityScheme

from core import api_keys, audit, browser_sessions
from core.db import Database
from core.errors import AuthenticationError, PermissionDeniedError
from core.permissions import permissions_for
from core.settings import Settings

SECURITY_SCHEME_NAME = "apiKey"
SECURITY_SCHEME = SecurityScheme(
    type="http",
    scheme="bearer",
    description="An API token: `Authorization: Bearer sb_...`. Browsers may use the session "
    "cookie instead, with `X-CSRF-Token` on requests that change anything.",
)
SESSION_COOKIE = "sb_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: its tenant, what it may do, and the user or token behind it."""

    tenant_id: uuid.UUID
    permissions: frozenset[str]
    user_id: uuid.UUID | None = None
    key_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    label: str | None = None
    csrf_token: str | None = None

    def audit_actor(self, connection: ASGIConnection[Any, Any, Any, Any]) -> audit.AuditActor:
        return audit.AuditActor(
            user_id=self.user_id,
            key_id=self.key_id,
            label=self.label,
            ip=client_ip(connection),
            user_agent=connection.headers.get("user-agent"),
        )


Caller: TypeAlias = NamedDependency[Principal]
"""Handler parameter ``principal``: who is calling."""


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the token or session to a Principal, or answers 401 before any handler runs."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        database: Database = connection.app.state.database
        settings: Settings = connection.app.state.settings
        secret = bearer_token(connection.headers.get("authorization"))
        if secret is not None:
            principal = await to_thread.run_sync(_principal_for_key, database, secret, connection)
            if principal is None:
                raise AuthenticationError("unknown, expired or revoked API token")
            return AuthenticationResult(user=principal, auth=principal)
        cookie = connection.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise AuthenticationError(
                "send an API token as 'Authorization: Bearer <token>', or sign in"
            )
        idle = timedelta(minutes=settings.session_idle_minutes)
        principal = await to_thread.run_sync(_principal_for_session, database, cookie, idle)
        if principal is None:
            raise AuthenticationError("your session has ended; sign in again")
        if connection.scope.get("method", "GET") not in SAFE_METHODS and not _csrf_ok(
            connection.headers.get(CSRF_HEADER), principal.csrf_token
        ):
            raise PermissionDeniedError(f"missing or wrong {CSRF_HEADER} header")
        return AuthenticationResult(user=principal, auth=principal)


def bearer_token(header: str | None) -> str | None:
    """The credential of a ``Bearer`` authorization header, if that is what it is."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The peer address (uvicorn rewrites it from X-Forwarded-For for trusted proxies only)."""
    return connection.client.host if connection.client else None


def _csrf_ok(sent: str | None, expected: str | None) -> bool:
    return bool(sent and expected and hmac.compare_digest(sent, expected))


def _principal_for_key(
    database: Database, secret: str, connection: ASGIConnection[Any, Any, Any, Any]
) -> Principal | None:
    with database.system_unit() as session:
        owner = api_keys.authenticate(session, secret)
        if owner is None:
            return None
        principal = Principal(
            tenant_id=owner.tenant_id,
            permissions=owner.permissions,
            key_id=owner.key_id,
            label=f"token {owner.name}",
        )
        if owner.first_use_this_minute:  # token use is audited, at most once a minute
            audit.record(
                session,
                action="api_token.used",
                tenant_id=owner.tenant_id,
                actor=principal.audit_actor(connection),
                target_type="api_token",
                target_id=owner.key_id,
                detail={
                    "method": connection.scope.get("method", "GET"),
                    "path": connection.url.path,
                },
            )
    return principal


def _principal_for_session(database: Database, token: str, idle: timedelta) -> Principal | None:
    with database.system_unit() as session:
        active = browser_sessions.resolve(session, token=token, idle=idle)
    if active is None:
        return None
    return Principal(
        tenant_id=active.tenant_id,
        permissions=permissions_for(active.roles),
        user_id=active.user_id,
        session_id=active.id,
        label=active.email,
        csrf_token=active.csrf_token,
    )


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller (the middleware guarantees there is one under /api/v1)."""
    principal = request.scope.get("auth")
    if not isinstance(principal, Principal):
        raise AuthenticationError("not authenticated")
    return principal
