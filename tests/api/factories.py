"""Small factories that create API objects over HTTP and return their JSON."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

API = "/api/v1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_contact(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Ann Example",
        "identities": [{"kind": "email", "value": f"{unique('ann')}@example.com"}],
        **fields,
    }
    return created(api.post(f"{API}/contacts", json=body))


def create_org_unit(
    api: httpx.Client, kind: str = "headquarters", parent_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    body = {"name": f"{kind} unit", "code": unique(kind[:3]), "kind": kind, "parent_id": parent_id}
    return created(api.post(f"{API}/org-units", json={**body, **fields}))


def create_queue(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("queue"), "channels": ["email"], **fields}
    return created(api.post(f"{API}/queues", json=body))


def create_user(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {
        "email": f"{unique('agent')}@example.com",
        "name": "Agent Smith",
        "roles": ["agent"],
        "tier": "l1",
        **fields,
    }
    return created(api.post(f"{API}/users", json=body))


def create_conversation(
    api: httpx.Client, contact_id: str, channel: str = "email", **fields: Any
) -> dict[str, Any]:
    body = {"contact_id": contact_id, "channel": channel, "subject": "Bill question", **fields}
    return created(api.post(f"{API}/conversations", json=body))


def all_pages(api: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list endpoint, following cursors."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def audit_entries(api: httpx.Client, action: str = "") -> list[dict[str, Any]]:
    """The tenant's audit entries whose action starts with ``action``, newest first."""
    response = api.get(f"{API}/audit", params={"action": action, "limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items
