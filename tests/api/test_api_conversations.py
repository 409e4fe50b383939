"""/conversations over HTTP: open, filter and page, detail timeline, change, reply, note."""

from __future__ import annotations

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import OutboxJob
from core.outbound import DELIVER_ACTOR
from tests.api.factories import (
    API,
    all_pages,
    create_contact,
    create_conversation,
    create_queue,
    create_user,
    unique,
)
from tests.conftest import TenantHandle


def test_open_conversation_then_read_its_detail_with_timeline(api: httpx.Client) -> None:
    contact = create_contact(api, name="Cleo")
    conversation = create_conversation(
        api, contact["id"], subject="Router down", text="We are looking into it", priority="high"
    )
    assert conversation["status"] == "open"  # the first reply opened it
    assert conversation["priority"] == "high"

    detail = api.get(f"{API}/conversations/{conversation['id']}")
    assert detail.status_code == 200
    body = detail.json()
    assert body["contact"]["name"] == "Cleo"
    kinds = [entry["kind"] for entry in body["timeline"]]
    assert kinds.count("message") == 1 and "event" in kinds
    times = [entry["at"] for entry in body["timeline"]]
    assert times == sorted(times)
    assert body["timeline"][0]["event"]["type"] == "created"


def test_conversation_needs_an_address_on_its_channel(api: httpx.Client) -> None:
    contact = create_contact(api)  # email only
    response = api.post(
        f"{API}/conversations",
        json={"contact_id": contact["id"], "channel": "phone", "subject": "Call me"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "channel", "message": "the contact has no phone identity"}
    ]


def test_list_filters_combine_and_cursor_pages_through_everything(api: httpx.Client) -> None:
    queue = create_queue(api)
    contact = create_contact(api)
    queued = [
        create_conversation(api, contact["id"], queue_id=queue["id"], category="billing")
        for _ in range(5)
    ]
    create_conversation(api, contact["id"], category="billing")  # not in the queue

    listed = all_pages(api, f"{API}/conversations", queue_id=queue["id"], limit=2)
    assert [c["id"] for c in listed] == [c["id"] for c in reversed(queued)]

    by_status = api.get(
        f"{API}/conversations",
        params=[("status", "new"), ("status", "pending"), ("queue_id", queue["id"])],
    )
    assert len(by_status.json()["items"]) == 5
    none_open = api.get(
        f"{API}/conversations", params={"status": "open", "queue_id": queue["id"]}
    ).json()
    assert none_open["items"] == []
    unassigned = api.get(
        f"{API}/conversations",
        params={"unassigned": "true", "contact_id": contact["id"], "category": "billing"},
    ).json()
    assert len(unassigned["items"]) == 6


def test_patch_changes_status_assignee_and_queue_and_records_events(api: httpx.Client) -> None:
    contact = create_contact(api)
    conversation = create_conversation(api, contact["id"])
    agent = create_user(api)
    queue = create_queue(api)
    present = api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"})
    assert present.status_code == 200, present.text

    response = api.patch(
        f"{API}/conversations/{conversation['id']}",
        json={
            "status": "pending",
            "assignee_id": agent["id"],
            "queue_id": queue["id"],
            "identity_verified": True,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["assignee_id"], body["queue_id"]) == (
        "pending",
        agent["id"],
        queue["id"],
    )
    assert body["identity_verified"] is True
    events = [
        entry["event"]["type"]
        for entry in api.get(f"{API}/conversations/{conversation['id']}").json()["timeline"]
        if entry["kind"] == "event"
    ]
    assert {"status_changed", "assigned", "queued", "identity_verified"} <= set(events)

    mine = api.get(f"{API}/conversations", params={"assignee_id": agent["id"]}).json()
    assert [c["id"] for c in mine["items"]] == [conversation["id"]]


def test_patch_with_an_unknown_queue_is_a_field_error(api: httpx.Client) -> None:
    contact = create_contact(api)
    conversation = create_conversation(api, contact["id"])
    response = api.patch(
        f"{API}/conversations/{conversation['id']}",
        json={"queue_id": "01900000-0000-7000-8000-000000000000"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "queue_id"


def test_reply_is_queued_for_delivery_through_the_origin_channel(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    contact = create_contact(api)
    conversation = create_conversation(api, contact["id"], channel="email")
    text = unique("thanks")

    response = api.post(
        f"{API}/conversations/{conversation['id']}/replies",
        json={"text": text, "html": "<p>Thanks<script>x()</script></p>"},
    )
    assert response.status_code == 202, response.text
    message = response.json()
    assert message["delivery_status"] == "queued"
    assert message["direction"] == "outbound"
    assert message["channel"] == "email"
    assert "script" not in message["html"]
    with database.tenant_session(tenant.id) as session:
        payloads = session.execute(
            sa.select(col(OutboxJob.payload)).where(col(OutboxJob.actor) == DELIVER_ACTOR)
        ).scalars()
        assert {"message_id": message["id"]} in list(payloads)


def test_note_is_internal_and_on_the_timeline(api: httpx.Client) -> None:
    contact = create_contact(api)
    conversation = create_conversation(api, contact["id"])
    response = api.post(
        f"{API}/conversations/{conversation['id']}/notes", json={"text": "VIP, be nice"}
    )
    assert response.status_code == 201
    assert response.json()["direction"] == "note"
    assert response.json()["delivery_status"] == "n/a"

    blank = api.post(f"{API}/conversations/{conversation['id']}/notes", json={"text": "   "})
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "text"


def test_closed_conversation_takes_no_reply(api: httpx.Client) -> None:
    contact = create_contact(api)
    conversation = create_conversation(api, contact["id"])
    closed = api.patch(f"{API}/conversations/{conversation['id']}", json={"status": "closed"})
    assert closed.status_code == 200
    response = api.post(f"{API}/conversations/{conversation['id']}/replies", json={"text": "hi"})
    assert response.status_code == 409
