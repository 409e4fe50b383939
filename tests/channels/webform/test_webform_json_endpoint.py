"""The JSON endpoint over real HTTP: a submission becomes a conversation with a reference;
bad input gets a precise 4xx with messages per field, and nothing sent is lost."""

from __future__ import annotations

from typing import Any

import httpx

from core.db import Database
from core.models import InboundState
from tests.channels.webform.conftest import (
    FormFactory,
    complaint,
    conversation_by_number,
    form_url,
    messages_of,
    records_of,
)
from tests.conftest import TenantHandle


def test_valid_submission_becomes_a_conversation_with_a_reference(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "complaint")
    body = complaint(1, nature="network_performance", occurred_on="2024-05-01")
    response = web.post(form_url(tenant, form, ".json"), json=body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["reference"] == f"#SB-{answer['number']}" and not answer["duplicate"]
    assert answer["reference"] in answer["message"]
    conversation = conversation_by_number(database, tenant.id, answer["number"])
    assert conversation.channel == "webform" and conversation.category == "complaint"
    assert conversation.subject == "Complaint: Charged twice for roaming"
    assert conversation.language == "en"
    [message] = messages_of(database, tenant.id, conversation.id)
    assert "Name: Customer 1" in message.text
    assert "What is it about?: Network performance (network_performance)" in message.text
    assert "这个月漫游被扣了两次费" in message.text
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.INGESTED and record.message_id == message.id
    assert record.remote_addr == "127.0.0.1" and record.sender == body["fields"]["email"]


def test_invalid_fields_get_one_message_each_in_the_forms_language(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "complaint")
    body = complaint(
        2,
        email="not-an-email",
        description="",
        nature="galaxy",
        occurred_on="2999-01-01",
        favourite_colour="blue",
    )
    body["language"] = "zh"
    response = web.post(form_url(tenant, form, ".json"), json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "favourite_colour": "此表单没有这一项。",
        "email": "请输入有效的电子邮件地址。",
        "nature": "请从以下选项中选择：product_quality, network_performance, technical_fault, service。",
        "description": "请填写此项。",
        "occurred_on": "日期不能晚于今天。",
    }
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED and "nature" in (record.reason or "")
    assert b"galaxy" in record.payload and record.message_id is None


def test_ratings_out_of_range_and_values_that_are_not_text_are_field_errors(
    tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "feedback")
    url = form_url(tenant, form, ".json")
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        ({"rating": 7}, {"rating": "Choose a rating from 1 to 5."}),
        ({"rating": "five"}, {"rating": "Choose a rating from 1 to 5."}),
        ({"rating": 4, "comments": ["a", "b"]}, {"comments": "Must be text."}),
        ({"rating": 4, "may_contact": "perhaps"}, {"may_contact": "Must be yes or no."}),
        (
            {"rating": 4, "reference": "ticket 12"},
            {"reference": "This is not in the expected format."},
        ),
    ]
    for fields, expected in cases:
        body = {"fields": {"email": "fb@example.com", **fields}, "language": "en"}
        response = web.post(url, json=body)
        assert response.status_code == 422, (fields, response.text)
        assert {e["field"]: e["message"] for e in response.json()["errors"]} == expected
    no_identity = web.post(url, json={"fields": {"rating": 5}, "language": "en"})
    assert no_identity.status_code == 422
    assert no_identity.json()["errors"] == [
        {
            "field": "email",
            "message": "Please give an email address or a phone number so that we can reach you.",
        }
    ]
    good = {
        "fields": {
            "phone": "139 0000 1111",
            "rating": "5",
            "may_contact": True,
            "reference": "#SB-12",
        }
    }
    assert web.post(url, json=good).status_code == 201


def test_malformed_bodies_unknown_forms_and_wrong_types_get_precise_answers(
    database: Database,
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    make_form: FormFactory,
    web: httpx.Client,
) -> None:
    form = make_form(tenant, "complaint")
    make_form(
        tenant, "only-mine", fields=[{"name": "email", "type": "email", "label": {"en": "E"}}]
    )
    make_form(other_tenant, "feedback", active=False)
    url = form_url(tenant, form, ".json")
    json_type = {"Content-Type": "application/json"}
    assert web.post(url, content=b"{not json", headers=json_type).status_code == 400
    assert web.post(url, content=b"[" * 100_000, headers=json_type).status_code == 400
    array = web.post(url, json=[1, 2])
    assert array.status_code == 422 and array.json()["errors"][0]["field"] == "body"
    extra = web.post(url, json={**complaint(), "admin": True})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "admin"
    text_body = web.post(url, content=b"name=x", headers={"Content-Type": "text/plain"})
    assert text_body.status_code == 415
    huge = web.post(url, json={"fields": {"description": "x" * 300_000}})
    assert huge.status_code == 413
    for missing in (
        form_url(tenant, "no-such-form", ".json"),
        f"/forms/no-such-tenant/{form.slug}.json",
        form_url(other_tenant, "feedback", ".json"),  # inactive
        form_url(other_tenant, "only-mine", ".json"),  # not theirs
        f"/forms/{tenant.slug}/Complaint.json",
    ):
        assert web.post(missing, json=complaint()).status_code == 404, missing
        assert web.get(missing).status_code == 404, missing
    assert records_of(database, tenant.id) == []


def test_a_filled_honeypot_is_refused_and_kept(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "complaint")
    response = web.post(
        form_url(tenant, form, ".json"), json={**complaint(3), "website": "http://spam.example"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"] == "The submission was refused."
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED and record.reason == "honeypot field filled"
    assert b"spam.example" in record.payload
