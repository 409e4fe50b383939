"""Transfers, escalations, bounces and ownership over HTTP (D2, D3, D4, D15)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.factories import (
    API,
    create_contact,
    create_conversation,
    create_org_unit,
    create_queue,
    create_user,
    created,
)

NOTE = {
    "summary": "Customer billed twice for the May roaming pack",
    "tried": "Checked invoice 2026-05; refund not possible at L1",
    "identity_verified": True,
}


@dataclass
class Centre:
    """HQ → region → site, each with an email queue; the site also has L2 and L3 queues."""

    hq: dict[str, Any]
    region: dict[str, Any]
    site: dict[str, Any]
    site_l1: dict[str, Any]
    site_l2: dict[str, Any]
    site_l3: dict[str, Any]
    region_l1: dict[str, Any]
    hq_l1: dict[str, Any]


@pytest.fixture
def centre(api: httpx.Client) -> Centre:
    hq = create_org_unit(api, "headquarters")
    region = create_org_unit(api, "region", parent_id=hq["id"])
    site = create_org_unit(api, "site", parent_id=region["id"])
    return Centre(
        hq=hq,
        region=region,
        site=site,
        site_l1=create_queue(api, org_unit_id=site["id"], tier="l1"),
        site_l2=create_queue(api, org_unit_id=site["id"], tier="l2"),
        site_l3=create_queue(api, org_unit_id=site["id"], tier="l3"),
        region_l1=create_queue(api, org_unit_id=region["id"], tier="l1"),
        hq_l1=create_queue(api, org_unit_id=hq["id"], tier="l1"),
    )


def available_agent(api: httpx.Client, tier: str, org_unit_id: str) -> dict[str, Any]:
    agent = create_user(api, tier=tier, org_unit_id=org_unit_id)
    response = api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"})
    assert response.status_code == 200, response.text
    return agent


def conversation_in(api: httpx.Client, queue: dict[str, Any]) -> dict[str, Any]:
    contact = create_contact(api)
    return create_conversation(api, contact["id"], queue_id=queue["id"])


def get(api: httpx.Client, conversation: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"{API}/conversations/{conversation['id']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def event_types(detail: dict[str, Any]) -> list[str]:
    return [e["event"]["type"] for e in detail["timeline"] if e["kind"] == "event"]


def test_transfer_to_an_agent_carries_its_note_and_the_first_agent_stays_owner(
    api: httpx.Client, centre: Centre
) -> None:
    first = available_agent(api, "l1", centre.site["id"])
    expert = available_agent(api, "l2", centre.site["id"])
    conversation = conversation_in(api, centre.site_l1)
    assigned = api.patch(
        f"{API}/conversations/{conversation['id']}", json={"assignee_id": first["id"]}
    )
    assert assigned.status_code == 200, assigned.text

    handoff = created(
        api.post(
            f"{API}/conversations/{conversation['id']}/transfer",
            json={**NOTE, "to_agent_id": expert["id"]},
        )
    )

    assert handoff["kind"] == "transfer"
    assert (handoff["from_agent_id"], handoff["to_agent_id"]) == (first["id"], expert["id"])
    assert (handoff["from_tier"], handoff["to_tier"]) == ("l1", "l2")
    detail = get(api, conversation)
    assert detail["assignee_id"] == expert["id"]
    assert detail["owner_id"] == first["id"]  # D3: ownership stays by default
    assert detail["tier"] == "l2"
    assert detail["transfer_count"] == 1
    assert "transferred" in event_types(detail)

    assert [h["id"] for h in detail["handoffs"]] == [handoff["id"]]  # read first (D2)
    notes = api.get(f"{API}/conversations/{conversation['id']}/handoffs").json()
    assert [n["id"] for n in notes] == [handoff["id"]]
    assert notes[0]["summary"] == NOTE["summary"]
    assert notes[0]["tried"] == NOTE["tried"]
    assert notes[0]["identity_verified"] is True
    assert notes[0]["read_at"] is None
    read = api.post(f"{API}/handoffs/{handoff['id']}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None


def test_a_hand_over_without_a_note_or_with_two_targets_is_refused(
    api: httpx.Client, centre: Centre
) -> None:
    conversation = conversation_in(api, centre.site_l1)
    url = f"{API}/conversations/{conversation['id']}/transfer"

    blank = api.post(url, json={"summary": "   ", "to_queue_id": centre.site_l2["id"]})
    both = api.post(
        url,
        json={**NOTE, "to_queue_id": centre.site_l2["id"], "to_agent_id": centre.site_l1["id"]},
    )
    unknown_queue = api.post(url, json={**NOTE, "to_queue_id": centre.site["id"]})
    escalation_without_note = api.post(
        f"{API}/conversations/{conversation['id']}/escalations", json={"target": "tier"}
    )

    assert blank.status_code == 422
    assert both.status_code == 422
    assert unknown_queue.status_code == 422
    assert escalation_without_note.status_code == 422
    assert get(api, conversation)["queue_id"] == centre.site_l1["id"]
    assert api.get(f"{API}/conversations/{conversation['id']}/handoffs").json() == []


def test_transfer_to_an_agent_who_is_away_is_a_conflict_and_changes_nothing(
    api: httpx.Client, centre: Centre
) -> None:
    away = create_user(api, tier="l1", org_unit_id=centre.site["id"])
    conversation = conversation_in(api, centre.site_l1)

    response = api.post(
        f"{API}/conversations/{conversation['id']}/transfer",
        json={**NOTE, "to_agent_id": away["id"]},
    )

    assert response.status_code == 409, response.text
    detail = get(api, conversation)
    assert detail["assignee_id"] is None and detail["transfer_count"] == 0


def test_returning_to_a_tier_the_conversation_left_is_a_counted_bounce(
    api: httpx.Client, centre: Centre
) -> None:
    conversation = conversation_in(api, centre.site_l1)
    base = f"{API}/conversations/{conversation['id']}"

    up = created(api.post(f"{base}/escalations", json={**NOTE, "target": "tier"}))
    back = created(api.post(f"{base}/transfer", json={**NOTE, "to_queue_id": centre.site_l1["id"]}))
    after_first_bounce = get(api, conversation)
    again = created(api.post(f"{base}/escalations", json={**NOTE, "target": "tier"}))

    assert up["to_queue_id"] == centre.site_l2["id"] and up["kind"] == "escalation_tier"
    assert back["to_tier"] == "l1"
    assert after_first_bounce["bounce_count"] == 1
    assert after_first_bounce["tier"] == "l1"
    assert again["to_tier"] == "l2"
    detail = get(api, conversation)
    assert detail["bounce_count"] == 2
    assert detail["escalation_count"] == 2 and detail["transfer_count"] == 1
    assert event_types(detail).count("bounced") == 2


def test_tier_escalation_stops_at_l3(api: httpx.Client, centre: Centre) -> None:
    conversation = conversation_in(api, centre.site_l1)
    url = f"{API}/conversations/{conversation['id']}/escalations"

    tiers = [created(api.post(url, json={**NOTE, "target": "tier"}))["to_tier"] for _ in range(2)]
    beyond = api.post(url, json={**NOTE, "target": "tier"})

    assert tiers == ["l2", "l3"]
    assert beyond.status_code == 409
    assert get(api, conversation)["queue_id"] == centre.site_l3["id"]


def test_org_escalation_climbs_site_region_headquarters_then_stops(
    api: httpx.Client, centre: Centre
) -> None:
    conversation = conversation_in(api, centre.site_l1)
    url = f"{API}/conversations/{conversation['id']}/escalations"

    to_region = created(api.post(url, json={**NOTE, "target": "org"}))
    to_hq = created(api.post(url, json={**NOTE, "target": "org"}))
    beyond = api.post(url, json={**NOTE, "target": "org"})

    assert (to_region["from_org_unit_id"], to_region["to_org_unit_id"]) == (
        centre.site["id"],
        centre.region["id"],
    )
    assert to_region["to_queue_id"] == centre.region_l1["id"]
    assert to_hq["to_org_unit_id"] == centre.hq["id"]
    assert beyond.status_code == 409
    assert "top of the organisation" in beyond.json()["detail"]
    detail = get(api, conversation)
    assert detail["queue_id"] == centre.hq_l1["id"]
    assert detail["escalation_count"] == 2


def test_without_owner_keeping_the_receiving_agent_becomes_owner(
    api: httpx.Client, centre: Centre
) -> None:
    policy = api.put(f"{API}/routing-policy", json={"owner_keeps_ownership": False})
    assert policy.status_code == 200, policy.text
    first = available_agent(api, "l1", centre.site["id"])
    second = available_agent(api, "l1", centre.site["id"])
    conversation = conversation_in(api, centre.site_l1)
    api.patch(f"{API}/conversations/{conversation['id']}", json={"assignee_id": first["id"]})

    created(
        api.post(
            f"{API}/conversations/{conversation['id']}/transfer",
            json={**NOTE, "to_agent_id": second["id"]},
        )
    )

    detail = get(api, conversation)
    assert detail["owner_id"] == second["id"]
    assert "owner_changed" in event_types(detail)


def test_resolving_with_someone_else_owning_asks_the_owner_to_close_the_loop(
    api: httpx.Client, centre: Centre
) -> None:
    first = available_agent(api, "l1", centre.site["id"])
    expert = available_agent(api, "l2", centre.site["id"])
    conversation = conversation_in(api, centre.site_l1)
    api.patch(f"{API}/conversations/{conversation['id']}", json={"assignee_id": first["id"]})
    created(
        api.post(
            f"{API}/conversations/{conversation['id']}/transfer",
            json={**NOTE, "to_agent_id": expert["id"]},
        )
    )

    resolved = api.post(f"{API}/conversations/{conversation['id']}/resolve", json={})

    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    loop = [
        e["event"]
        for e in get(api, conversation)["timeline"]
        if e["kind"] == "event" and e["event"]["type"] == "close_loop_requested"
    ]
    assert [event["data"]["owner_id"] for event in loop] == [first["id"]]


def test_another_tenants_conversation_cannot_be_transferred(
    api: httpx.Client, other_api: httpx.Client, centre: Centre
) -> None:
    conversation = conversation_in(api, centre.site_l1)
    other_queue = create_queue(other_api)

    response = other_api.post(
        f"{API}/conversations/{conversation['id']}/transfer",
        json={**NOTE, "to_queue_id": other_queue["id"]},
    )

    assert response.status_code == 404
    assert get(api, conversation)["queue_id"] == centre.site_l1["id"]
