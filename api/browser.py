"""What the sign-in pages share: templates, cookies, the pre-session CSRF check, redirects.

Forms shown before anyone is signed in are protected by a double-submit token: a random
value in an HttpOnly, SameSite=Strict cookie that the form must echo. After sign-in, the
session's own CSRF token takes over (api.auth).
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from anyio import to_thread
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlmodel import col, select

from api.auth import SESSION_COOKIE, client_ip
from core import audit, browser_sessions
from core.db import Database
from core.models.tenant import Tenant
from core.models.user import User
from core.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
FORM_CSRF_COOKIE = "sb_form_csrf"
FORM_MAX_BYTES = 16 * 1024
ACCOUNT_PATH = "/auth/account"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def page(
    template: str, *, status: int = 200, cookies: list[Cookie] | None = None, **context: Any
) -> Response[str]:
    html = _environment().get_template(template).render(**context)
    return Response(
        html,
        status_code=status,
        media_type="text/html; charset=utf-8",
        cookies=cookies or [],
        headers={"Cache-Control": "no-store"},
    )


def message_page(
    title: str, message: str, *, status: int, link: str | None = None, link_text: str = ""
) -> Response[str]:
    return page(
        "message.html",
        status=status,
        title=title,
        message=message,
        failed=status >= 400,
        link=link,
        link_text=link_text,
    )


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def database_of(request: Request[Any, Any, Any]) -> Database:
    database: Database = request.app.state.database
    return database


def cookie(
    request: Request[Any, Any, Any],
    key: str,
    value: str,
    *,
    max_age: int | None,
    path: str = "/",
    samesite: str = "lax",
) -> Cookie:
    return Cookie(
        key=key,
        value=value,
        max_age=max_age,
        path=path,
        httponly=True,
        secure=settings_of(request).cookie_secure,
        samesite=samesite,  # type: ignore[arg-type]
    )


def expired_cookie(request: Request[Any, Any, Any], key: str, *, path: str = "/") -> Cookie:
    return cookie(request, key, "", max_age=0, path=path)


def form_csrf(request: Request[Any, Any, Any]) -> tuple[str, list[Cookie]]:
    """The token to put in a form, and the cookie to set with it (reused while it lasts)."""
    existing = request.cookies.get(FORM_CSRF_COOKIE)
    if existing:
        return existing, []
    token = secrets.token_urlsafe(32)
    return token, [
        cookie(request, FORM_CSRF_COOKIE, token, max_age=3600, path="/auth", samesite="strict")
    ]


def form_csrf_ok(request: Request[Any, Any, Any], sent: str | None) -> bool:
    return same_token(sent, request.cookies.get(FORM_CSRF_COOKIE))


def safe_next(value: str | None, default: str) -> str:
    """A local path to go to after sign-in; anything else (other sites, ``//host``) is refused."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(c in value for c in "\r\n\x00"):
        return default
    return value


def base_url(request: Request[Any, Any, Any]) -> str:
    return (settings_of(request).public_url or str(request.base_url)).rstrip("/")


@dataclass(frozen=True, slots=True)
class TenantRef:
    id: uuid.UUID
    slug: str
    name: str


def find_tenant(database: Database, slug: str) -> TenantRef | None:
    with database.system_unit() as session:
        tenant = session.execute(
            select(Tenant).where(col(Tenant.slug) == slug)
        ).scalar_one_or_none()
        return TenantRef(tenant.id, tenant.slug, tenant.name) if tenant else None


def request_actor(request: Request[Any, Any, Any]) -> audit.AuditActor:
    return audit.AuditActor(ip=client_ip(request), user_agent=request.headers.get("user-agent"))


def start_session_sync(
    request: Request[Any, Any, Any],
    database: Database,
    tenant_id: uuid.UUID,
    user: User,
    *,
    method: str,
    id_token: str | None = None,
) -> browser_sessions.StartedSession:
    """A fresh session in its own transaction; the browser's old cookie, if any, is revoked."""
    settings = settings_of(request)
    with database.tenant_unit(tenant_id) as session:
        return browser_sessions.start(
            session,
            user=user,
            method=method,
            absolute=timedelta(hours=settings.session_absolute_hours),
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
            id_token=id_token,
            replaces=request.cookies.get(SESSION_COOKIE),
        )


async def signed_in_redirect(
    request: Request[Any, Any, Any],
    tenant_id: uuid.UUID,
    user: User,
    *,
    method: str,
    next_path: str,
    id_token: str | None = None,
    extra_cookies: list[Cookie] | None = None,
) -> Redirect:
    """Start the session and send the browser on, with the new cookie (rotated on sign-in)."""
    started = await to_thread.run_sync(
        lambda: start_session_sync(
            request, database_of(request), tenant_id, user, method=method, id_token=id_token
        )
    )
    max_age = settings_of(request).session_absolute_hours * 3600
    return Redirect(
        next_path,
        status_code=303,
        cookies=[
            cookie(request, SESSION_COOKIE, started.token, max_age=max_age),
            *(extra_cookies or []),
        ],
    )


def same_token(sent: str | None, expected: str | None) -> bool:
    return bool(sent and expected) and hmac.compare_digest(str(sent), str(expected))
