"""/org-units, /queues, /users over HTTP: tree rules, agent profiles, referenced deletes."""

from __future__ import annotations

import httpx

from tests.api.factories import (
    API,
    all_pages,
    create_contact,
    create_conversation,
    create_org_unit,
    create_queue,
    create_user,
)


def test_org_unit_tree_lifecycle(api: httpx.Client) -> None:
    hq = create_org_unit(api, "headquarters", name="HQ")
    region = create_org_unit(api, "region", parent_id=hq["id"], name="North")
    site = create_org_unit(api, "site", parent_id=region["id"], name="Leeds")

    assert api.get(f"{API}/org-units/{site['id']}").json()["parent_id"] == region["id"]
    children = all_pages(api, f"{API}/org-units", parent_id=hq["id"])
    assert [u["id"] for u in children] == [region["id"]]
    sites = all_pages(api, f"{API}/org-units", kind="site", limit=1)
    assert [u["id"] for u in sites] == [site["id"]]

    renamed = api.patch(f"{API}/org-units/{site['id']}", json={"name": "Leeds Central"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Leeds Central"
    assert api.delete(f"{API}/org-units/{site['id']}").status_code == 204
    assert api.get(f"{API}/org-units/{site['id']}").status_code == 404


def test_org_unit_parent_must_be_the_level_above(api: httpx.Client) -> None:
    hq = create_org_unit(api, "headquarters")
    cases = [
        {"kind": "headquarters", "parent_id": hq["id"]},
        {"kind": "region", "parent_id": None},
        {"kind": "site", "parent_id": hq["id"]},
        {"kind": "region", "parent_id": "01900000-0000-7000-8000-000000000000"},
    ]
    for case in cases:
        response = api.post(f"{API}/org-units", json={"name": "X", "code": "x-1", **case})
        assert response.status_code == 422, case
        assert response.json()["errors"][0]["field"] == "parent_id"

    region = create_org_unit(api, "region", parent_id=hq["id"])
    create_org_unit(api, "site", parent_id=region["id"])
    change_kind = api.patch(f"{API}/org-units/{region['id']}", json={"kind": "site"})
    assert change_kind.status_code in (409, 422)


def test_referenced_org_unit_cannot_be_deleted(api: httpx.Client) -> None:
    hq = create_org_unit(api, "headquarters")
    create_org_unit(api, "region", parent_id=hq["id"])
    response = api.delete(f"{API}/org-units/{hq['id']}")
    assert response.status_code == 409
    assert "child units" in response.json()["detail"]

    other_hq = create_org_unit(api, "headquarters")
    create_queue(api, org_unit_id=other_hq["id"])
    assert api.delete(f"{API}/org-units/{other_hq['id']}").status_code == 409


def test_duplicate_org_unit_code_conflicts(api: httpx.Client) -> None:
    hq = create_org_unit(api, "headquarters")
    again = api.post(
        f"{API}/org-units", json={"name": "Y", "code": hq["code"], "kind": "headquarters"}
    )
    assert again.status_code == 409


def test_queue_lifecycle_and_name_uniqueness(api: httpx.Client) -> None:
    queue = create_queue(
        api, tier="l2", channels=["phone", "email", "phone"], required_skills={"billing": 3}
    )
    assert queue["channels"] == ["phone", "email"]
    assert api.post(f"{API}/queues", json={"name": queue["name"]}).status_code == 409

    changed = api.patch(
        f"{API}/queues/{queue['id']}", json={"active": False, "service_level_seconds": 60}
    )
    assert changed.status_code == 200
    assert (changed.json()["active"], changed.json()["service_level_seconds"]) == (False, 60)
    inactive = all_pages(api, f"{API}/queues", active="false")
    assert queue["id"] in [q["id"] for q in inactive]

    bad_level = api.post(
        f"{API}/queues", json={"name": "Skilled", "required_skills": {"billing": 9}}
    )
    assert bad_level.status_code == 422

    assert api.delete(f"{API}/queues/{queue['id']}").status_code == 204
    assert api.get(f"{API}/queues/{queue['id']}").status_code == 404


def test_queue_with_conversations_cannot_be_deleted(api: httpx.Client) -> None:
    queue = create_queue(api)
    create_conversation(api, create_contact(api)["id"], queue_id=queue["id"])
    response = api.delete(f"{API}/queues/{queue['id']}")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


def test_user_carries_agent_profile_with_skills(api: httpx.Client) -> None:
    site_hq = create_org_unit(api, "headquarters")
    user = create_user(
        api,
        email="Agent.Ann@Example.COM",
        roles=["team_lead", "agent"],
        tier="l2",
        languages=["en", "de-CH"],
        org_unit_id=site_hq["id"],
        skills=[{"skill": "billing", "level": 4}, {"skill": "fiber", "level": 2}],
    )
    assert user["email"] == "agent.ann@example.com"
    assert user["roles"] == ["team_lead", "agent"]
    assert user["skills"] == [{"skill": "billing", "level": 4}, {"skill": "fiber", "level": 2}]

    changed = api.patch(
        f"{API}/users/{user['id']}", json={"skills": [{"skill": "dsl", "level": 5}], "tier": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["skills"] == [{"skill": "dsl", "level": 5}]
    assert changed.json()["tier"] is None

    listed = all_pages(api, f"{API}/users", org_unit_id=site_hq["id"])
    assert [u["skills"] for u in listed] == [[{"skill": "dsl", "level": 5}]]

    duplicate = api.post(f"{API}/users", json={"email": "agent.ann@example.com", "name": "Twin"})
    assert duplicate.status_code == 409


def test_user_validation_names_each_bad_field(api: httpx.Client) -> None:
    response = api.post(
        f"{API}/users",
        json={
            "email": "a@example.com",
            "name": "A",
            "roles": ["wizard"],
            "skills": [{"skill": "billing", "level": 0}],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"roles.0", "skills.0.level"}


def test_user_in_the_record_cannot_be_deleted_but_a_new_one_can(api: httpx.Client) -> None:
    agent = create_user(api)
    conversation = create_conversation(api, create_contact(api)["id"])
    api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"})
    assigned = api.patch(
        f"{API}/conversations/{conversation['id']}", json={"assignee_id": agent["id"]}
    )
    assert assigned.status_code == 200, assigned.text
    assert api.delete(f"{API}/users/{agent['id']}").status_code == 409

    newcomer = create_user(api, skills=[{"skill": "billing", "level": 1}])
    assert api.delete(f"{API}/users/{newcomer['id']}").status_code == 204
    assert api.get(f"{API}/users/{newcomer['id']}").status_code == 404
