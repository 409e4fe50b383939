"""/contacts over HTTP: lifecycle, search, identity lookup, identities, merge."""

from __future__ import annotations

import httpx

from tests.api.factories import (
    API,
    all_pages,
    create_contact,
    create_conversation,
    unique,
)


def test_contact_lifecycle_create_get_update_delete(api: httpx.Client) -> None:
    contact = create_contact(
        api,
        name="Ann Example",
        value_tier="gold",
        language="en-GB",
        attributes={"crm_id": 7},
        identities=[{"kind": "phone", "value": "+44 20 7946 0958"}],
    )
    assert contact["identities"][0]["value"] == "+442079460958"
    assert contact["identities"][0]["display"] == "+44 20 7946 0958"

    fetched = api.get(f"{API}/contacts/{contact['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["value_tier"] == "gold"

    changed = api.patch(
        f"{API}/contacts/{contact['id']}", json={"name": "Ann Other", "segment": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["name"] == "Ann Other"
    assert changed.json()["language"] == "en-GB"  # fields not sent are left alone

    assert api.delete(f"{API}/contacts/{contact['id']}").status_code == 204
    assert api.get(f"{API}/contacts/{contact['id']}").status_code == 404


def test_patch_rejects_null_for_a_required_field(api: httpx.Client) -> None:
    contact = create_contact(api)
    response = api.patch(f"{API}/contacts/{contact['id']}", json={"name": None})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_list_filters_by_name_and_tier_and_pages_with_cursor(api: httpx.Client) -> None:
    marker = unique("zed")
    made = [create_contact(api, name=f"{marker} {i}", value_tier="silver") for i in range(5)]
    create_contact(api, name=f"{marker} gold", value_tier="gold")

    first = api.get(f"{API}/contacts", params={"q": marker, "value_tier": "silver", "limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]

    everything = all_pages(api, f"{API}/contacts", q=marker, value_tier="silver", limit=2)
    assert [c["id"] for c in everything] == [c["id"] for c in reversed(made)]  # newest first


def test_identity_lookup_normalises_the_address(api: httpx.Client) -> None:
    email = f"{unique('bob')}@example.com"
    contact = create_contact(api, identities=[{"kind": "email", "value": email}])

    found = api.get(f"{API}/contacts", params={"identity_kind": "email", "identity": email.upper()})
    assert [c["id"] for c in found.json()["items"]] == [contact["id"]]

    missing = api.get(
        f"{API}/contacts", params={"identity_kind": "email", "identity": "nobody@example.com"}
    )
    assert missing.status_code == 200 and missing.json()["items"] == []

    half = api.get(f"{API}/contacts", params={"identity": email})
    assert half.status_code == 422
    assert half.json()["errors"][0]["field"] == "identity_kind"


def test_identities_can_be_added_and_removed_and_are_unique(api: httpx.Client) -> None:
    contact = create_contact(api)
    phone = {"kind": "phone", "value": "+1 415 555 2671"}
    added = api.post(f"{API}/contacts/{contact['id']}/identities", json=phone)
    assert added.status_code == 201, added.text

    other = create_contact(api)
    taken = api.post(f"{API}/contacts/{other['id']}/identities", json=phone)
    assert taken.status_code == 409
    assert taken.headers["content-type"] == "application/problem+json"

    bad = api.post(
        f"{API}/contacts/{other['id']}/identities", json={"kind": "email", "value": "not-an-email"}
    )
    assert bad.status_code == 422

    removed = api.delete(f"{API}/contacts/{contact['id']}/identities/{added.json()['id']}")
    assert removed.status_code == 204
    identities = api.get(f"{API}/contacts/{contact['id']}").json()["identities"]
    assert [i["kind"] for i in identities] == ["email"]


def test_merge_moves_identities_and_conversations_to_the_survivor(api: httpx.Client) -> None:
    survivor = create_contact(api, value_tier="silver")
    merged = create_contact(api, value_tier="gold")
    conversation = create_conversation(api, merged["id"])

    response = api.post(
        f"{API}/contacts/{survivor['id']}/merge", json={"merge_contact_id": merged["id"]}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == survivor["id"]
    assert body["value_tier"] == "gold"
    assert len(body["identities"]) == 2
    moved = api.get(f"{API}/conversations/{conversation['id']}").json()
    assert moved["contact_id"] == survivor["id"]
    assert api.get(f"{API}/contacts/{merged['id']}").json()["merged_into_id"] == survivor["id"]

    again = api.post(
        f"{API}/contacts/{survivor['id']}/merge", json={"merge_contact_id": merged["id"]}
    )
    assert again.status_code == 409


def test_contact_with_conversations_cannot_be_deleted(api: httpx.Client) -> None:
    contact = create_contact(api)
    create_conversation(api, contact["id"])
    response = api.delete(f"{API}/contacts/{contact['id']}")
    assert response.status_code == 409
    assert response.json()["status"] == 409
