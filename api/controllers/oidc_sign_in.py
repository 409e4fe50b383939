"""Single sign-on: ``/auth/{tenant}/oidc/{provider}/start`` and its ``/callback``.

Between the two the browser carries a signed, ten-minute cookie with the state, nonce and
PKCE verifier, scoped to the callback's path; the callback refuses anything that does not
match it. Every refusal is audited with its reason and answered with a page that says it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import structlog
from anyio import to_thread
from itsdangerous import BadSignature, URLSafeTimedSerializer
from litestar import Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from api.browser import (
    ACCOUNT_PATH,
    TenantRef,
    base_url,
    cookie,
    database_of,
    expired_cookie,
    find_tenant,
    message_page,
    request_actor,
    safe_next,
    settings_of,
    signed_in_redirect,
)
from core import audit, identity_providers, oidc, sso_users
from core.models.identity_provider import IdentityProvider

PENDING_COOKIE = "sb_oidc"
PENDING_MAX_AGE_S = 600
MAX_PROVIDER_TEXT = 200
AUTH_TAGS = ["sign-in"]


def _serializer(request: Request[Any, Any, Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings_of(request).session_secret, salt="oidc-pending")


def _callback_path(tenant: TenantRef, key: str) -> str:
    return f"/auth/{tenant.slug}/oidc/{key}/callback"


def _provider(
    request: Request[Any, Any, Any], tenant: TenantRef, key: str
) -> IdentityProvider | None:
    with database_of(request).tenant_unit(tenant.id) as session:
        provider = identity_providers.provider_by_key(session, key=key)
        return provider if provider is not None and provider.enabled else None


log = structlog.get_logger(__name__)


def _refused(
    request: Request[Any, Any, Any],
    tenant: TenantRef,
    provider: IdentityProvider,
    reason: str,
    *,
    status: int = 401,
) -> Response[str]:
    log.info("auth.sso_refused", tenant=tenant.slug, provider=provider.key, reason=reason)
    with database_of(request).tenant_unit(tenant.id) as session:
        audit.bind_actor(session, request_actor(request))
        sso_users.refuse(session, provider=provider, reason=reason)
    response = message_page(
        "Sign-in failed",
        reason,
        status=status,
        link=f"/auth/{tenant.slug}/login",
        link_text="Back to sign-in",
    )
    response.cookies.append(
        expired_cookie(request, PENDING_COOKIE, path=_callback_path(tenant, provider.key))
    )
    return response


@get(
    "/auth/{tenant_slug:str}/oidc/{key:str}/start",
    tags=AUTH_TAGS,
    include_in_schema=False,
)
async def oidc_start(
    request: Request[Any, Any, Any],
    tenant_slug: FromPath[str],
    key: FromPath[str],
    next: FromQuery[str | None] = None,
) -> Response[Any]:
    return await to_thread.run_sync(
        lambda: _oidc_start(request=request, tenant_slug=tenant_slug, key=key, next=next)
    )


def _oidc_start(
    request: Request[Any, Any, Any],
    tenant_slug: FromPath[str],
    key: FromPath[str],
    next: FromQuery[str | None] = None,
) -> Response[Any]:
    tenant = find_tenant(database_of(request), tenant_slug)
    provider = _provider(request, tenant, key) if tenant else None
    if tenant is None or provider is None:
        return message_page("Not found", "There is no such sign-in here.", status=404)
    callback = _callback_path(tenant, key)
    try:
        url, pending = oidc.begin(
            provider,
            redirect_uri=base_url(request) + callback,
            next_path=safe_next(next, ACCOUNT_PATH),
        )
    except oidc.OidcError as exc:
        return _refused(request, tenant, provider, exc.reason, status=502)
    value = _serializer(request).dumps(asdict(pending))
    return Redirect(
        url,
        status_code=302,
        cookies=[cookie(request, PENDING_COOKIE, value, max_age=PENDING_MAX_AGE_S, path=callback)],
    )


@get("/auth/{tenant_slug:str}/oidc/{key:str}/callback", tags=AUTH_TAGS, include_in_schema=False)
async def oidc_callback(
    request: Request[Any, Any, Any],
    tenant_slug: FromPath[str],
    key: FromPath[str],
    code: FromQuery[str | None] = None,
    oidc_state: Annotated[str | None, QueryParameter(name="state")] = None,
    error: FromQuery[str | None] = None,
    error_description: FromQuery[str | None] = None,
) -> Response[Any]:
    database = database_of(request)
    tenant = await to_thread.run_sync(find_tenant, database, tenant_slug)
    provider = await to_thread.run_sync(_provider, request, tenant, key) if tenant else None
    if tenant is None or provider is None:
        return message_page("Not found", "There is no such sign-in here.", status=404)

    def refuse(reason: str, status: int = 401) -> Any:
        return to_thread.run_sync(
            lambda: _refused(request, tenant, provider, reason, status=status)
        )

    try:
        raw = _serializer(request).loads(
            request.cookies.get(PENDING_COOKIE, ""), max_age=PENDING_MAX_AGE_S
        )
        pending = oidc.PendingLogin(**raw)
    except (BadSignature, TypeError):
        # Not a sign-in this browser started (or a stale one): nothing to audit, since
        # anyone can send this request and the log must not be theirs to fill.
        log.info("auth.sso_callback_without_start", tenant=tenant.slug, provider=provider.key)
        return message_page(
            "Sign-in failed",
            "The sign-in took too long or did not start here; start again.",
            status=400,
            link=f"/auth/{tenant.slug}/login",
            link_text="Back to sign-in",
        )
    if error:
        said = (error_description or error)[:MAX_PROVIDER_TEXT]
        return await refuse(f"the identity provider said: {said}")
    state = oidc_state
    if state != pending.state:
        return await refuse("the sign-in state does not match; start again", 400)
    if not code:
        return await refuse("the identity provider sent no code", 400)
    try:
        verified = await to_thread.run_sync(
            lambda: oidc.complete(
                provider,
                redirect_uri=base_url(request) + _callback_path(tenant, key),
                pending=pending,
                code=code,
                state=state,
            )
        )
    except oidc.OidcError as exc:
        return await refuse(exc.reason)

    def link_user() -> sso_users.SsoOutcome:
        with database.tenant_unit(tenant.id) as session:
            audit.bind_actor(session, request_actor(request))
            return sso_users.sign_in(session, provider=provider, claims=verified.claims)

    outcome = await to_thread.run_sync(link_user)
    if outcome.user is None:
        refused = message_page(
            "Sign-in refused",
            outcome.failure or "refused",
            status=403,
            link=f"/auth/{tenant.slug}/login",
            link_text="Back to sign-in",
        )
        refused.cookies.append(
            expired_cookie(request, PENDING_COOKIE, path=_callback_path(tenant, key))
        )
        return refused
    return await signed_in_redirect(
        request,
        tenant.id,
        outcome.user,
        method=f"oidc:{provider.key}",
        next_path=pending.next_path,
        id_token=verified.id_token,
        extra_cookies=[expired_cookie(request, PENDING_COOKIE, path=_callback_path(tenant, key))],
    )


OIDC_ROUTES = [oidc_start, oidc_callback]
