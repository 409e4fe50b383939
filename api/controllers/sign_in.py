"""Browser sign-in with a password, sign-out, the account page and password reset.

``/auth/{tenant}/login`` shows the tenant's single sign-on buttons and the password form;
``/auth/logout`` ends the session here and, after single sign-on, at the provider too.
Failures answer a page with the reason (401, 403, 429 with Retry-After), never a 500.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from api.auth import SESSION_COOKIE
from api.browser import (
    ACCOUNT_PATH,
    FORM_MAX_BYTES,
    TenantRef,
    base_url,
    database_of,
    expired_cookie,
    find_tenant,
    form_csrf,
    form_csrf_ok,
    message_page,
    page,
    request_actor,
    safe_next,
    same_token,
    settings_of,
    signed_in_redirect,
)
from core import audit, browser_sessions, identity_providers, local_sign_in, oidc, password_resets
from core.db import Database
from core.errors import InvalidInputError
from core.models.identity_provider import IdentityProvider
from core.models.tenant import Tenant
from core.models.user import User

log = structlog.get_logger(__name__)
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
AUTH_TAGS = ["sign-in"]


def login_path(slug: str) -> str:
    return f"/auth/{slug}/login"


def _unknown_tenant() -> Response[str]:
    return message_page("Not found", "There is no such organisation here.", status=404)


def _form_tenant(
    request: Request[Any, Any, Any], slug: str, data: Form
) -> TenantRef | Response[str]:
    """The tenant a posted form is for, or the page that refuses it (unknown tenant, a form
    without its CSRF token)."""
    tenant = find_tenant(database_of(request), slug)
    if tenant is None:
        return _unknown_tenant()
    if not form_csrf_ok(request, data.get("csrf_token")):
        return message_page(
            "Form expired",
            "The form was too old or came from elsewhere; please try again.",
            status=403,
            link=login_path(tenant.slug),
            link_text="Back to sign-in",
        )
    return tenant


def _login_page(
    request: Request[Any, Any, Any],
    tenant: TenantRef,
    *,
    next_path: str,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
    email: str = "",
    headers: dict[str, str] | None = None,
) -> Response[str]:
    database = database_of(request)
    with database.tenant_unit(tenant.id) as session:
        providers = [
            {
                "key": p.key,
                "display_name": p.display_name,
                "start_url": f"/auth/{tenant.slug}/oidc/{p.key}/start?next={quote(next_path)}",
            }
            for p in identity_providers.enabled_providers(session)
        ]
    token, cookies = form_csrf(request)
    response = page(
        "login.html",
        status=status,
        cookies=cookies,
        title="Sign in",
        tenant_name=tenant.name,
        providers=providers,
        error=error,
        notice=notice,
        email=email,
        csrf_token=token,
        next_path=next_path,
        action=login_path(tenant.slug),
        forgot_url=f"/auth/{tenant.slug}/password/forgot",
    )
    response.headers.update(headers or {})
    return response


@get("/auth/{tenant_slug:str}/login", tags=AUTH_TAGS, include_in_schema=False)
async def login_form(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], next: FromQuery[str | None] = None
) -> Response[str]:
    return await to_thread.run_sync(
        lambda: _login_form(request=request, tenant_slug=tenant_slug, next=next)
    )


def _login_form(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], next: FromQuery[str | None] = None
) -> Response[str]:
    tenant = find_tenant(database_of(request), tenant_slug)
    if tenant is None:
        return _unknown_tenant()
    return _login_page(request, tenant, next_path=safe_next(next, ACCOUNT_PATH))


@post(
    "/auth/{tenant_slug:str}/login",
    tags=AUTH_TAGS,
    include_in_schema=False,
    request_max_body_size=FORM_MAX_BYTES,
)
async def login_submit(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], data: Form
) -> Response[Any]:
    database = database_of(request)
    tenant = await to_thread.run_sync(_form_tenant, request, tenant_slug, data)
    if not isinstance(tenant, TenantRef):
        return tenant
    next_path = safe_next(data.get("next"), ACCOUNT_PATH)
    email, password = data.get("email", ""), data.get("password", "")

    def attempt() -> local_sign_in.SignInOutcome:
        with database.tenant_unit(tenant.id) as session:
            audit.bind_actor(session, request_actor(request))
            return local_sign_in.sign_in(session, email=email, password=password)

    outcome = await to_thread.run_sync(attempt)
    log.info(
        "auth.password_sign_in",
        tenant=tenant.slug,
        succeeded=outcome.user is not None,
        reason=outcome.failure,
    )
    if outcome.user is None:
        status = 429 if outcome.retry_after else 401
        headers = {"Retry-After": str(outcome.retry_after)} if outcome.retry_after else None
        return await to_thread.run_sync(
            lambda: _login_page(
                request,
                tenant,
                next_path=next_path,
                status=status,
                error=outcome.failure,
                email=email,
                headers=headers,
            )
        )
    return await signed_in_redirect(
        request, tenant.id, outcome.user, method="password", next_path=next_path
    )


@get(ACCOUNT_PATH, tags=AUTH_TAGS, include_in_schema=False)
async def account_page(request: Request[Any, Any, Any]) -> Response[str]:
    return await to_thread.run_sync(lambda: _account_page(request=request))


def _account_page(request: Request[Any, Any, Any]) -> Response[str]:
    database = database_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    active = _active_session(request, database, token)
    if active is None:
        return message_page("Not signed in", "Your session has ended.", status=401)
    with database.tenant_unit(active.tenant_id) as session:
        tenant = session.get_one(Tenant, active.tenant_id)
        user = session.get_one(User, (active.tenant_id, active.user_id))
        return page(
            "account.html",
            title="Your account",
            tenant_name=tenant.name,
            name=user.name,
            email=user.email,
            roles=user.roles,
            method=active.method,
            csrf_token=active.csrf_token,
        )


@post("/auth/logout", tags=AUTH_TAGS, include_in_schema=False, request_max_body_size=FORM_MAX_BYTES)
async def logout(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    database = database_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    active = await to_thread.run_sync(lambda: _active_session(request, database, token))
    if active is None or token is None:
        response: Response[Any] = message_page("Signed out", "You are signed out.", status=200)
        response.cookies.append(expired_cookie(request, SESSION_COOKIE))
        return response
    if not same_token(data.get("csrf_token"), active.csrf_token):
        return message_page("Not signed out", "The sign-out form came from elsewhere.", status=403)
    target = await to_thread.run_sync(lambda: _end_session(request, database, token, active))
    return Redirect(target, status_code=303, cookies=[expired_cookie(request, SESSION_COOKIE)])


def _active_session(
    request: Request[Any, Any, Any], database: Database, token: str | None
) -> browser_sessions.ActiveSession | None:
    if not token:
        return None
    idle = settings_of(request).session_idle_minutes
    with database.system_unit() as session:
        return browser_sessions.resolve(session, token=token, idle=timedelta(minutes=idle))


def _end_session(
    request: Request[Any, Any, Any],
    database: Database,
    token: str,
    active: browser_sessions.ActiveSession,
) -> str:
    """End the session; where the browser goes next (the provider's logout, or sign-in)."""
    with database.tenant_unit(active.tenant_id) as session:
        actor = request_actor(request)
        audit.bind_actor(
            session,
            audit.AuditActor(
                user_id=active.user_id, label=active.email, ip=actor.ip, user_agent=actor.user_agent
            ),
        )
        ended = browser_sessions.end(session, token=token)
        audit.record(
            session,
            action="signout",
            target_type="user",
            target_id=active.user_id,
            detail={"method": active.method},
        )
        slug = session.get_one(Tenant, active.tenant_id).slug
        destination = login_path(slug)
        provider: IdentityProvider | None = None
        if active.method.startswith("oidc:"):
            provider = identity_providers.provider_by_key(session, key=active.method[5:])
    if provider is not None:
        url = oidc.end_session_url(
            provider,
            id_token=ended.id_token if ended else None,
            post_logout_redirect_uri=base_url(request) + destination,
        )
        if url:
            return url
    return destination


@get(
    "/auth/{tenant_slug:str}/password/forgot",
    tags=AUTH_TAGS,
    include_in_schema=False,
)
async def forgot_form(request: Request[Any, Any, Any], tenant_slug: FromPath[str]) -> Response[str]:
    return await to_thread.run_sync(lambda: _forgot_form(request=request, tenant_slug=tenant_slug))


def _forgot_form(request: Request[Any, Any, Any], tenant_slug: FromPath[str]) -> Response[str]:
    tenant = find_tenant(database_of(request), tenant_slug)
    if tenant is None:
        return _unknown_tenant()
    token, cookies = form_csrf(request)
    return page(
        "forgot.html",
        cookies=cookies,
        title="Forgot your password?",
        tenant_name=tenant.name,
        csrf_token=token,
        action=f"/auth/{tenant.slug}/password/forgot",
    )


@post(
    "/auth/{tenant_slug:str}/password/forgot",
    tags=AUTH_TAGS,
    include_in_schema=False,
    request_max_body_size=FORM_MAX_BYTES,
)
async def forgot_submit(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], data: Form
) -> Response[str]:
    return await to_thread.run_sync(
        lambda: _forgot_submit(request=request, tenant_slug=tenant_slug, data=data)
    )


