"""The alert lifecycle over HTTP: open → acknowledged → resolved once each, notes, owners,
evidence posts, and the filtered list. Alerts are set up as the detector leaves them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core.db import Database
from core.models.social_alert import AlertKind, Severity
from tests.api.factories import API, all_pages, create_user
from tests.conftest import TenantHandle
from tests.social.api_support import api, client_for, live_server, other_api
from tests.social.factories import add_alert, add_post, create_monitor, social_customer

__all__ = ["api", "client_for", "live_server", "other_api"]

ALERTS = f"{API}/alerts"


def field_errors(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def test_an_alert_is_acknowledged_then_resolved_and_each_step_happens_once(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    alert = add_alert(database, tenant.id)
    owner = create_user(api)
    url = f"{ALERTS}/{alert}"

    acknowledged = api.post(
        f"{url}/acknowledge", json={"owner_id": owner["id"], "note": "Looking into it"}
    )
    twice = api.post(f"{url}/acknowledge", json={})
    resolved = api.post(f"{url}/resolve", json={"note": "Outage fixed, statement posted"})
    again = api.post(f"{url}/resolve", json={"note": "again"})
    late_ack = api.post(f"{url}/acknowledge", json={})

    assert acknowledged.status_code == 200, acknowledged.text
    body = acknowledged.json()
    assert body["status"] == "acknowledged" and body["owner_id"] == owner["id"]
    assert body["acknowledged_at"] is not None and body["resolved_at"] is None
    assert twice.status_code == 409 and "acknowledged" in twice.json()["detail"]
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolved_at"]
    assert resolved.json()["owner_id"] == owner["id"]
    assert again.status_code == 409 and late_ack.status_code == 409
    trail = [(n["action"], n["text"]) for n in resolved.json()["notes"]]
    assert trail == [
        ("acknowledged", "Looking into it"),
        ("resolved", "Outage fixed, statement posted"),
    ]


def test_an_open_alert_can_be_resolved_directly_but_only_with_a_note(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    url = f"{ALERTS}/{add_alert(database, tenant.id)}"

    missing = api.post(f"{url}/resolve", json={})
    blank = api.post(f"{url}/resolve", json={"note": "   "})
    resolved = api.post(f"{url}/resolve", json={"note": "False alarm: a quiz show"})

    assert field_errors(missing) == {"note"} and field_errors(blank) == {"note"}
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["acknowledged_at"] is None


def test_notes_are_appended_with_time_and_author(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    url = f"{ALERTS}/{add_alert(database, tenant.id)}"
    before = datetime.now(UTC) - timedelta(seconds=5)

    first = api.post(f"{url}/notes", json={"text": "KOL @bigvoice reposted"})
    second = api.post(f"{url}/notes", json={"text": "Hotline volume doubled"})
    empty = api.post(f"{url}/notes", json={"text": ""})

    assert first.status_code == 200 and second.status_code == 200, second.text
    notes = second.json()["notes"]
    assert [n["text"] for n in notes] == ["KOL @bigvoice reposted", "Hotline volume doubled"]
    assert all(n["action"] == "note" and n["author_id"] is None for n in notes)
    assert all(datetime.fromisoformat(n["at"]) >= before for n in notes)
    assert field_errors(empty) == {"text"}
    assert api.get(url).json()["notes"] == notes


def test_owners_must_be_users_of_the_tenant(
    api: httpx.Client, other_api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    url = f"{ALERTS}/{add_alert(database, tenant.id)}"
    mine, theirs = create_user(api), create_user(other_api)

    foreign = api.patch(url, json={"owner_id": theirs["id"]})
    unknown = api.post(f"{url}/acknowledge", json={"owner_id": str(uuid.uuid4())})
    assigned = api.patch(url, json={"owner_id": mine["id"]})
    acknowledged = api.post(f"{url}/acknowledge", json={})
    cleared = api.patch(url, json={"owner_id": None})

    assert field_errors(foreign) == {"owner_id"} and field_errors(unknown) == {"owner_id"}
    assert assigned.status_code == 200 and assigned.json()["owner_id"] == mine["id"]
    assert acknowledged.json()["owner_id"] == mine["id"], "the current owner stays"
    assert cleared.status_code == 200 and cleared.json()["owner_id"] is None
    actions = [n["action"] for n in cleared.json()["notes"]]
    assert actions == ["owner_changed", "acknowledged", "owner_changed"]


def test_an_alert_shows_its_evidence_posts_marking_deleted_ones(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    author = social_customer(api)
    loud = add_post(database, tenant.id, text="northwind outage, 3 days!", followers=80_000)
    gone = add_post(database, tenant.id, text="northwind liars", author=author, deleted=True)
    alert = add_alert(database, tenant.id, evidence=[loud, gone])

    detail = api.get(f"{ALERTS}/{alert}")

    assert detail.status_code == 200, detail.text
    evidence = detail.json()["evidence"]
    assert [(p["id"], p["deleted"]) for p in evidence] == [(loud, False), (gone, True)]
    assert evidence[0]["text"] == "northwind outage, 3 days!"
    assert evidence[0]["followers"] == 80_000
    assert evidence[0]["sentiment"] == {"score": -0.8, "label": "negative"}
    assert evidence[0]["url"].startswith("https://x.example/status/")
    assert evidence[1]["author_handle"] == author["handle"]


def test_alerts_list_most_recently_seen_first_with_filters(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    monitor = create_monitor(api)
    now = datetime.now(UTC)

    def alert(minutes_ago: int, **fields: Any) -> str:
        seen = now - timedelta(minutes=minutes_ago)
        return add_alert(database, tenant.id, last_seen_at=seen, **fields)

    old = alert(30, monitor_id=monitor["id"])
    spike = alert(20, kind=AlertKind.VOLUME_SPIKE, severity=Severity.CRITICAL)
    recent = alert(10, monitor_id=monitor["id"], severity=Severity.LOW)
    done = alert(5)
    api.post(f"{ALERTS}/{done}/resolve", json={"note": "over"})
    api.post(f"{ALERTS}/{old}/acknowledge", json={})

    def ids(**params: Any) -> list[str]:
        return [a["id"] for a in all_pages(api, ALERTS, limit=1, **params)]

    assert ids() == [done, recent, spike, old]
    assert ids(status=["open", "acknowledged"]) == [recent, spike, old]
    assert ids(status="resolved") == [done]
    assert ids(monitor_id=monitor["id"]) == [recent, old]
    assert ids(kind="volume_spike") == [spike]
    assert ids(severity="critical") == [spike]
    assert field_errors(api.get(ALERTS, params={"status": "snoozed"})) == {"status"}
