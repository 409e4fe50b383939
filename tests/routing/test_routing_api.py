"""Routing over HTTP: policy, presence, capacity, offers, pulling and "why is this first?"."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from core.db import Database
from tests.api.factories import API, create_contact, create_conversation, create_queue, create_user
from tests.conftest import TenantHandle
from tests.routing.routing_support import Centre


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def available_agent(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    agent = create_user(api, **fields)
    ok(api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"}))
    return agent


def test_the_policy_reads_defaults_merges_changes_and_refuses_unknown_keys(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    defaults = ok(api.get(f"{API}/routing-policy"))
    assert defaults["value_tier_weights"]["vip"] == 900
    assert defaults["default_capacity"] == {"phone": 1, "webform": 3, "social": 3, "email": 6}

    changed = ok(
        api.put(
            f"{API}/routing-policy",
            json={
                "value_tier_weights": {"vip": 1200},
                "wait_weight": 2,
                "sticky_window_seconds": 60,
            },
        )
    )
    unknown_tier = api.put(f"{API}/routing-policy", json={"value_tier_weights": {"platinum": 5}})
    unknown_channel = api.put(f"{API}/routing-policy", json={"default_capacity": {"fax": 1}})
    unknown_field = api.put(f"{API}/routing-policy", json={"colour": "red"})
    out_of_range = api.put(f"{API}/routing-policy", json={"offer_timeout_seconds": 0})

    assert changed["value_tier_weights"]["vip"] == 1200
    assert changed["value_tier_weights"]["gold"] == 300  # merged, not replaced
    assert (changed["wait_weight"], changed["sticky_window_seconds"]) == (2, 60)
    assert unknown_tier.status_code == 422
    assert unknown_tier.json()["errors"][0]["field"] == "value_tier_weights.platinum"
    assert unknown_channel.status_code == 422
    assert unknown_field.status_code == 422 and out_of_range.status_code == 422
    assert ok(api.get(f"{API}/routing-policy"))["value_tier_weights"]["vip"] == 1200
    assert ok(other_api.get(f"{API}/routing-policy"))["value_tier_weights"]["vip"] == 900


def test_presence_capacity_and_history_of_an_agent(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    agent = create_user(api, tier="l1")
    url = f"{API}/agents/{agent['id']}"
    assert ok(api.get(f"{url}/presence"))["state"] == "offline"

    available = ok(api.put(f"{url}/presence", json={"state": "available"}))
    away = ok(api.put(f"{url}/presence", json={"state": "away", "reason": "lunch"}))
    capacity = ok(api.put(f"{url}/capacity", json={"email": 2, "phone": 0}))
    status = ok(api.get(f"{url}/status"))
    history = ok(api.get(f"{url}/state-history"))

    assert available["state"] == "available" and available["since"] is not None
    assert (away["state"], away["reason"]) == ("away", "lunch")
    assert capacity["capacity_overrides"] == {"email": 2, "phone": 0}
    assert status["capacities"] == {"phone": 0, "email": 2, "webform": 3, "social": 3}
    assert status["loads"] == {"phone": 0, "email": 0, "webform": 0, "social": 0}
    assert status["phone_seconds_today"] == 0 and status["daily_phone_cap_seconds"] == 21600
    assert [(p["state"], p["ended_at"] is None) for p in history["items"]] == [
        ("away", True),
        ("available", False),
    ]
    assert api.put(f"{url}/capacity", json={"fax": 1}).status_code == 422
    assert api.put(f"{url}/presence", json={"state": "asleep"}).status_code == 422
    manager = create_user(api, tier=None, roles=["supervisor"])
    refused = api.put(f"{API}/agents/{manager['id']}/presence", json={"state": "available"})
    assert refused.status_code == 409
    for path in ("presence", "status", "state-history", "offers"):
        assert other_api.get(f"{url}/{path}").status_code == 404
    assert other_api.put(f"{url}/presence", json={"state": "offline"}).status_code == 404


def test_an_offer_is_seen_explained_and_accepted_once(
    api: httpx.Client,
    other_api: httpx.Client,
    database: Database,
    tenant: TenantHandle,
) -> None:
    create_queue(api, channels=["phone"])
    agent = available_agent(api)
    contact = create_contact(api, identities=[{"kind": "phone", "value": "+14155552671"}])
    call = create_conversation(api, contact["id"], channel="phone")
    Centre(database, tenant.id).route(uuid.UUID(call["id"]))

    [offer] = ok(api.get(f"{API}/agents/{agent['id']}/offers"))
    routing = ok(api.get(f"{API}/conversations/{call['id']}/routing"))
    assert offer["conversation_id"] == call["id"] and offer["state"] == "pending"
    assert routing["state"] == "offered" and routing["position"] is None
    assert [o["id"] for o in routing["offers"]] == [offer["id"]]
    answer = f"{API}/agents/{agent['id']}/offers/{offer['id']}"
    assert other_api.post(f"{answer}/accept").status_code == 404
    colleague = available_agent(api)
    assert (
        api.post(f"{API}/agents/{colleague['id']}/offers/{offer['id']}/accept").status_code == 404
    )
    assert other_api.get(f"{API}/conversations/{call['id']}/routing").status_code == 404

    accepted = ok(api.post(f"{answer}/accept"))
    again = api.post(f"{answer}/decline")

    assert accepted["state"] == "accepted" and accepted["answered_at"] is not None
    assert again.status_code == 409
    assert ok(api.get(f"{API}/conversations/{call['id']}"))["assignee_id"] == agent["id"]
    assert ok(api.get(f"{API}/agents/{agent['id']}/status"))["loads"]["phone"] == 1
    assert ok(api.get(f"{API}/agents/{agent['id']}/offers")) == []


def test_why_is_this_first(api: httpx.Client, database: Database, tenant: TenantHandle) -> None:
    queue = create_queue(api, channels=["email"])
    centre = Centre(database, tenant.id)
    first = create_conversation(api, create_contact(api)["id"], priority="urgent")
    second = create_conversation(api, create_contact(api)["id"])
    for conversation in (second, first):
        centre.route(uuid.UUID(conversation["id"]))

    urgent = ok(api.get(f"{API}/conversations/{first['id']}/routing"))
    normal = ok(api.get(f"{API}/conversations/{second['id']}/routing"))

    assert (urgent["state"], urgent["queue_id"]) == ("waiting", queue["id"])
    assert (urgent["position"], normal["position"]) == (1, 2)
    parts = urgent["components"]
    assert (parts["priority"], parts["priority_weight"]) == ("urgent", 1800)
    explained = (
        parts["value_tier_weight"]
        + parts["priority_weight"]
        + parts["wait_weight"] * parts["waited_seconds"]
        - parts["sla_weight"] * parts["seconds_to_due"]
    )
    assert urgent["score"] == pytest.approx(explained, abs=0.01)
    assert urgent["score"] > normal["score"]


def test_pulling_over_http(api: httpx.Client, database: Database, tenant: TenantHandle) -> None:
    create_queue(api, channels=["email"])
    agent, resting = create_user(api), create_user(api)
    waiting = create_conversation(api, create_contact(api)["id"])
    assert (
        Centre(database, tenant.id).route(uuid.UUID(waiting["id"])) is None
    )  # nobody available yet
    ok(api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"}))

    pulled = ok(api.post(f"{API}/agents/{agent['id']}/pull", json={}))
    nothing = api.post(f"{API}/agents/{agent['id']}/pull", json={})
    not_available = api.post(f"{API}/agents/{resting['id']}/pull", json={})
    unknown_queue = api.post(f"{API}/agents/{agent['id']}/pull", json={"queue_id": agent["id"]})

    assert (pulled["id"], pulled["assignee_id"]) == (waiting["id"], agent["id"])
    assert nothing.status_code == 404
    assert not_available.status_code == 409
    assert unknown_queue.status_code == 422