def _forgot_submit(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], data: Form
) -> Response[str]:
    database = database_of(request)
    tenant = _form_tenant(request, tenant_slug, data)
    if not isinstance(tenant, TenantRef):
        return tenant
    with database.tenant_unit(tenant.id) as session:
        audit.bind_actor(session, request_actor(request))
        password_resets.request_reset(session, email=data.get("email", ""))
    return message_page(
        "Check your mail",
        "If that address has an account here, a link to set a new password is on its way.",
        status=202,
        link=login_path(tenant.slug),
        link_text="Back to sign-in",
    )


@get(
    "/auth/{tenant_slug:str}/password/reset",
    tags=AUTH_TAGS,
    include_in_schema=False,
)
async def reset_form(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], token: FromQuery[str] = ""
) -> Response[str]:
    return await to_thread.run_sync(
        lambda: _reset_form(request=request, tenant_slug=tenant_slug, token=token)
    )


def _reset_form(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], token: FromQuery[str] = ""
) -> Response[str]:
    database = database_of(request)
    tenant = find_tenant(database, tenant_slug)
    if tenant is None:
        return _unknown_tenant()
    with database.tenant_unit(tenant.id) as session:
        usable = bool(token) and password_resets.is_usable(session, token=token)
    if not usable:
        return message_page(
            "Link expired",
            "This link was used already or has expired; ask for a new one.",
            status=410,
            link=f"/auth/{tenant.slug}/password/forgot",
            link_text="Ask for a new link",
        )
    return _reset_page(request, tenant, token)


