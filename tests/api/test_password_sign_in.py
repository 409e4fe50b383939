"""Password sign-in in the browser flow: lockout, throttling, CSRF, session rotation and end,
and password reset by an e-mailed link, over real HTTP against the live server."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter
from core import local_sign_in
from core.db import Database, use_database
from core.models import Channel, OutboxJob
from core.models.user import Role
from core.password_resets import SEND_RESET_ACTOR
from tests.api.browser_session import (
    PASSWORD,
    form_token,
    make_user,
    post_login,
    sign_in,
)
from tests.api.conftest import LiveServer
from tests.api.factories import audit_entries
from tests.conftest import TenantHandle
from workers.account_actors import send_password_reset

ClientFor = Callable[[TenantHandle | None], httpx.Client]


def test_right_password_signs_in_and_the_session_works_until_sign_out(
    live_server: LiveServer, database: Database, tenant: TenantHandle, api: httpx.Client
) -> None:
    user = make_user(database, tenant.id, Role.TEAM_LEAD)
    browser = sign_in(live_server.base_url, tenant.slug, user.email)
    me = browser.client.get("/api/v1/me").json()
    assert me["user_id"] == str(user.id) and me["roles"] == ["team_lead"]
    assert "agents:write" in me["permissions"] and "audit:read" not in me["permissions"]

    account = browser.client.get("/auth/account")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', account.text)
    assert csrf and user.email in account.text
    out = browser.client.post("/auth/logout", data={"csrf_token": csrf.group(1)})
    assert out.status_code == 303 and out.headers["location"] == f"/auth/{tenant.slug}/login"
    assert browser.client.get("/api/v1/me").status_code == 401
    actions = [e["action"] for e in audit_entries(api, "sign")]
    assert actions[:2] == ["signout", "signin.succeeded"]


def test_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(
    live_server: LiveServer, database: Database, tenant: TenantHandle, api: httpx.Client
) -> None:
    user = make_user(database, tenant.id, Role.AGENT)
    client = httpx.Client(base_url=live_server.base_url)
    for _ in range(local_sign_in.MAX_FAILURES):
        wrong = post_login(client, tenant.slug, user.email, "not the password at all")
        assert wrong.status_code == 401 and "wrong e-mail address or password" in wrong.text
        assert "sb_session" not in wrong.cookies
    locked = post_login(client, tenant.slug, user.email, PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 800
    assert "locked" in locked.text
    assert [e["target_id"] for e in audit_entries(api, "account.locked")] == [str(user.id)]

    assert api.post(f"/api/v1/users/{user.id}/unlock").status_code == 204
    assert post_login(client, tenant.slug, user.email, PASSWORD).status_code == 303
    failures = audit_entries(api, "signin.failed")
    assert len(failures) == local_sign_in.MAX_FAILURES + 1
    assert {e["detail"]["reason"] for e in failures} == {"wrong password", "account locked"}


def test_one_address_failing_too_often_is_throttled_whatever_the_account(
    live_server: LiveServer, database: Database, make_tenant_for_test: TenantHandle
) -> None:
    tenant = make_tenant_for_test
    user = make_user(database, tenant.id, Role.AGENT)
    client = httpx.Client(base_url=live_server.base_url)
    for n in range(local_sign_in.IP_MAX_FAILURES):
        guess = post_login(client, tenant.slug, f"nobody{n}@example.com", "guess guess guess")
        assert guess.status_code == 401
    throttled = post_login(client, tenant.slug, user.email, PASSWORD)
    assert throttled.status_code == 429 and "too many attempts" in throttled.text


@pytest.fixture
def make_tenant_for_test(database: Database) -> TenantHandle:
    from tests.conftest import make_tenant

    return make_tenant(database, prefix="throttle")


def test_forms_and_cookie_requests_without_their_csrf_token_are_refused(
    live_server: LiveServer, database: Database, tenant: TenantHandle
) -> None:
    user = make_user(database, tenant.id, Role.SUPERVISOR)
    client = httpx.Client(base_url=live_server.base_url)
    form_token(client, f"/auth/{tenant.slug}/login")
    forged = client.post(
        f"/auth/{tenant.slug}/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": "made-up"},
    )
    assert forged.status_code == 403 and "sb_session" not in forged.cookies

    browser = sign_in(live_server.base_url, tenant.slug, user.email)
    body = {"name": "Billing", "channels": ["email"]}
    no_token = browser.client.post("/api/v1/queues", json=body)
    assert no_token.status_code == 403 and "x-csrf-token" in no_token.text
    with_token = browser.client.post("/api/v1/queues", json=body, headers=browser.headers())
    assert with_token.status_code == 201, with_token.text


def test_signing_in_again_rotates_the_session_and_deactivation_ends_it(
    live_server: LiveServer, database: Database, tenant: TenantHandle, api: httpx.Client
) -> None:
    user = make_user(database, tenant.id, Role.AGENT)
    first = sign_in(live_server.base_url, tenant.slug, user.email)
    again = post_login(first.client, tenant.slug, user.email, PASSWORD)  # same browser
    assert again.status_code == 303
    second_cookie = again.cookies["sb_session"]
    assert second_cookie != first.cookie
    stale = httpx.get(f"{live_server.base_url}/api/v1/me", cookies={"sb_session": first.cookie})
    assert stale.status_code == 401
    fresh = httpx.Client(base_url=live_server.base_url, cookies={"sb_session": second_cookie})
    assert fresh.get("/api/v1/me").status_code == 200

    assert api.patch(f"/api/v1/users/{user.id}", json={"active": False}).status_code == 200
    assert fresh.get("/api/v1/me").status_code == 401
    assert audit_entries(api, "user.")[0]["action"] == "user.deactivated"


def test_password_reset_by_mailed_link(
    live_server: LiveServer,
    database: Database,
    tenant: TenantHandle,
    api: httpx.Client,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = make_user(database, tenant.id, Role.AGENT)
    old = sign_in(live_server.base_url, tenant.slug, user.email)
    client = httpx.Client(base_url=live_server.base_url)
    path = f"/auth/{tenant.slug}/password/forgot"
    for email in (user.email, "nobody@example.com"):
        asked = client.post(path, data={"email": email, "csrf_token": form_token(client, path)})
        assert asked.status_code == 202 and "If that address has an account" in asked.text
    with database.tenant_unit(tenant.id) as session:
        jobs = list(
            session.execute(
                sa.select(OutboxJob).where(col(OutboxJob.actor) == SEND_RESET_ACTOR)
            ).scalars()
        )
    assert [job.payload["user_id"] for job in jobs] == [str(user.id)]  # none for the stranger

    monkeypatch.setattr("channels.registry._adapters", {})
    register_adapter(LoopbackAdapter(Channel.EMAIL, tmp_path))
    use_database(database)
    try:
        send_password_reset(str(jobs[0].id), str(tenant.id), jobs[0].payload)
    finally:
        use_database(None)
    (mail,) = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
    assert mail["to"] == user.email
    link = re.search(r"http://\S+/auth/\S+/password/reset\?token=(\S+)", mail["text"])
    assert link, mail["text"]
    token = link.group(1)

    reset_path = f"/auth/{tenant.slug}/password/reset"
    assert client.get(reset_path, params={"token": token}).status_code == 200
    csrf = form_token(client, f"{reset_path}?token={token}")
    weak = client.post(reset_path, data={"token": token, "password": "short", "csrf_token": csrf})
    assert weak.status_code == 422 and "at least 12" in weak.text
    new_password = "a brand new passphrase"
    done = client.post(
        reset_path, data={"token": token, "password": new_password, "csrf_token": csrf}
    )
    assert done.status_code == 200, done.text
    reused = client.post(
        reset_path, data={"token": token, "password": "another new passphrase", "csrf_token": csrf}
    )
    assert reused.status_code == 410
    assert old.client.get("/api/v1/me").status_code == 401  # signed out everywhere
    assert post_login(client, tenant.slug, user.email, PASSWORD).status_code == 401
    assert post_login(client, tenant.slug, user.email, new_password).status_code == 303
    reasons = [e["action"] for e in audit_entries(api, "password.")]
    assert reasons == ["password.reset", "password.reset_requested", "password.reset_requested"]


def test_a_user_without_roles_signs_in_and_is_told_so_but_may_do_nothing(
    live_server: LiveServer, database: Database, tenant: TenantHandle
) -> None:
    user = make_user(database, tenant.id)
    browser = sign_in(live_server.base_url, tenant.slug, user.email)
    me = browser.client.get("/api/v1/me").json()
    assert me["roles"] == [] and me["permissions"] == ["me:read"]
    assert browser.client.get("/api/v1/conversations").status_code == 403
