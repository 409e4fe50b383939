"""Single sign-on over real HTTP: Switchboard as relying party of a real OpenID provider.

Each test drives the whole authorization-code flow (Switchboard's start, the provider's
form, the callback) and judges the outcome from outside: the redirect and cookie, what the
session may do on the API, and what the audit log says happened.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.api.conftest import LiveServer
from tests.identity.conftest import (
    API,
    PENDING_COOKIE,
    SESSION_COOKIE,
    PersonFactory,
    SsoSetup,
    audit_entries,
    leave_for_provider,
    return_to_switchboard,
    sso_sign_in,
)
from tests.oidc_provider import OidcProvider


def set_cookies(response: httpx.Response) -> SimpleCookie:
    """Every cookie the response sets, with its attributes (Secure ones included)."""
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def users_with_email(admin: httpx.Client, email: str) -> list[dict[str, object]]:
    response = admin.get(f"{API}/users", params={"limit": 200})
    assert response.status_code == 200, response.text
    return [u for u in response.json()["items"] if u["email"] == email]


def test_first_sign_in_provisions_the_user_with_the_mapped_role_and_opens_a_session(
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents", "all-staff"], name="Mei Chen")

    response = sso_sign_in(browser_client, sso, person.username, next_path="/auth/account?x=1")

    assert response.status_code == 303, response.text
    assert response.headers["Location"] == "/auth/account?x=1"
    cookies = set_cookies(response)
    session = cookies[SESSION_COOKIE]
    assert session.value
    assert session["httponly"] and session["secure"]
    assert session["samesite"].lower() == "lax"
    assert session["path"] == "/"
    assert cookies[PENDING_COOKIE]["max-age"] == "0"  # the pending login is spent

    me = browser_client.get(f"{API}/me")
    assert me.status_code == 200, me.text
    assert me.json()["roles"] == ["agent"]
    assert me.json()["token_id"] is None
    user_id = me.json()["user_id"]

    [user] = users_with_email(admin, person.email)
    assert user["id"] == user_id
    assert user["name"] == "Mei Chen"
    assert user["roles"] == ["agent"]
    [signed_in] = audit_entries(admin, "signin.succeeded")
    assert signed_in["detail"]["method"] == sso.method
    assert signed_in["target_id"] == user_id
    assert signed_in["actor_label"] == person.email
    assert audit_entries(admin, "signin.failed") == []
    [created] = audit_entries(admin, "user.created")
    assert created["detail"]["roles"] == ["agent"]


def test_next_sign_in_reuses_the_same_user(
    sso: SsoSetup,
    make_person: PersonFactory,
    second_browser_client: httpx.Client,
    browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents"])
    assert sso_sign_in(browser_client, sso, person.username).status_code == 303
    first = browser_client.get(f"{API}/me").json()["user_id"]

    again = sso_sign_in(second_browser_client, sso, person.username)

    assert again.status_code == 303, again.text
    assert second_browser_client.get(f"{API}/me").json()["user_id"] == first
    assert len(users_with_email(admin, person.email)) == 1
    assert len(audit_entries(admin, "user.created")) == 1
    assert len(audit_entries(admin, "signin.succeeded")) == 2


def test_an_existing_account_with_the_verified_email_is_linked_not_duplicated(
    sso: SsoSetup, make_person: PersonFactory, browser_client: httpx.Client, admin: httpx.Client
) -> None:
    person = make_person(["cc-leads"])
    existing = admin.post(
        f"{API}/users",
        json={"email": person.email, "name": "Mei (HR)", "roles": ["agent"], "tier": "l1"},
    )
    assert existing.status_code == 201, existing.text

    assert sso_sign_in(browser_client, sso, person.username).status_code == 303

    me = browser_client.get(f"{API}/me").json()
    assert me["user_id"] == existing.json()["id"]
    assert me["roles"] == ["team_lead"]
    assert len(users_with_email(admin, person.email)) == 1


@pytest.mark.parametrize(
    ("tamper", "named_problem"),
    [
        ("wrong_nonce", "nonce"),
        ("expired", "expired"),
        ("wrong_key", "signature"),
        ("wrong_audience", "aud"),
        ("wrong_issuer", "iss"),
    ],
)
def test_a_tampered_id_token_is_refused_with_the_reason_and_no_session(
    tamper: str,
    named_problem: str,
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents"])
    provider.tamper = tamper

    response = sso_sign_in(browser_client, sso, person.username)

    assert response.status_code == 401, response.text
    assert "Sign-in failed" in response.text
    assert named_problem in response.text
    assert SESSION_COOKIE not in set_cookies(response)
    assert browser_client.get(f"{API}/me").status_code == 401
    [failed] = audit_entries(admin, "signin.failed")
    assert failed["outcome"] == "failure"
    assert failed["detail"]["method"] == sso.method
    assert named_problem in failed["detail"]["reason"]
    assert audit_entries(admin, "signin.succeeded") == []
    assert users_with_email(admin, person.email) == []


def test_groups_that_map_to_no_role_are_refused_with_403(
    sso: SsoSetup, make_person: PersonFactory, browser_client: httpx.Client, admin: httpx.Client
) -> None:
    person = make_person(["marketing", "all-staff"])

    response = sso_sign_in(browser_client, sso, person.username)

    assert response.status_code == 403, response.text
    assert "no role in Switchboard" in response.text
    assert SESSION_COOKIE not in set_cookies(response)
    assert browser_client.get(f"{API}/me").status_code == 401
    [failed] = audit_entries(admin, "signin.failed")
    assert failed["detail"]["reason"] == "your account has no role in Switchboard"
    assert failed["detail"]["email"] == person.email
    assert users_with_email(admin, person.email) == []


def test_a_callback_from_another_sign_in_is_refused_with_400_before_any_token_exchange(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    second_browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    """Login CSRF: a victim's browser, holding its own pending cookie, is sent the callback
    of a sign-in the attacker started."""
    person = make_person(["cc-agents"])
    victims = leave_for_provider(browser_client, sso)
    attackers = leave_for_provider(second_browser_client, sso)
    attackers_callback = attackers.sign_in_at_provider(person.username)
    exchanges_before = provider.token_requests

    response = return_to_switchboard(browser_client, attackers_callback, victims.pending_cookie)

    assert provider.token_requests == exchanges_before
    assert SESSION_COOKIE not in set_cookies(response)
    assert browser_client.get(f"{API}/me").status_code == 401
    [failed] = audit_entries(admin, "signin.failed")
    assert "state" in failed["detail"]["reason"]
    assert response.status_code == 400, response.text


def test_a_callback_without_the_pending_cookie_is_refused_with_400(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents"])
    callback = leave_for_provider(browser_client, sso).sign_in_at_provider(person.username)
    exchanges_before = provider.token_requests

    response = return_to_switchboard(browser_client, callback, None)

    assert response.status_code == 400, response.text
    assert "did not start here" in response.text
    assert provider.token_requests == exchanges_before
    assert SESSION_COOKIE not in set_cookies(response)
    # anyone can send this request, so it must not be able to write to the audit log
    assert audit_entries(admin, "signin.failed") == []
    forged_error = browser_client.get(
        urlsplit(callback).path, params={"error": "access_denied", "error_description": "x" * 5000}
    )
    assert forged_error.status_code == 400
    assert audit_entries(admin, "signin.failed") == []


def test_a_pending_cookie_signed_with_another_secret_is_refused_with_400(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
) -> None:
    """An attacker who read the state off a callback URL cannot mint the cookie to match."""
    person = make_person(["cc-agents"])
    callback = leave_for_provider(browser_client, sso).sign_in_at_provider(person.username)
    [state] = parse_qs(urlsplit(callback).query)["state"]
    forged = URLSafeTimedSerializer("an-attackers-guess-at-the-secret", salt="oidc-pending").dumps(
        {"state": state, "nonce": "n", "code_verifier": "v" * 64, "next_path": "/auth/account"}
    )
    exchanges_before = provider.token_requests

    response = return_to_switchboard(browser_client, callback, forged)

    assert response.status_code == 400, response.text
    assert provider.token_requests == exchanges_before
    assert SESSION_COOKIE not in set_cookies(response)


def test_roles_follow_the_provider_groups_at_each_sign_in(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    second_browser_client: httpx.Client,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents"])
    assert sso_sign_in(browser_client, sso, person.username).status_code == 303
    assert browser_client.get(f"{API}/me").json()["roles"] == ["agent"]
    assert audit_entries(admin, "user.roles_changed") == []

    provider.add_user(
        person.username, email=person.email, name=person.name, groups=["cc-leads", "cc-admins"]
    )
    assert sso_sign_in(browser_client, sso, person.username).status_code == 303

    me = browser_client.get(f"{API}/me").json()
    assert me["roles"] == ["admin", "team_lead"]
    [changed] = audit_entries(admin, "user.roles_changed")
    assert changed["target_id"] == me["user_id"]
    assert changed["detail"]["before"] == ["agent"]
    assert changed["detail"]["after"] == ["admin", "team_lead"]
    [user] = users_with_email(admin, person.email)
    assert user["roles"] == ["admin", "team_lead"]

    provider.add_user(person.username, email=person.email, name=person.name, groups=["alumni"])
    refused = sso_sign_in(second_browser_client, sso, person.username)
    assert refused.status_code == 403
    assert browser_client.get(f"{API}/me").status_code == 401  # the open session ended too
    [user] = users_with_email(admin, person.email)
    assert user["roles"] == []
    assert audit_entries(admin, "user.roles_changed")[0]["detail"]["after"] == []


def test_sign_out_revokes_the_session_and_signs_out_at_the_provider(
    provider: OidcProvider,
    sso: SsoSetup,
    make_person: PersonFactory,
    browser_client: httpx.Client,
    live_server: LiveServer,
    admin: httpx.Client,
) -> None:
    person = make_person(["cc-agents"])
    assert sso_sign_in(browser_client, sso, person.username).status_code == 303
    me = browser_client.get(f"{API}/me").json()
    logouts_before = len(provider.logouts)

    response = browser_client.post("/auth/logout", data={"csrf_token": me["csrf_token"]})

    assert response.status_code == 303, response.text
    assert set_cookies(response)[SESSION_COOKIE]["max-age"] == "0"
    end_session = urlsplit(response.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == provider.issuer
    assert end_session.path == "/logout"
    login_page = f"{live_server.base_url}/auth/{sso.tenant.slug}/login"
    assert parse_qs(end_session.query)["post_logout_redirect_uri"] == [login_page]

    at_provider = browser_client.get(response.headers["Location"])
    assert at_provider.status_code == 302
    assert at_provider.headers["Location"] == login_page
    [logout] = provider.logouts[logouts_before:]
    assert logout["client_id"] == sso.client_id
    published = httpx.get(httpx.get(provider.discovery_url).json()["jwks_uri"]).json()
    hint = jwt.decode(logout["id_token_hint"], KeySet.import_key_set(published))
    [signed_in] = audit_entries(admin, "signin.succeeded")
    assert hint.claims["sub"] == signed_in["detail"]["subject"]
    assert hint.claims["aud"] == [sso.client_id]
    assert hint.claims["email"] == person.email

    assert browser_client.get(f"{API}/me").status_code == 401  # the old cookie is still sent
    [signed_out] = audit_entries(admin, "signout")
    assert signed_out["detail"]["method"] == sso.method
