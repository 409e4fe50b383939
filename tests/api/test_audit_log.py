"""The audit log records each audited action with who, what, when and from where, and only
tenant admins read it; no secret ends up in it or in the process's logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from core import api_keys
from core.db import Database
from core.errors import PermissionDeniedError
from core.models.user import Role
from core.permissions import permissions_for
from tests.api.browser_session import PASSWORD, make_user, sign_in
from tests.api.conftest import LiveServer
from tests.api.factories import (
    audit_entries,
    create_contact,
    create_conversation,
    create_queue,
    create_user,
)
from tests.conftest import TenantHandle

AUDIT = "/api/v1/audit"


def test_each_audited_action_leaves_an_entry(
    live_server: LiveServer, database: Database, tenant: TenantHandle, api: httpx.Client
) -> None:
    admin = make_user(database, tenant.id, Role.ADMIN)
    browser = sign_in(live_server.base_url, tenant.slug, admin.email)
    issued = browser.client.post(
        "/api/v1/api-tokens",
        json={"name": "crm sync", "scopes": ["contacts:read", "conversations:read"]},
        headers=browser.headers(),
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()["token"]
    integration = httpx.Client(
        base_url=live_server.base_url, headers={"Authorization": f"Bearer {token}"}
    )
    assert integration.get("/api/v1/contacts").status_code == 200
    assert integration.get("/api/v1/contacts").status_code == 200  # same minute: one entry
    agent = create_user(api, roles=["agent"])
    changed = api.patch(f"/api/v1/users/{agent['id']}", json={"roles": ["agent", "team_lead"]})
    assert changed.status_code == 200
    queue = create_queue(api)
    assert api.delete(f"/api/v1/queues/{queue['id']}").status_code == 204
    contact = create_contact(api)
    create_conversation(api, contact["id"])
    now = datetime.now(UTC)
    export = browser.client.get(
        "/api/v1/conversations/export",
        params={
            "since": (now - timedelta(hours=1)).isoformat(),
            "until": (now + timedelta(minutes=1)).isoformat(),
        },
    )
    assert export.status_code == 200 and export.text.count("\n") == 2  # header + 1 row
    revoked = browser.client.delete(
        f"/api/v1/api-tokens/{issued.json()['id']}", headers=browser.headers()
    )
    assert revoked.status_code == 204
    assert integration.get("/api/v1/contacts").status_code == 401

    log = audit_entries(api)
    by_action: dict[str, list[dict[str, Any]]] = {}
    for entry in log:
        by_action.setdefault(entry["action"], []).append(entry)
    assert by_action["signin.succeeded"][0]["actor_user_id"] == str(admin.id)
    assert by_action["signin.succeeded"][0]["ip"] == "127.0.0.1"
    created = by_action["api_token.created"]
    assert [e["detail"]["name"] for e in created] == ["crm sync", "tests"]  # newest first
    assert created[0]["actor_label"] == admin.email and token not in str(log)
    (used,) = [e for e in by_action["api_token.used"] if e["target_id"] == issued.json()["id"]]
    assert used["detail"]["path"] == "/api/v1/contacts"
    assert by_action["api_token.revoked"][0]["actor_user_id"] == str(admin.id)
    (roles,) = by_action["user.roles_changed"]
    assert roles["target_id"] == agent["id"]
    assert roles["detail"]["before"] == ["agent"]
    assert roles["detail"]["after"] == ["team_lead", "agent"]
    (deleted,) = by_action["queues.deleted"]
    assert deleted["target_id"] == queue["id"] and deleted["actor_label"] == "token tests"
    (exported,) = by_action["conversations.exported"]
    assert exported["actor_user_id"] == str(admin.id) and "since" in exported["detail"]["query"]
    assert audit_entries(api, "api_token.")  # the prefix filter
    assert all(e["action"].startswith("user.") for e in audit_entries(api, "user."))


def test_only_admins_read_the_audit_log(
    live_server: LiveServer, database: Database, tenant: TenantHandle
) -> None:
    for role, status in [(Role.ADMIN, 200), (Role.SUPERVISOR, 403), (Role.AGENT, 403)]:
        user = make_user(database, tenant.id, role)
        browser = sign_in(live_server.base_url, tenant.slug, user.email)
        assert browser.client.get(AUDIT).status_code == status, role


def test_identity_provider_secrets_are_write_only_and_not_audited(
    api: httpx.Client,
) -> None:
    secret = "very-secret-client-secret"
    created = api.post(
        "/api/v1/identity-providers",
        json={
            "key": "corp",
            "display_name": "Corp SSO",
            "issuer": "https://idp.example.com",
            "client_id": "switchboard",
            "client_secret": secret,
            "role_map": {"agents": ["agent"]},
        },
    )
    assert created.status_code == 201, created.text
    assert secret not in created.text
    assert created.json()["redirect_path"].endswith("/oidc/corp/callback")
    (entry,) = audit_entries(api, "identity_provider.")
    assert entry["detail"]["client_secret"] == "(set)" and secret not in str(entry)
    bad = api.post(
        "/api/v1/identity-providers",
        json={**created.json(), "key": "other", "client_secret": "x", "role_map": {"a": ["boss"]}},
    )
    assert bad.status_code == 422  # unknown fields of the answer, and an unknown role


def test_tokens_hold_no_more_than_their_issuer_and_only_known_scopes(
    database: Database, tenant: TenantHandle, api: httpx.Client
) -> None:
    lead = make_user(database, tenant.id, Role.TEAM_LEAD)
    with pytest.raises(PermissionDeniedError), database.tenant_unit(tenant.id) as session:
        api_keys.issue_key(
            session,
            name="escalation",
            scopes=["conversations:read", "users:write"],
            issuer=lead,
            issuer_permissions=permissions_for(lead.roles),
        )
    unknown = api.post("/api/v1/api-tokens", json={"name": "x", "scopes": ["no:such"]})
    assert unknown.status_code == 422 and "no:such" in unknown.text
    with database.tenant_unit(tenant.id) as session:  # issued by the lead within their rights
        issued = api_keys.issue_key(
            session,
            name="lead's",
            scopes=["conversations:read", "conversations:write"],
            issuer=lead,
            issuer_permissions=permissions_for(lead.roles),
        )
    token = {"Authorization": f"Bearer {issued.secret}"}
    assert api.get("/api/v1/conversations", headers=token).status_code == 200
    assert api.get("/api/v1/users", headers=token).status_code == 403  # not in its scopes
    assert (
        api.patch(f"/api/v1/users/{lead.id}", json={"roles": ["qa_inspector"]}).status_code == 200
    )
    assert api.get("/api/v1/conversations", headers=token).status_code == 200
    reply = api.post("/api/v1/conversations", json={}, headers=token)
    assert reply.status_code == 403  # the issuer lost conversations:write, so did the token


def test_secrets_never_reach_the_logs(
    live_server: LiveServer,
    database: Database,
    tenant: TenantHandle,
    api: httpx.Client,
    capfd: pytest.CaptureFixture[str],
) -> None:
    user = make_user(database, tenant.id, Role.AGENT)
    browser = sign_in(live_server.base_url, tenant.slug, user.email)
    httpx.get(f"{live_server.base_url}/api/v1/me", headers={"Authorization": "Bearer sb_forged"})
    api.get("/api/v1/conversations")
    out, err = capfd.readouterr()
    for secret in (PASSWORD, browser.cookie, browser.csrf_token, tenant.api_key, "sb_forged"):
        assert secret not in out + err
