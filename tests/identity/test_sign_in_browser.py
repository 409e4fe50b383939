"""Sign-in in a real browser (Playwright driving Debian's Chromium) against the live server
with production settings: Chromium keeps and returns ``Secure`` cookies on http://127.0.0.1
(a potentially trustworthy origin), so nothing is relaxed for the test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from core import local_sign_in, users
from core.db import Database
from core.models.user import Role
from tests.api.conftest import LiveServer
from tests.conftest import TenantHandle
from tests.identity.conftest import SESSION_COOKIE, PersonFactory, SsoSetup
from tests.oidc_provider import OidcProvider

PASSWORD = "correct horse battery staple"


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context()
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    return opened


def session_cookie(context: BrowserContext) -> Any:
    """The session cookie the browser holds, or None."""
    found = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert len(found) <= 1, found
    return found[0] if found else None


def assert_session_cookie_is_locked_down(context: BrowserContext) -> None:
    cookie = session_cookie(context)
    assert cookie is not None
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["path"] == "/"


def login_url(server: LiveServer, tenant: TenantHandle) -> str:
    return f"{server.base_url}/auth/{tenant.slug}/login"


def assert_not_signed_in(page: Page, server: LiveServer) -> None:
    answer = page.goto(f"{server.base_url}/auth/account")
    assert answer is not None and answer.status == 401
    expect(page.locator("h1")).to_have_text("Not signed in")


def test_single_sign_on_to_the_account_page_and_sign_out_at_both_ends(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    live_server: LiveServer,
    context: BrowserContext,
    page: Page,
) -> None:
    person = make_person(["cc-leads", "cc-agents"], name="Mei Chen")
    page.goto(login_url(live_server, sso.tenant))
    expect(page.locator(f"#sso-{sso.key}")).to_have_text("Sign in with Corp SSO")

    page.click(f"#sso-{sso.key}")
    page.fill("#idp-username", person.username)
    page.click("#idp-submit")

    page.wait_for_url(f"{live_server.base_url}/auth/account")
    expect(page.locator("#account-name")).to_have_text("Mei Chen")
    expect(page.locator("#account-email")).to_have_text(person.email)
    expect(page.locator("#account-roles")).to_have_text("team_lead, agent")
    expect(page.locator("#account-method")).to_have_text(sso.method)
    assert_session_cookie_is_locked_down(context)
    signed_in_cookie = session_cookie(context)
    logouts_before = len(provider.logouts)

    page.click("#sign-out")

    page.wait_for_url(login_url(live_server, sso.tenant))
    expect(page.locator("#password-login")).to_be_visible()
    [logout] = provider.logouts[logouts_before:]
    assert logout["client_id"] == sso.client_id
    assert logout["id_token_hint"].count(".") == 2
    assert session_cookie(context) is None
    assert_not_signed_in(page, live_server)
    context.add_cookies([signed_in_cookie])  # replayed: revoked at the server, not just dropped
    assert_not_signed_in(page, live_server)


def test_a_token_signed_with_another_key_shows_the_refusal_and_opens_no_session(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    live_server: LiveServer,
    context: BrowserContext,
    page: Page,
) -> None:
    person = make_person(["cc-agents"])
    provider.tamper = "wrong_key"
    page.goto(login_url(live_server, sso.tenant))
    page.click(f"#sso-{sso.key}")
    page.fill("#idp-username", person.username)

    with page.expect_response(re.compile(r"/oidc/[^/]+/callback\?")) as callback:
        page.click("#idp-submit")

    assert callback.value.status == 401
    expect(page.locator("h1")).to_have_text("Sign-in failed")
    expect(page.locator("#message")).to_contain_text("signature is not valid")
    assert session_cookie(context) is None
    page.click("#message-link")
    page.wait_for_url(login_url(live_server, sso.tenant))
    assert_not_signed_in(page, live_server)


def test_password_sign_in_shows_the_error_then_lands_on_the_account_page(
    database: Database,
    tenant: TenantHandle,
    live_server: LiveServer,
    context: BrowserContext,
    page: Page,
) -> None:
    email = f"ann-{uuid.uuid4().hex[:8]}@example.com"
    with database.tenant_unit(tenant.id) as session:
        user = users.create_user(session, email=email, name="Ann Agent", roles=[Role.AGENT])
        local_sign_in.set_password(session, user=user, password=PASSWORD)
    page.goto(login_url(live_server, tenant))
    expect(page.locator("#sign-in-error")).to_have_count(0)

    page.fill("#email", email)
    page.fill("#password", "not the password")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("#sign-in")

    assert refused.value.status == 401
    expect(page.locator("#sign-in-error")).to_have_text("wrong e-mail address or password")
    expect(page.locator("#email")).to_have_value(email)
    assert session_cookie(context) is None

    page.fill("#password", PASSWORD)
    page.click("#sign-in")

    page.wait_for_url(f"{live_server.base_url}/auth/account")
    expect(page.locator("#account-name")).to_have_text("Ann Agent")
    expect(page.locator("#account-email")).to_have_text(email)
    expect(page.locator("#account-roles")).to_have_text("agent")
    expect(page.locator("#account-method")).to_have_text("password")
    assert_session_cookie_is_locked_down(context)
