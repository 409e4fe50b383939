"""/sla over HTTP, and the SLA state every conversation carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from core.db import Database
from core.sla import hooks
from core.sla.sweep import run_sla_sweep
from tests.api.factories import API, all_pages, create_contact, create_conversation, create_queue
from tests.conftest import TenantHandle

OFFICE = {"0": [["09:00", "18:00"]], "1": [["09:00", "12:00"], ["13:00", "18:00"]]}


def created(response: httpx.Response) -> dict[str, object]:
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def problem_fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def test_calendar_lifecycle_with_field_problems(api: httpx.Client, other_api: httpx.Client) -> None:
    body = {"name": "Shanghai office", "timezone": "Asia/Shanghai", "weekly": OFFICE,
            "holidays": ["2026-10-01"], "is_default": True}  # fmt: skip
    calendar = created(api.post(f"{API}/sla/calendars", json=body))
    assert calendar["weekly"] == OFFICE and calendar["is_default"] is True
    second = created(api.post(f"{API}/sla/calendars", json={**body, "name": "second"}))
    listed = api.get(f"{API}/sla/calendars").json()
    assert [c["name"] for c in listed] == ["second", "Shanghai office"]  # the one default first
    assert [c["is_default"] for c in listed] == [True, False]

    assert api.post(f"{API}/sla/calendars", json=body).status_code == 409
    for bad, field in (({"timezone": "Mars/Olympus"}, "timezone"),
                       ({"holidays": ["2026-02-30"]}, "holidays.0")):  # fmt: skip
        response = api.post(f"{API}/sla/calendars", json={**body, "name": "bad", **bad})
        assert problem_fields(response) == {field}
    assert problem_fields(
        api.post(
            f"{API}/sla/calendars",
            json={**body, "name": "bad", "weekly": {"0": [["18:00", "09:00"]]}},
        )
    ) == {"weekly"}
    assert problem_fields(
        api.post(f"{API}/sla/calendars", json={**body, "name": "bad", "weekly": {"9": []}})
    )

    path = f"{API}/sla/calendars/{calendar['id']}"
    changed = api.patch(path, json={"holidays": ["2026-10-02", "2026-10-01"]})
    assert changed.status_code == 200 and changed.json()["holidays"] == ["2026-10-01", "2026-10-02"]
    assert other_api.get(path).status_code == 404
    create_queue(api, calendar_id=second["id"])
    assert api.delete(f"{API}/sla/calendars/{second['id']}").status_code == 409
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_policy_lifecycle_in_position_order(api: httpx.Client, other_api: httpx.Client) -> None:
    later = created(api.post(f"{API}/sla/policies", json={"name": "written", "position": 50,
                    "match_channels": ["email"], "first_response_seconds": 14400}))  # fmt: skip
    first = created(api.post(f"{API}/sla/policies", json={"name": "vip complaints",
                    "position": 5, "match_value_tiers": ["vip"], "match_categories": ["complaint"],
                    "resolution_seconds": 43200,
                    "breach_actions": ["notify_lead", "escalate_org"]}))  # fmt: skip
    names = [p["name"] for p in api.get(f"{API}/sla/policies").json()]
    assert names == ["vip complaints", "written"]
    assert first["warn_share"] == 0.8 and first["breach_actions"] == ["notify_lead", "escalate_org"]

    unknown = str(uuid.uuid4())
    assert problem_fields(
        api.post(f"{API}/sla/policies", json={"name": "x", "calendar_id": unknown})
    ) == {"calendar_id"}
    assert problem_fields(
        api.post(f"{API}/sla/policies", json={"name": "x", "breach_actions": ["move_queue"]})
    ) == {"move_to_queue_id"}
    assert problem_fields(
        api.post(f"{API}/sla/policies", json={"name": "x", "match_channels": ["fax"]})
    ) == {"match_channels.0"}

    path = f"{API}/sla/policies/{later['id']}"
    changed = api.patch(path, json={"position": 1, "first_response_seconds": None})
    assert changed.status_code == 200 and changed.json()["first_response_seconds"] is None
    assert [p["name"] for p in api.get(f"{API}/sla/policies").json()] == [
        "written",
        "vip complaints",
    ]
    assert other_api.patch(path, json={"position": 2}).status_code == 404
    assert api.delete(path).status_code == 204


def test_conversations_carry_their_sla_state_and_breaches_are_listed(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    created(api.post(f"{API}/sla/policies", json={"name": "mail", "first_response_seconds": 3600,
                     "resolution_seconds": 86400}))  # fmt: skip
    queue = create_queue(api)
    contact = create_contact(api)
    ids = [create_conversation(api, contact["id"], queue_id=queue["id"])["id"] for _ in range(3)]
    with database.tenant_unit(tenant.id) as session:
        for cid in ids:
            hooks.start_clocks(session, conversation_id=uuid.UUID(cid))

    detail = api.get(f"{API}/conversations/{ids[0]}").json()
    by_metric = {clock["metric"]: clock for clock in detail["sla"]}
    assert set(by_metric) == {"first_response", "resolution"}
    first = by_metric["first_response"]
    assert 3500 < first["remaining_seconds"] <= 3600
    assert not first["breached"] and not first["paused"] and first["at_risk"] is False
    listed = all_pages(api, f"{API}/conversations", queue_id=queue["id"])
    assert all(len(item["sla"]) == 2 for item in listed)

    later = datetime.now(UTC) + timedelta(hours=2)
    run_sla_sweep(database, now=later)
    item = next(c for c in all_pages(api, f"{API}/conversations", queue_id=queue["id"]))
    first = next(c for c in item["sla"] if c["metric"] == "first_response")
    assert first["breached"] and first["warned"]

    breaches = all_pages(api, f"{API}/sla/breaches", metric="first_response", limit=1)
    assert sorted(b["conversation_id"] for b in breaches) == sorted(ids)
    assert {b["queue_id"] for b in breaches} == {queue["id"]}
    assert all_pages(api, f"{API}/sla/breaches", metric="resolution") == []
    assert len(all_pages(api, f"{API}/sla/breaches", queue_id=queue["id"], open=True)) == 3
    assert all_pages(api, f"{API}/sla/breaches", open=False) == []
    assert all_pages(api, f"{API}/sla/breaches", level=1) == []
    since = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    assert all_pages(api, f"{API}/sla/breaches", since=since) == []
    naive = api.get(f"{API}/sla/breaches", params={"since": "2026-03-01T00:00:00"})
    assert problem_fields(naive) == {"since"}


def test_prediction_accuracy_answers_with_counts(api: httpx.Client) -> None:
    response = api.get(f"{API}/sla/predictions/accuracy")
    assert response.status_code == 200
    body = response.json()
    assert body["precision"] is None and body["recall"] is None
    assert body["counts"]["flagged"] == 0
