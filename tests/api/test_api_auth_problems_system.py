"""Authentication, RFC 9457 problems, and the operational endpoints (/health, /metrics, docs)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from api.app import create_app
from core import queues
from core.clock import utcnow
from core.db import Database
from core.models import ApiKey
from core.settings import Settings
from tests.api.factories import API, create_contact
from tests.conftest import TenantHandle

ClientFor = Callable[[TenantHandle | None], httpx.Client]


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail", "instance"} <= body.keys()
    return body


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer sb_not-a-key"}],
    ids=["missing", "wrong-scheme", "unknown"],
)
def test_requests_without_a_valid_key_are_401(
    client_for: ClientFor, headers: dict[str, str]
) -> None:
    response = client_for(None).get(f"{API}/contacts", headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_key_is_401_and_used_key_is_touched(
    client_for: ClientFor, database: Database, tenant: TenantHandle
) -> None:
    api = client_for(tenant)
    assert api.get(f"{API}/contacts").status_code == 200
    with database.tenant_unit(tenant.id) as session:
        key = session.execute(sa.select(ApiKey)).scalar_one()
        assert key.last_used_at is not None
        key.revoked_at = utcnow()
    assert_problem(api.get(f"{API}/contacts"), 401)


def test_bad_enum_and_missing_field_answer_field_errors(api: httpx.Client) -> None:
    response = api.post(f"{API}/contacts", json={"value_tier": "platinum"})
    body = assert_problem(response, 422)
    errors = {e["field"]: e["message"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert set(errors) == {"name", "value_tier"}
    assert "standard" in errors["value_tier"]
    assert body["instance"] == f"{API}/contacts"


def test_unknown_body_fields_and_wrong_types_are_rejected(api: httpx.Client) -> None:
    body = assert_problem(api.post(f"{API}/queues", json={"name": 5, "colour": "red"}), 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"name", "colour"}


@pytest.mark.parametrize(("depth", "status"), [(40, 422), (20_000, 400)])
def test_deeply_nested_json_is_refused_not_a_crash(
    api: httpx.Client, depth: int, status: int
) -> None:
    attributes = '{"a":' * depth + "1" + "}" * depth
    response = api.post(
        f"{API}/contacts",
        content=f'{{"name": "Deep", "attributes": {attributes}}}'.encode(),
        headers={"content-type": "application/json"},
    )
    assert_problem(response, status)


def test_malformed_json_is_400(api: httpx.Client) -> None:
    response = api.post(
        f"{API}/contacts", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_problem(response, 400)


def test_malformed_ids_and_unknown_paths_are_404(api: httpx.Client) -> None:
    assert_problem(api.get(f"{API}/contacts/not-a-uuid"), 404)
    assert_problem(api.get(f"{API}/conversations/01900000-0000-7000-8000-000000000000"), 404)
    assert_problem(api.get(f"{API}/nowhere"), 404)


def test_garbage_cursor_and_limit_out_of_range_are_422(api: httpx.Client) -> None:
    body = assert_problem(api.get(f"{API}/conversations", params={"cursor": "garbage!"}), 422)
    assert body["errors"] == [{"field": "cursor", "message": "not a cursor"}]
    body = assert_problem(api.get(f"{API}/users", params={"limit": 0}), 422)
    assert body["errors"][0]["field"] == "limit"  # type: ignore[index]


def test_wrong_method_is_a_405_problem(api: httpx.Client) -> None:
    assert_problem(api.put(f"{API}/contacts", json={}), 405)


def test_unexpected_error_is_a_500_problem_without_internals(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("password=hunter2")

    monkeypatch.setattr(queues, "list_queues", broken)
    response = api.get(f"{API}/queues")
    body = assert_problem(response, 500)
    assert "hunter2" not in response.text
    assert body["detail"] == "an unexpected error occurred"


def test_failed_write_is_rolled_back(api: httpx.Client) -> None:
    contact = create_contact(api)
    taken = contact["identities"][0]
    response = api.post(
        f"{API}/contacts",
        json={"name": "Dup", "identities": [{"kind": taken["kind"], "value": taken["value"]}]},
    )
    assert_problem(response, 409)
    names = [c["name"] for c in api.get(f"{API}/contacts", params={"q": "Dup"}).json()["items"]]
    assert names == []


def test_oversized_body_is_413(database: Database, tenant: TenantHandle) -> None:
    app = create_app(database, settings=Settings(max_request_body_bytes=1024))
    with TestClient(app) as client:
        response = client.post(f"{API}/contacts", json={"name": "x" * 2048}, headers=tenant.headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_health_reports_each_check(client_for: ClientFor, database: Database) -> None:
    healthy = client_for(None).get("/health")
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "ok", "checks": {"database": "ok"}}

    def exploding() -> bool:
        raise ConnectionError("broker down")

    app = create_app(database, health_checks={"database": lambda: True, "broker": exploding})
    with TestClient(app) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "checks": {"database": "ok", "broker": "failed"}}


def test_metrics_are_prometheus_text_without_auth(client_for: ClientFor) -> None:
    anonymous = client_for(None)
    anonymous.get("/health")
    response = anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "switchboard_requests_total{" in response.text
    assert 'path="/health"' in response.text


def test_schema_and_docs_are_served_without_auth(client_for: ClientFor) -> None:
    anonymous = client_for(None)
    schema = anonymous.get("/api/schema/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    docs = anonymous.get("/api/docs", follow_redirects=True)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert anonymous.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
