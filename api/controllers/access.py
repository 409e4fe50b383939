"""/me, /api-tokens, /identity-providers, /audit: who is calling, and a tenant's access setup.

Issuing a token is limited to scopes the issuer holds; the token's secret is in the answer to
its creation and nowhere else. Identity providers' client secrets are write-only.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from sqlmodel import Session

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.access import (
    ApiTokenCreate,
    ApiTokenOut,
    AuditEntryOut,
    IdentityProviderCreate,
    IdentityProviderOut,
    IdentityProviderUpdate,
    IssuedApiTokenOut,
    MeOut,
)
from core import api_keys, audit, identity_providers
from core.db import session_tenant
from core.models.identity_provider import IdentityProvider
from core.models.tenant import Tenant
from core.models.user import User


class MeController(Controller):
    path = "/me"
    tags = ["access"]
    opt = {"resource": "me"}  # permissions: api.guards

    @get(
        "/",
        sync_to_thread=True,
        summary="Who is calling, and what they may do",
        responses=problem_responses(),
    )
    def me(self, session: TenantSession, principal: Caller) -> MeOut:
        tenant = session.get_one(Tenant, principal.tenant_id)
        user = (
            session.get(User, (principal.tenant_id, principal.user_id))
            if principal.user_id
            else None
        )
        return MeOut(
            tenant_id=tenant.id,
            tenant_slug=tenant.slug,
            user_id=principal.user_id,
            token_id=principal.key_id,
            label=principal.label,
            roles=list(user.roles) if user else [],
            permissions=sorted(principal.permissions),
            csrf_token=principal.csrf_token,
        )


class ApiTokenController(Controller):
    path = "/api-tokens"
    tags = ["access"]
    opt = {"resource": "api_tokens"}  # permissions: api.guards

    @get("/", sync_to_thread=True, summary="List API tokens", responses=problem_responses())
    def list_tokens(
        self,
        session: TenantSession,
        include_revoked: FromQuery[bool] = False,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[ApiTokenOut]:
        page = api_keys.list_keys(
            session, include_revoked=include_revoked, limit=limit, cursor=cursor
        )
        return page_out(page, ApiTokenOut.model_validate)

    @post(
        "/",
        sync_to_thread=True,
        summary="Issue a token; the secret is in this answer only",
        responses=problem_responses(403),
    )
    def issue_token(
        self, session: TenantSession, principal: Caller, data: JSONBody[ApiTokenCreate]
    ) -> IssuedApiTokenOut:
        issuer = (
            session.get(User, (principal.tenant_id, principal.user_id))
            if principal.user_id
            else None
        )
        issued = api_keys.issue_key(
            session,
            name=data.name,
            scopes=data.scopes,
            issuer=issuer,
            issuer_permissions=principal.permissions,
            expires_at=data.expires_at,
        )
        key = api_keys.get_key(session, key_id=issued.id)
        return IssuedApiTokenOut(
            **ApiTokenOut.model_validate(key).model_dump(), token=issued.secret
        )

    @get(
        "/{token_id:uuid}",
        sync_to_thread=True,
        summary="Get an API token (never its secret)",
        responses=problem_responses(404),
    )
    def get_token(self, session: TenantSession, token_id: FromPath[uuid.UUID]) -> ApiTokenOut:
        return ApiTokenOut.model_validate(api_keys.get_key(session, key_id=token_id))

    @delete(
        "/{token_id:uuid}",
        sync_to_thread=True,
        summary="Revoke an API token at once",
        responses=problem_responses(404),
        audit=False,  # core.api_keys records the revocation
    )
    def revoke_token(self, session: TenantSession, token_id: FromPath[uuid.UUID]) -> None:
        api_keys.revoke_key(session, key_id=token_id)


def provider_out(session: Session, provider: IdentityProvider) -> IdentityProviderOut:
    slug = session.get_one(Tenant, session_tenant(session)).slug
    values = {
        name: getattr(provider, name)
        for name in IdentityProviderOut.model_fields
        if name not in {"sign_in_path", "redirect_path"}
    }
    base = f"/auth/{slug}/oidc/{provider.key}"
    return IdentityProviderOut(
        **values, sign_in_path=f"{base}/start", redirect_path=f"{base}/callback"
    )


class IdentityProviderController(Controller):
    path = "/identity-providers"
    tags = ["access"]
    opt = {"resource": "identity_providers"}  # permissions: api.guards

    @get("/", sync_to_thread=True, summary="List identity providers", responses=problem_responses())
    def list_providers(
        self, session: TenantSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
    ) -> PageOut[IdentityProviderOut]:
        page = identity_providers.list_providers(session, limit=limit, cursor=cursor)
        return page_out(page, lambda p: provider_out(session, p))

    @post(
        "/",
        sync_to_thread=True,
        summary="Add an OpenID Connect identity provider",
        responses=problem_responses(409),
    )
    def create_provider(
        self, session: TenantSession, data: JSONBody[IdentityProviderCreate]
    ) -> IdentityProviderOut:
        provider = identity_providers.create_provider(session, values=data.model_dump())
        return provider_out(session, provider)

    @get(
        "/{provider_id:uuid}",
        sync_to_thread=True,
        summary="Get an identity provider (never its secret)",
        responses=problem_responses(404),
    )
    def get_provider(
        self, session: TenantSession, provider_id: FromPath[uuid.UUID]
    ) -> IdentityProviderOut:
        return provider_out(
            session, identity_providers.get_provider(session, provider_id=provider_id)
        )

    @patch(
        "/{provider_id:uuid}",
        sync_to_thread=True,
        summary="Change an identity provider",
        responses=problem_responses(404),
    )
    def update_provider(
        self,
        session: TenantSession,
        provider_id: FromPath[uuid.UUID],
        data: JSONBody[IdentityProviderUpdate],
    ) -> IdentityProviderOut:
        provider = identity_providers.update_provider(
            session, provider_id=provider_id, changes=data.changes()
        )
        return provider_out(session, provider)

    @delete(
        "/{provider_id:uuid}",
        sync_to_thread=True,
        summary="Remove an identity provider (its users keep their accounts)",
        responses=problem_responses(404),
    )
    def delete_provider(self, session: TenantSession, provider_id: FromPath[uuid.UUID]) -> None:
        identity_providers.delete_provider(session, provider_id=provider_id)


class AuditController(Controller):
    path = "/audit"
    tags = ["access"]
    opt = {"resource": "audit"}  # permissions: api.guards

    @get(
        "/",
        sync_to_thread=True,
        summary="The audit log, newest first",
        description="`action` matches a prefix: `signin.` lists every sign-in attempt.",
        responses=problem_responses(),
    )
    def list_entries(
        self,
        session: TenantSession,
        action: FromQuery[str | None] = None,
        actor_user_id: FromQuery[uuid.UUID | None] = None,
        outcome: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[AuditEntryOut]:
        page = audit.list_entries(
            session,
            action=action,
            actor_user_id=actor_user_id,
            outcome=outcome,
            since=since,
            limit=limit,
            cursor=cursor,
        )
        return page_out(page, AuditEntryOut.model_validate)
