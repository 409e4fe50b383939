"""Work orders over HTTP (D13): dispatched to a department, and a lock on resolving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.factories import (
    API,
    create_contact,
    create_conversation,
    create_queue,
    created,
    unique,
)


def dispatch(api: httpx.Client, conversation: dict[str, Any], **fields: Any) -> dict[str, Any]:
    repair = create_queue(api, name=unique("repairs"))
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"queue_id": repair["id"], "title": "Inspect router", "due_at": due, **fields}
    return created(api.post(f"{API}/conversations/{conversation['id']}/work-orders", json=body))


def timeline_types(api: httpx.Client, conversation: dict[str, Any]) -> list[str]:
    detail = api.get(f"{API}/conversations/{conversation['id']}").json()
    return [e["event"]["type"] for e in detail["timeline"] if e["kind"] == "event"]


def test_an_open_work_order_blocks_resolving_until_done(api: httpx.Client) -> None:
    conversation = create_conversation(api, create_contact(api)["id"])
    order = dispatch(api, conversation)
    url = f"{API}/conversations/{conversation['id']}"

    by_patch = api.patch(url, json={"status": "resolved"})
    by_action = api.post(f"{url}/resolve", json={})
    done = api.post(
        f"{API}/work-orders/{order['id']}/complete", json={"result": "Replaced power unit"}
    )
    resolved = api.post(f"{url}/resolve", json={})

    assert by_patch.status_code == 409 and "Inspect router" in by_patch.json()["detail"]
    assert by_action.status_code == 409
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "done" and done.json()["result"] == "Replaced power unit"
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    types = timeline_types(api, conversation)
    assert types.index("work_order_opened") < types.index("work_order_done")


def test_resolving_over_an_open_work_order_needs_a_recorded_reason(api: httpx.Client) -> None:
    conversation = create_conversation(api, create_contact(api)["id"])
    order = dispatch(api, conversation)

    resolved = api.post(
        f"{API}/conversations/{conversation['id']}/resolve",
        json={"override_reason": "Customer withdrew the complaint"},
    )

    assert resolved.status_code == 200, resolved.text
    detail = api.get(f"{API}/conversations/{conversation['id']}").json()
    overrides = [
        e["event"]["data"]
        for e in detail["timeline"]
        if e["kind"] == "event" and e["event"]["type"] == "resolve_overridden"
    ]
    assert overrides == [
        {"reason": "Customer withdrew the complaint", "open_work_order_ids": [order["id"]]}
    ]
    still_open = api.get(f"{API}/work-orders/{order['id']}").json()
    assert still_open["status"] == "open"


def test_a_department_lists_its_orders_and_a_finished_order_is_final(api: httpx.Client) -> None:
    conversation = create_conversation(api, create_contact(api)["id"])
    order = dispatch(api, conversation)
    other = dispatch(api, conversation, title="Call the landlord")

    listed = api.get(f"{API}/work-orders", params={"queue_id": order["queue_id"]}).json()
    cancelled = api.post(f"{API}/work-orders/{order['id']}/cancel", json={"reason": "duplicate"})
    again = api.post(f"{API}/work-orders/{order['id']}/complete", json={"result": "x"})
    open_ones = api.get(
        f"{API}/work-orders", params={"queue_id": other["queue_id"], "status": "open"}
    ).json()

    assert [item["id"] for item in listed["items"]] == [order["id"]]
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert [item["id"] for item in open_ones["items"]] == [other["id"]]
    on_conversation = api.get(f"{API}/conversations/{conversation['id']}/work-orders").json()
    assert [o["status"] for o in on_conversation] == ["cancelled", "open"]


def test_bad_work_orders_are_field_errors(api: httpx.Client) -> None:
    conversation = create_conversation(api, create_contact(api)["id"])
    queue = create_queue(api)
    url = f"{API}/conversations/{conversation['id']}/work-orders"
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    in_the_past = api.post(url, json={"queue_id": queue["id"], "title": "x", "due_at": past})
    naive = api.post(
        url, json={"queue_id": queue["id"], "title": "x", "due_at": "2030-01-01T10:00:00"}
    )
    unknown_queue = api.post(url, json={"queue_id": conversation["id"], "title": "x"})
    blank = api.post(url, json={"queue_id": queue["id"], "title": "  "})

    assert [r.status_code for r in (in_the_past, naive, unknown_queue, blank)] == [422] * 4
    assert api.get(url).json() == []


def test_another_tenants_work_order_is_not_found(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    conversation = create_conversation(api, create_contact(api)["id"])
    order = dispatch(api, conversation)

    assert other_api.get(f"{API}/work-orders/{order['id']}").status_code == 404
    complete = other_api.post(f"{API}/work-orders/{order['id']}/complete", json={"result": "x"})
    assert complete.status_code == 404
    assert api.get(f"{API}/work-orders/{order['id']}").json()["status"] == "open"
