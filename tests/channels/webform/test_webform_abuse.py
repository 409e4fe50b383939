"""Anti-abuse and idempotency over real HTTP: replays give the same reference, limits per
address and per identity answer 429 with Retry-After, and everything refused is kept."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import InboundState, Message
from tests.api.conftest import LiveServer
from tests.channels.webform.conftest import (
    FormFactory,
    complaint,
    form_url,
    records_of,
)
from tests.conftest import TenantHandle


def webform_messages(database: Database, tenant: TenantHandle) -> int:
    with database.tenant_session(tenant.id) as session:
        return session.execute(
            sa.select(sa.func.count()).select_from(Message).where(col(Message.channel) == "webform")
        ).scalar_one()


def test_a_replay_with_the_same_idempotency_key_gives_the_same_reference_once(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"), ".json")
    body = complaint(1)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = web.post(url, json=body, headers=key)
    again = web.post(url, json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["number"] == first.json()["number"] and again.json()["duplicate"]
    other_key = web.post(url, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    no_key = web.post(url, json=body)
    numbers = {r.json()["number"] for r in (first, other_key, no_key)}
    assert len(numbers) == 3
    assert webform_messages(database, tenant) == 3
    states = [r.state for r in records_of(database, tenant.id)]
    assert states.count(InboundState.DUPLICATE) == 1 and states.count(InboundState.INGESTED) == 3


def test_concurrent_replays_file_one_message(
    database: Database, tenant: TenantHandle, make_form: FormFactory, form_server: LiveServer
) -> None:
    form = make_form(tenant, "complaint", per_identity_per_hour=100)
    url = form_server.base_url + form_url(tenant, form, ".json")
    body = complaint(2)
    headers = {"Idempotency-Key": "double-click-1"}

    def send(_: int) -> httpx.Response:
        return httpx.post(url, json=body, headers=headers, timeout=30)

    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(send, range(6)))
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [
        r.text for r in responses
    ]
    assert len({r.json()["number"] for r in responses}) == 1
    assert webform_messages(database, tenant) == 1
    assert len(records_of(database, tenant.id)) == 6


def test_too_many_submissions_from_one_address_get_429_with_retry_after(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint", per_ip_per_hour=3), ".json")
    assert web.post(url, json={"fields": {}}).status_code == 422  # refusals count too
    for i in range(2):
        assert web.post(url, json=complaint(i)).status_code == 201
    limited = web.post(url, json=complaint(9))
    assert limited.status_code == 429, limited.text
    assert 3500 <= int(limited.headers["Retry-After"]) <= 3601
    assert limited.json()["detail"] == "Too many submissions; please try again in 60 minutes."
    assert web.post(url, json=complaint(10)).status_code == 429  # a refusal does not count
    records = records_of(database, tenant.id)
    assert [r.state for r in records][-2:] == [InboundState.RATE_LIMITED] * 2
    assert all(r.remote_addr == "127.0.0.1" for r in records)


def test_too_many_submissions_from_one_identity_get_429(
    tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint", per_identity_per_hour=2), ".json")
    same = "repeat@example.com"
    for _ in range(2):
        assert web.post(url, json=complaint(email=same.upper())).status_code == 201
    limited = web.post(url, json=complaint(email=same))
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 3500
    assert web.post(url, json=complaint(email="someone.else@example.com")).status_code == 201
