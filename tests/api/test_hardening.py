"""Hardening at the edge: security headers on every kind of answer, CORS closed unless an
operator opens it for named origins, small bodies for sign-in forms."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from core.db import Database
from core.settings import Settings
from tests.api.conftest import LiveServer
from tests.conftest import TenantHandle

PARTNER = "https://crm.example.com"


def test_every_answer_carries_the_security_headers(
    live_server: LiveServer, api: httpx.Client, tenant: TenantHandle
) -> None:
    anonymous = httpx.Client(base_url=live_server.base_url)
    answers = {
        "json": api.get("/api/v1/me"),
        "problem": anonymous.get("/api/v1/me"),
        "page": anonymous.get(f"/auth/{tenant.slug}/login"),
        "health": anonymous.get("/health"),
    }
    for kind, response in answers.items():
        headers = response.headers
        assert "x-content-type-options" in headers, (kind, headers)
        assert headers["x-content-type-options"] == "nosniff", kind
        assert headers["x-frame-options"] == "DENY", kind
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", kind
        assert "frame-ancestors 'none'" in headers["content-security-policy"], kind
    assert answers["page"].headers["content-security-policy"].startswith("default-src 'self'")
    assert answers["json"].headers["content-security-policy"].startswith("default-src 'none'")
    assert answers["page"].headers["cache-control"] == "no-store"


def test_cross_origin_calls_are_refused_by_default(
    live_server: LiveServer, api: httpx.Client
) -> None:
    simple = api.get("/api/v1/me", headers={"Origin": "https://evil.example.net"})
    assert "access-control-allow-origin" not in simple.headers
    preflight = httpx.options(
        f"{live_server.base_url}/api/v1/contacts",
        headers={"Origin": PARTNER, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


@pytest.fixture
def partner_server(database: Database) -> Iterator[LiveServer]:
    server = LiveServer(create_app(database, settings=Settings(cors_allowed_origins=[PARTNER])))
    server.start()
    yield server
    server.stop()


def test_named_origins_may_call_with_tokens_but_never_with_cookies(
    partner_server: LiveServer, tenant: TenantHandle
) -> None:
    preflight = httpx.options(
        f"{partner_server.base_url}/api/v1/contacts",
        headers={
            "Origin": PARTNER,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.headers["access-control-allow-origin"] == PARTNER
    assert "access-control-allow-credentials" not in preflight.headers
    other = httpx.options(
        f"{partner_server.base_url}/api/v1/contacts",
        headers={"Origin": "https://evil.example.net", "Access-Control-Request-Method": "POST"},
    )
    assert other.headers.get("access-control-allow-origin") != "https://evil.example.net"
    call = httpx.get(
        f"{partner_server.base_url}/api/v1/me", headers={"Origin": PARTNER, **tenant.headers}
    )
    assert call.status_code == 200 and call.headers["access-control-allow-origin"] == PARTNER


def test_sign_in_forms_refuse_big_bodies(live_server: LiveServer, tenant: TenantHandle) -> None:
    response = httpx.post(
        f"{live_server.base_url}/auth/{tenant.slug}/login",
        content=b"email=" + b"a" * 100_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_unknown_tenants_and_providers_are_plain_not_found_pages(
    live_server: LiveServer, tenant: TenantHandle
) -> None:
    client = httpx.Client(base_url=live_server.base_url)
    assert client.get("/auth/no-such-tenant/login").status_code == 404
    assert client.get(f"/auth/{tenant.slug}/oidc/nope/start").status_code == 404
    callback = client.get(f"/auth/{tenant.slug}/oidc/nope/callback?code=x&state=y")
    assert callback.status_code == 404


def test_options_says_which_methods_a_path_has(api: httpx.Client) -> None:
    response = api.options("/api/v1/contacts")
    assert response.status_code in {200, 204}, response.text
    assert "POST" in {m.strip() for m in response.headers["allow"].split(",")}
