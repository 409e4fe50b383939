"""Acceptance: schemathesis generates requests for every operation of the published schema.

The schema is taken from the app at collection time (so each operation is its own test item)
and checked to be byte for byte what /api/schema/openapi.json serves. Requests go over real
HTTP to uvicorn, as a tenant, on every backend. Path ids and id-valued
body fields point at real objects of that tenant, so generated bodies reach the business rules
instead of stopping at 404. Checks: no 5xx, documented status codes and content types, and
response bodies that match their schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from core.db import Database
from tests.api.conftest import LiveServer
from tests.api.factories import (
    API,
    create_contact,
    create_conversation,
    create_org_unit,
    create_queue,
    create_user,
)
from tests.conftest import TenantHandle

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def real_ids(
    client_for: Callable[[TenantHandle | None], httpx.Client], tenant: TenantHandle
) -> dict[str, str]:
    """One object of each kind in the tenant, by the parameter names that refer to them."""
    api = client_for(tenant)
    hq = create_org_unit(api, "headquarters")
    queue = create_queue(api, org_unit_id=hq["id"])
    user = create_user(api, org_unit_id=hq["id"])
    contact = create_contact(api, identities=[{"kind": "email", "value": "fuzz@example.com"}])
    other = create_contact(api, identities=[])
    api.post(
        f"{API}/contacts/{contact['id']}/identities",
        json={"kind": "phone", "value": "+14155552671"},
    )
    conversation = create_conversation(api, contact["id"], queue_id=queue["id"])
    return {
        "contact_id": contact["id"],
        "merge_contact_id": other["id"],
        "identity_id": contact["identities"][0]["id"],
        "conversation_id": conversation["id"],
        "queue_id": queue["id"],
        "user_id": user["id"],
        "assignee_id": user["id"],
        "org_unit_id": hq["id"],
        "parent_id": hq["id"],
    }


def published_schema() -> dict[str, Any]:
    """The schema the app publishes at /api/schema/openapi.json (it needs no database)."""
    return create_app(Database("sqlite://")).openapi_schema.to_schema()


schema = schemathesis.openapi.from_dict(published_schema())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_survives_generated_requests(
    case: Any, live_server: LiveServer, tenant: TenantHandle, real_ids: dict[str, str]
) -> None:
    for name in case.path_parameters or {}:
        if name in real_ids:
            case.path_parameters[name] = real_ids[name]
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in real_ids and isinstance(value, str):
                case.body[name] = real_ids[name]
    case.call_and_validate(base_url=live_server.base_url, headers=tenant.headers, checks=CHECKS)


def test_schemathesis_tests_the_schema_the_server_publishes(live_server: LiveServer) -> None:
    served = httpx.get(f"{live_server.base_url}/api/schema/openapi.json", timeout=10)
    assert served.json() == published_schema()