def _reset_page(
    request: Request[Any, Any, Any],
    tenant: TenantRef,
    token: str,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response[str]:
    csrf, cookies = form_csrf(request)
    return page(
        "reset.html",
        status=status,
        cookies=cookies,
        title="Choose a new password",
        tenant_name=tenant.name,
        csrf_token=csrf,
        token=token,
        error=error,
        action=f"/auth/{tenant.slug}/password/reset",
    )


@post(
    "/auth/{tenant_slug:str}/password/reset",
    tags=AUTH_TAGS,
    include_in_schema=False,
    request_max_body_size=FORM_MAX_BYTES,
)
async def reset_submit(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], data: Form
) -> Response[str]:
    return await to_thread.run_sync(
        lambda: _reset_submit(request=request, tenant_slug=tenant_slug, data=data)
    )


def _reset_submit(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], data: Form
) -> Response[str]:
    database = database_of(request)
    tenant = _form_tenant(request, tenant_slug, data)
    if not isinstance(tenant, TenantRef):
        return tenant
    token = data.get("token", "")
    try:
        with database.tenant_unit(tenant.id) as session:
            audit.bind_actor(session, request_actor(request))
            password_resets.reset_password(session, token=token, password=data.get("password", ""))
    except InvalidInputError as exc:
        problem = exc.problems[0] if exc.problems else None
        if problem is not None and problem.field == "password":
            return _reset_page(
                request, tenant, token, error=f"The password {problem.message}.", status=422
            )
        return message_page("Link expired", "Ask for a new link.", status=410)
    return message_page(
        "Password set",
        "Your new password is set, and you were signed out everywhere else.",
        status=200,
        link=login_path(tenant.slug),
        link_text="Sign in",
    )


SIGN_IN_ROUTES = [
    login_form,
    login_submit,
    account_page,
    logout,
    forgot_form,
    forgot_submit,
    reset_form,
    reset_submit,
]
