"""Signing in over plain HTTP as a browser would: the form, its CSRF cookie, the session.

Switchboard's cookies are Secure, and httpx (rightly) sends Secure cookies only over HTTPS;
the test server speaks HTTP, so these helpers carry the cookies across by hand.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx

from core import local_sign_in, users
from core.db import Database
from core.models.user import Role, User

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a long and fine password"


def make_user(
    database: Database,
    tenant_id: uuid.UUID,
    *roles: Role,
    password: str = PASSWORD,
    email: str | None = None,
) -> User:
    """A user with these roles and a password."""
    with database.tenant_unit(tenant_id) as session:
        user = users.create_user(
            session,
            email=email or f"{uuid.uuid4().hex[:10]}@example.com",
            name="Pat Example",
            roles=list(roles),
        )
        local_sign_in.set_password(session, user=user, password=password)
    return user


def form_token(client: httpx.Client, path: str) -> str:
    """GET a form page; keep its CSRF cookie; the token the form carries."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    if "sb_form_csrf" in page.cookies:
        client.cookies.set("sb_form_csrf", page.cookies["sb_form_csrf"])
    match = CSRF_FIELD.search(page.text)
    assert match, page.text
    return match.group(1)


def post_login(client: httpx.Client, slug: str, email: str, password: str) -> httpx.Response:
    token = form_token(client, f"/auth/{slug}/login")
    return client.post(
        f"/auth/{slug}/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/auth/account"},
    )


@dataclass
class BrowserSession:
    client: httpx.Client
    csrf_token: str
    cookie: str

    def headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf_token}


def sign_in(base_url: str, slug: str, email: str, password: str = PASSWORD) -> BrowserSession:
    """A client holding a fresh session of this user, and the session's CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=30)
    response = post_login(client, slug, email, password)
    assert response.status_code == 303, response.text
    cookie = response.cookies["sb_session"]
    client.cookies.set("sb_session", cookie)
    me = client.get("/api/v1/me")
    assert me.status_code == 200, me.text
    return BrowserSession(client=client, csrf_token=me.json()["csrf_token"], cookie=cookie)
