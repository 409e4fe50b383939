"""Incidents over HTTP (D16): what they cover, one public statement, call-backs once per
customer, and closing with the review."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models.callback_request import CallbackRequest
from core.models.outbox import OutboxJob
from core.social import incidents
from tests.api.factories import API, create_conversation, created
from tests.conftest import TenantHandle
from tests.social.api_support import api, client_for, live_server, other_api
from tests.social.factories import add_alert, add_post, create_account, social_customer

__all__ = ["api", "client_for", "live_server", "other_api"]

INCIDENTS = f"{API}/incidents"


@dataclass(frozen=True)
class Storm:
    """An alert over three posts: one by a customer with a phone and a conversation, one by
    a customer with a phone only, one by a customer with a conversation but no phone."""

    alert: str
    posts: list[str]
    conversations: list[str]
    called: list[str]
    unreachable: str


def storm(api: httpx.Client, database: Database, tenant: TenantHandle) -> Storm:
    with_both = social_customer(api, phone="+8613912345678")
    phone_only = social_customer(api, phone="+8613712345678")
    no_phone = social_customer(api)
    first = create_conversation(api, with_both["id"])["id"]
    third = create_conversation(api, no_phone["id"])["id"]
    posts = [
        add_post(database, tenant.id, author=with_both, conversation_id=first),
        add_post(database, tenant.id, author=phone_only),
        add_post(database, tenant.id, author=no_phone, conversation_id=third),
    ]
    alert = add_alert(database, tenant.id, evidence=posts)
    return Storm(alert, posts, [first, third], [with_both["id"], phone_only["id"]], no_phone["id"])


def open_incident(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    return created(api.post(INCIDENTS, json={"title": "Northwind outage storm", **fields}))


def field_errors(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def test_opening_from_an_alert_links_its_posts_and_their_conversations(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    s = storm(api, database, tenant)

    incident = open_incident(api, alert_ids=[s.alert], severity="major", summary="Fibre cut")

    assert incident["links"]["alerts"] == [s.alert]
    assert sorted(incident["links"]["posts"]) == sorted(s.posts)
    assert sorted(incident["links"]["conversations"]) == sorted(s.conversations)
    assert incident["severity"] == "major" and incident["status"] == "open"
    assert api.get(f"{API}/alerts/{s.alert}").json()["incident_id"] == incident["id"]
    fetched = api.get(f"{INCIDENTS}/{incident['id']}").json()
    assert fetched["links"] == incident["links"]
    assert [i["id"] for i in api.get(INCIDENTS).json()["items"]] == [incident["id"]]
    in_another = api.post(INCIDENTS, json={"title": "Again", "alert_ids": [s.alert]})
    assert in_another.status_code == 409, in_another.text


def test_linking_is_idempotent_and_unknown_ids_are_refused_naming_the_field(
    api: httpx.Client, other_api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    s = storm(api, database, tenant)
    incident = open_incident(api)
    url = f"{INCIDENTS}/{incident['id']}/links"
    foreign = create_conversation(other_api, social_customer(other_api)["id"])["id"]

    first = api.post(url, json={"post_ids": s.posts[:1]})
    again = api.post(url, json={"post_ids": s.posts[:1], "conversation_ids": s.conversations[:1]})
    unknown_post = api.post(url, json={"post_ids": [str(uuid.uuid4())]})
    theirs = api.post(url, json={"conversation_ids": [foreign]})
    unknown_alert = api.post(url, json={"alert_ids": [str(uuid.uuid4())]})

    assert first.status_code == 200, first.text
    assert first.json()["links"] == {
        "alerts": [],
        "posts": s.posts[:1],
        "conversations": s.conversations[:1],
    }
    assert again.json()["links"] == first.json()["links"]
    assert field_errors(unknown_post) == {"post_ids"}
    assert field_errors(theirs) == {"conversation_ids"}
    assert field_errors(unknown_alert) == {"alert_ids"}


def test_one_public_statement_per_incident_queued_once_per_account(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    x = create_account(api, network="x")
    page = create_account(api, network="facebook")
    feed = create_account(api, network="rss")
    paused = create_account(api, network="mastodon", active=False)
    incident = open_incident(api)
    url = f"{INCIDENTS}/{incident['id']}/statement"
    text = "We know about the outage in Shenzhen and are fixing it."

    not_publishing = api.post(url, json={"text": text, "account_ids": [x["id"], feed["id"]]})
    inactive = api.post(url, json={"text": text, "account_ids": [paused["id"]]})
    unknown = api.post(url, json={"text": text, "account_ids": [str(uuid.uuid4())]})
    accepted = api.post(url, json={"text": text, "account_ids": [x["id"], page["id"]]})
    second = api.post(url, json={"text": "Update", "account_ids": [x["id"]]})

    for refused in (not_publishing, inactive, unknown):
        assert field_errors(refused) == {"account_ids"}
    assert "rss" in not_publishing.text and "inactive" in inactive.text
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["statement_text"] == text and body["statement_requested_at"] is not None
    assert body["statement_account_ids"] == [x["id"], page["id"]]
    assert second.status_code == 409, second.text
    with database.tenant_unit(tenant.id) as session:
        jobs = session.execute(
            sa.select(col(OutboxJob.payload)).where(
                col(OutboxJob.actor) == incidents.PUBLISH_STATEMENT_ACTOR
            )
        ).scalars()
        payloads = sorted(jobs, key=lambda payload: payload["account_id"])
        incidents.record_statement_result(
            session,
            incident_id=uuid.UUID(incident["id"]),
            account_id=uuid.UUID(x["id"]),
            result={"state": "published", "external_id": "1790000000000000000"},
        )
    expected = [{"incident_id": incident["id"], "account_id": a} for a in (x["id"], page["id"])]
    assert payloads == sorted(expected, key=lambda payload: payload["account_id"])
    results = api.get(f"{INCIDENTS}/{incident['id']}").json()["statement_results"]
    assert list(results) == [x["id"]]
    assert results[x["id"]]["external_id"] == "1790000000000000000"


def test_call_backs_go_once_to_each_affected_customer_with_a_phone(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    s = storm(api, database, tenant)
    incident = open_incident(api, alert_ids=[s.alert])
    url = f"{INCIDENTS}/{incident['id']}/callbacks"
    later = social_customer(api, phone="+8615012345678")
    later_conversation = create_conversation(api, later["id"])["id"]

    first = api.post(url, json={"reason": "Apologise for the outage"})
    api.post(f"{INCIDENTS}/{incident['id']}/links", json={"conversation_ids": [later_conversation]})
    second = api.post(url, json={"reason": "Apologise for the outage"})
    third = api.post(url, json={"reason": "Apologise for the outage"})

    assert first.status_code == 202, first.text
    assert first.json() == {"queued": 2, "callbacks_queued": 2}
    assert second.json() == {"queued": 1, "callbacks_queued": 3}
    assert third.json() == {"queued": 0, "callbacks_queued": 3}
    with database.tenant_unit(tenant.id) as session:
        requests = session.execute(sa.select(CallbackRequest)).scalars().all()
        called = sorted((str(r.contact_id), r.source, r.number) for r in requests)
    assert called == sorted(
        [
            (s.called[0], "incident", "+8613912345678"),
            (s.called[1], "incident", "+8613712345678"),
            (later["id"], "incident", "+8615012345678"),
        ]
    )
    assert s.unreachable not in {contact for contact, _, _ in called}
    timeline = api.get(f"{API}/conversations/{s.conversations[0]}").json()["timeline"]
    notes = [e["message"]["text"] for e in timeline if e["kind"] == "message"]
    assert any(incident["id"] in n and "Apologise for the outage" in n for n in notes)


def test_an_incident_closes_with_its_review_and_then_stays_closed(
    api: httpx.Client, database: Database, tenant: TenantHandle
) -> None:
    incident = open_incident(api)
    url = f"{INCIDENTS}/{incident['id']}"
    account = create_account(api)

    monitoring = api.patch(url, json={"status": "monitoring", "summary": "Fix deployed"})
    closing_by_patch = api.patch(url, json={"status": "closed"})
    without_review = api.post(f"{url}/close", json={"review": " "})
    closed = api.post(f"{url}/close", json={"review": "Root cause: fibre cut; add a 2nd route"})

    assert monitoring.status_code == 200 and monitoring.json()["status"] == "monitoring"
    assert monitoring.json()["summary"] == "Fix deployed"
    assert field_errors(closing_by_patch) == {"status"}
    assert field_errors(without_review) == {"review"}
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] is not None
    assert closed.json()["review"] == "Root cause: fibre cut; add a 2nd route"
    refused = [
        api.post(f"{url}/close", json={"review": "again"}),
        api.patch(url, json={"summary": "changed"}),
        api.post(f"{url}/links", json={"post_ids": [add_post(database, tenant.id)]}),
        api.post(f"{url}/statement", json={"text": "Hi", "account_ids": [account["id"]]}),
        api.post(f"{url}/callbacks", json={"reason": "late"}),
    ]
    assert [r.status_code for r in refused] == [409] * len(refused)
    amended = api.patch(url, json={"review": "Root cause: fibre cut by roadworks"})
    assert amended.status_code == 200 and amended.json()["review"].endswith("roadworks")
    closed_only = api.get(f"{API}/incidents", params={"status": "closed"}).json()["items"]
    assert [i["id"] for i in closed_only] == [incident["id"]]
