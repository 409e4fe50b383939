"""Sign-in fixtures: the test OpenID provider, a tenant whose single sign-on points at it
(configured through the API, as an admin would), people at the provider, and a helper that
walks the authorization-code flow over real HTTP as a browser would.

Switchboard's cookies are ``Secure``; over plain http httpx keeps them but never sends them
back, so the helper carries them by hand: the pending-login cookie on the callback only,
the session cookie copied into the client's jar (domain-less) for what follows.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from tests.api.conftest import LiveServer, live_server
from tests.api.factories import audit_entries
from tests.conftest import TenantHandle
from tests.oidc_provider import OidcProvider

__all__ = ["audit_entries", "live_server"]  # fixtures and helpers the tests here use

API = "/api/v1"
SESSION_COOKIE = "sb_session"
PENDING_COOKIE = "sb_oidc"
ROLE_MAP = {"cc-agents": ["agent"], "cc-leads": ["team_lead"], "cc-admins": ["admin"]}
IDP_FORM_ACTION = re.compile(r'<form id="idp-login" action="([^"]*)"')


@pytest.fixture(scope="session")
def running_provider() -> Iterator[OidcProvider]:
    with OidcProvider() as provider:
        yield provider


@pytest.fixture
def provider(running_provider: OidcProvider) -> Iterator[OidcProvider]:
    """The session's provider, issuing correct tokens again after each test."""
    running_provider.tamper = None
    yield running_provider
    running_provider.tamper = None


@dataclass(frozen=True)
class SsoSetup:
    """A tenant's identity provider as Switchboard knows it, and the client the IdP knows."""

    tenant: TenantHandle
    key: str
    provider_id: str
    client_id: str
    redirect_uri: str

    @property
    def method(self) -> str:
        return f"oidc:{self.key}"

    @property
    def start_path(self) -> str:
        return f"/auth/{self.tenant.slug}/oidc/{self.key}/start"


def configure_sso(
    admin: httpx.Client,
    provider: OidcProvider,
    tenant: TenantHandle,
    base_url: str,
    **overrides: Any,
) -> SsoSetup:
    """Register a client at the provider and the provider at the tenant, each pointing at
    the other, the way an administrator sets up single sign-on."""
    client_id = f"switchboard-{uuid.uuid4().hex[:8]}"
    secret = f"secret-{uuid.uuid4().hex}"
    body = {
        "key": "corp",
        "display_name": "Corp SSO",
        "issuer": provider.issuer,
        "client_id": client_id,
        "client_secret": secret,
        "scopes": ["openid", "email", "profile", "groups"],
        "role_claim": "groups",
        "role_map": ROLE_MAP,
        **overrides,
    }
    response = admin.post(f"{API}/identity-providers", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert "client_secret" not in created
    redirect_uri = base_url + created["redirect_path"]
    provider.register_client(client_id, secret, [redirect_uri])
    return SsoSetup(tenant, created["key"], created["id"], client_id, redirect_uri)


@pytest.fixture
def admin(live_server: LiveServer, tenant: TenantHandle) -> Iterator[httpx.Client]:
    """The tenant's API with a full-scope token: configuration and the audit log."""
    with httpx.Client(base_url=live_server.base_url, headers=tenant.headers, timeout=30) as client:
        yield client


@pytest.fixture
def sso(
    admin: httpx.Client, provider: OidcProvider, tenant: TenantHandle, live_server: LiveServer
) -> SsoSetup:
    return configure_sso(admin, provider, tenant, live_server.base_url)


@dataclass(frozen=True)
class Person:
    """Someone with an account at the provider."""

    username: str
    email: str
    name: str


PersonFactory = Callable[..., Person]


@pytest.fixture
def make_person(provider: OidcProvider) -> PersonFactory:
    """A new person at the provider (unique per call, so tests never share one)."""

    def make(groups: list[str], *, name: str = "Mei Chen", email_verified: bool = True) -> Person:
        username = f"mei-{uuid.uuid4().hex[:8]}"
        email = f"{username}@corp.example.com"
        provider.add_user(
            username, email=email, name=name, groups=groups, email_verified=email_verified
        )
        return Person(username, email, name)

    return make


@dataclass
class PendingSignIn:
    """A sign-in that has left Switchboard: the provider's form, and the cookie to bring back."""

    client: httpx.Client
    form_action: str
    pending_cookie: str

    def sign_in_at_provider(self, username: str) -> str:
        """Submit the provider's form; the callback URL it sends the browser back to."""
        answer = self.client.post(self.form_action, data={"username": username})
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


def leave_for_provider(
    client: httpx.Client, sso: SsoSetup, *, next_path: str | None = None
) -> PendingSignIn:
    """Click the SSO button: Switchboard's start, then the provider's sign-in form."""
    params = {"next": next_path} if next_path is not None else {}
    start = client.get(sso.start_path, params=params)
    assert start.status_code == 302, start.text
    pending = start.cookies.get(PENDING_COOKIE)
    assert pending, start.headers
    form = client.get(start.headers["Location"])
    assert form.status_code == 200, form.text
    action = IDP_FORM_ACTION.search(form.text)
    assert action is not None, form.text
    form_action = urljoin(str(form.url), html.unescape(action.group(1)))
    return PendingSignIn(client, form_action, pending)


def return_to_switchboard(
    client: httpx.Client, callback_url: str, pending_cookie: str | None
) -> httpx.Response:
    """Follow the provider back to the callback, carrying the pending cookie (or not);
    a session cookie it sets is copied into the client's jar."""
    headers = {"Cookie": f"{PENDING_COOKIE}={pending_cookie}"} if pending_cookie else {}
    response = client.get(callback_url, headers=headers)
    if session := response.cookies.get(SESSION_COOKIE):
        client.cookies.set(SESSION_COOKIE, session)
    return response


def sso_sign_in(
    client: httpx.Client, sso: SsoSetup, username: str, *, next_path: str | None = None
) -> httpx.Response:
    """The whole flow for ``username``; the callback's answer (303 and a cookie, or a refusal)."""
    pending = leave_for_provider(client, sso, next_path=next_path)
    callback_url = pending.sign_in_at_provider(username)
    return return_to_switchboard(client, callback_url, pending.pending_cookie)


@pytest.fixture
def browser_client(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous client with no token: it gets in only through sign-in, like a browser."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def second_browser_client(live_server: LiveServer) -> Iterator[httpx.Client]:
    """Another browser, with cookies of its own (a second device, or an attacker's)."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client
