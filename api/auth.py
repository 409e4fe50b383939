"""Who is calling: ``Authorization: Bearer <api key>`` → the tenant the request acts for.

Interim scheme: tenant API keys only. The key is checked in a system session (the tenant is
what we are finding out); everything after that runs in a session scoped to the key's tenant,
so no handler ever names a tenant in a query (see api.dependencies). User identities will
arrive as another way to build the same ``Principal``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, TypeAlias

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.openapi.spec import SecurityScheme

from core import api_keys
from core.db import Database
from core.errors import AuthenticationError

SECURITY_SCHEME_NAME = "apiKey"
SECURITY_SCHEME = SecurityScheme(
    type="http",
    scheme="bearer",
    description="A tenant API key: `Authorization: Bearer sb_...`",
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: the tenant it acts for, and the user when there is one (not for API keys)."""

    tenant_id: uuid.UUID
    key_id: uuid.UUID | None = None
    user_id: uuid.UUID | None = None


Caller: TypeAlias = NamedDependency[Principal]
"""Handler parameter ``principal``: who is calling."""


class ApiKeyAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the bearer key to a Principal, or answers 401 before any handler runs."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        secret = bearer_token(connection.headers.get("authorization"))
        if secret is None:
            raise AuthenticationError("send a tenant API key as 'Authorization: Bearer <key>'")
        database: Database = connection.app.state.database
        principal = await to_thread.run_sync(_principal_for_key, database, secret)
        if principal is None:
            raise AuthenticationError("unknown or revoked API key")
        return AuthenticationResult(user=principal, auth=principal)


def bearer_token(header: str | None) -> str | None:
    """The credential of a ``Bearer`` authorization header, if that is what it is."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def _principal_for_key(database: Database, secret: str) -> Principal | None:
    with database.system_unit() as session:
        owner = api_keys.authenticate(session, secret)
        if owner is None:
            return None
        api_keys.touch(session, owner.key_id)
    return Principal(tenant_id=owner.tenant_id, key_id=owner.key_id)


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The authenticated caller (the middleware guarantees there is one under /api/v1)."""
    principal = request.scope.get("auth")
    if not isinstance(principal, Principal):
        raise AuthenticationError("not authenticated")
    return principal
