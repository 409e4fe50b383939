"""Acceptance: the permission matrix, walked over every API operation as every role.

Each role is a real user signed in through the browser form (session cookie and
X-CSRF-Token), in two tenants, each with the roles dealt out to the same e-mail addresses
differently. Every /api/v1 operation of the OpenAPI schema is called on real objects of the
tenant, and the answer must be the one core.permissions grants for the action the app's own
route table gives the route: allowed is anything but 401, 403 or a 5xx; denied is exactly a
403 problem+json naming the action.

Bodies are deliberately malformed. Litestar runs guards before it parses parameters or the
body (litestar.routes.http.HTTPRoute.handle), so a denied caller gets 403 however bad the body
and an allowed one gets the 400 of validation: the walk sees the guard's decision and nothing
else, and no handler changes the objects the walk stands on. Deletions, which carry no body,
run last. API tokens are walked the same way: a token holds its scopes, and no more than its
issuer holds at the time of the call.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from api.app import create_app
from api.guards import route_action
from core.db import Database
from core.models.user import Role
from core.permissions import MATRIX, OWN_SUFFIX, Action, allows, permissions_for
from tests.api.browser_session import make_user, sign_in
from tests.api.conftest import LiveServer
from tests.api.factories import API, created, unique
from tests.api.test_api_tenant_isolation import (
    PATH_PARAM,
    World,
    build_world,
    export_window,
    fill_path,
    operations,
)
from tests.conftest import TenantHandle

ROLES = tuple(Role)
TYPED_PATH_PARAM = re.compile(r"{(\w+):\w+}")
MALFORMED_BODY = ["not", "a", "request", "body"]
PROBLEM_MEDIA_TYPE = "application/problem+json"
PERMISSION_DENIED = re.compile(r"needs the permission (\S+)$")

# Operations whose required query parameters the walk fills in.
REQUIRED_QUERIES: dict[str, Callable[[], dict[str, str]]] = {
    f"{API}/conversations/export": export_window,
    f"{API}/kpis/executive": export_window,
    f"{API}/kpis/heatmap": export_window,
    f"{API}/kpis/sla/breach-rates": export_window,
    f"{API}/kpis/sentiment": export_window,
}

ClientFor = Callable[[TenantHandle | None], httpx.Client]


@dataclass(frozen=True)
class RouteRule:
    """What the app's route table says a route needs."""

    action: str | None
    owner_param: str | None


@dataclass(frozen=True)
class Caller:
    """Someone calling the API, and what the matrix says they hold."""

    name: str
    client: httpx.Client
    granted: frozenset[str]
    user_id: str | None = None


def route_rules(app: Litestar) -> dict[tuple[str, str], RouteRule]:
    """Every /api/v1 (method, path) of the app, paths spelled as the OpenAPI schema does.

    OPTIONS is left out: Litestar adds it to every path itself, and authentication does not
    run for it, so the guard answers it 401 whatever it would derive.
    """
    rules: dict[tuple[str, str], RouteRule] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(f"{API}/"):
            continue
        path = TYPED_PATH_PARAM.sub(r"{\1}", route.path)
        for method, (handler, _) in route.route_handler_map.items():
            if method == "OPTIONS":
                continue
            owner = handler.opt.get("owner_param")
            rules[(method, path)] = RouteRule(
                action=route_action(handler, method), owner_param=str(owner) if owner else None
            )
    return rules


def api_operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [op for op in operations(schema) if op[1].startswith(f"{API}/")]


def judge(caller: Caller, rule: RouteRule, path_values: dict[str, str]) -> bool:
    """Whether the matrix lets ``caller`` take this route on these path values."""
    assert rule.action is not None
    own = (
        rule.owner_param is not None
        and caller.user_id is not None
        and path_values.get(rule.owner_param) == caller.user_id
    )
    return allows(caller.granted, rule.action, own=own)


def denial_problem(response: httpx.Response, action: str) -> str | None:
    """What is wrong with ``response`` as the guard's refusal of ``action`` (None: nothing)."""
    if response.status_code != 403:
        return f"denied, but answered {response.status_code}: {response.text[:200]}"
    if not response.headers.get("content-type", "").startswith(PROBLEM_MEDIA_TYPE):
        return f"denied with {response.headers.get('content-type')}, not problem+json"
    detail = str(response.json().get("detail") or "")
    named = PERMISSION_DENIED.search(detail)
    if not named or named.group(1) != action:
        return f"denied, but the problem does not name {action}: {detail!r}"
    return None


def allowance_problem(response: httpx.Response, method: str, has_body: bool) -> str | None:
    """What is wrong with ``response`` as an answer to an allowed call (None: nothing)."""
    status = response.status_code
    if status in (401, 403) or status >= 500:
        return f"allowed, but answered {status}: {response.text[:200]}"
    if has_body and status != 400:
        return f"allowed with a malformed body, but answered {status}, not 400"
    if method == "GET" and status != 200:
        return f"allowed read on a real object, but answered {status}: {response.text[:200]}"
    return None


def walk(
    ops: list[tuple[str, str, dict[str, Any]]],
    rules: dict[tuple[str, str], RouteRule],
    callers: list[Caller],
    world: World,
) -> tuple[int, list[str]]:
    """Every operation as every caller on ``world``; the number of calls and what went wrong."""
    ids = world.ids()
    calls, wrong = 0, []
    for method, path, operation in sorted(ops, key=lambda op: op[0] == "DELETE"):
        rule = rules[(method, path)]
        assert rule.action is not None, f"{method} {path} declares no permission"
        required = {
            p["name"]
            for p in operation.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        params = REQUIRED_QUERIES[path]() if required else {}
        params |= {name: ids[name] for name in required if name.endswith("_id")}
        assert required <= params.keys(), f"the matrix walk cannot fill {required} of {path}"
        has_body = "requestBody" in operation
        url = fill_path(path, ids)
        path_values = {name: ids[name] for name in PATH_PARAM.findall(path)}
        for caller in callers:
            response = caller.client.request(
                method, url, params=params, json=MALFORMED_BODY if has_body else None
            )
            calls += 1
            if judge(caller, rule, path_values):
                problem = allowance_problem(response, method, has_body)
            else:
                problem = denial_problem(response, rule.action)
            if problem:
                wrong.append(f"{caller.name}: {method} {path} ({rule.action}): {problem}")
    return calls, wrong


@pytest.fixture
def sign_in_as(live_server: LiveServer, database: Database) -> Iterator[Callable[..., Caller]]:
    """A factory of callers: a new user with one role, signed in through the browser form."""
    clients: list[httpx.Client] = []

    def make(owner: TenantHandle, role: Role, email: str | None = None) -> Caller:
        user = make_user(database, owner.id, role, email=email)
        browser = sign_in(live_server.base_url, owner.slug, user.email)
        clients.append(browser.client)
        browser.client.headers.update(browser.headers())
        return Caller(role.value, browser.client, permissions_for([role]), str(user.id))

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def rules(database: Database) -> dict[tuple[str, str], RouteRule]:
    return route_rules(create_app(database))


def bearer(client_for: ClientFor, secret: str) -> httpx.Client:
    client = client_for(None)
    client.headers["Authorization"] = f"Bearer {secret}"
    return client


def test_every_api_route_declares_a_permission_that_is_an_action_of_the_matrix(
    database: Database, rules: dict[tuple[str, str], RouteRule]
) -> None:
    schema = create_app(database).openapi_schema.to_schema()
    described = {(method, path) for method, path, _ in api_operations(schema)}
    assert described == rules.keys(), "a guarded route is missing from the schema the walk uses"
    assert len(rules) >= 124

    undeclared = sorted(key for key, rule in rules.items() if rule.action is None)
    assert not undeclared, f"routes that declare no permission: {undeclared}"
    actions = {a.value for a in Action}
    unknown = sorted(
        (key, rule.action) for key, rule in rules.items() if rule.action not in actions
    )
    assert not unknown, f"routes whose action is no Action: {unknown}"
    misplaced = sorted(
        key
        for key, rule in rules.items()
        if rule.owner_param and rule.owner_param not in PATH_PARAM.findall(key[1])
    )
    assert not misplaced, f"routes whose owner_param is no path parameter: {misplaced}"

    owned = {rule.action for rule in rules.values() if rule.owner_param}
    own_grants = {g for grants in MATRIX.values() for g in grants if g.endswith(OWN_SUFFIX)}
    dead = sorted(g for g in own_grants if g.removesuffix(OWN_SUFFIX) not in owned)
    assert not dead, f"@own grants that no route with an owner can use: {dead}"


def test_every_role_gets_exactly_what_the_matrix_grants_on_every_operation(
    client_for: ClientFor,
    sign_in_as: Callable[..., Caller],
    rules: dict[tuple[str, str], RouteRule],
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    database: Database,
) -> None:
    schema = client_for(tenant).get("/api/schema/openapi.json").json()
    ops = api_operations(schema)
    emails = [f"{unique('staff')}@example.com" for _ in ROLES]
    tenants = [tenant, other_tenant]
    calls, wrong = 0, []
    for turn, owner in enumerate(tenants):
        world = build_world(client_for(owner), database, owner)
        # The same people hold other roles in the other tenant: a session must carry the
        # roles of the tenant it was opened in.
        callers = [
            sign_in_as(owner, ROLES[(slot + turn) % len(ROLES)], email)
            for slot, email in enumerate(emails)
        ]
        made, mistakes = walk(ops, rules, callers, world)
        calls += made
        wrong += mistakes
    assert not wrong, f"{len(wrong)} answers differ from the matrix:\n" + "\n".join(wrong)
    routes = len(ops)
    print(
        f"permission matrix: {routes} routes x {len(ROLES)} roles x {len(tenants)} tenants"
        f" = {calls} calls"
    )
    assert routes >= 124 and calls == routes * len(ROLES) * len(tenants)


def test_an_agent_sets_their_own_presence_but_not_a_colleagues(
    client_for: ClientFor, sign_in_as: Callable[..., Caller], tenant: TenantHandle
) -> None:
    ann, bob = sign_in_as(tenant, Role.AGENT), sign_in_as(tenant, Role.AGENT)
    supervisor = sign_in_as(tenant, Role.SUPERVISOR)
    for agent in (ann, bob):  # only agents with a tier take work
        tiered = client_for(tenant).patch(f"{API}/users/{agent.user_id}", json={"tier": "l1"})
        assert tiered.status_code == 200, tiered.text
    before = bob.client.get(f"{API}/agents/{bob.user_id}/presence")
    assert before.status_code == 200, before.text

    own = ann.client.put(f"{API}/agents/{ann.user_id}/presence", json={"state": "available"})
    assert own.status_code == 200, own.text
    assert own.json()["state"] == "available"
    colleague = ann.client.put(f"{API}/agents/{bob.user_id}/presence", json={"state": "away"})
    assert denial_problem(colleague, Action.AGENTS_WRITE) is None, colleague.text
    assert bob.client.get(f"{API}/agents/{bob.user_id}/presence").json() == before.json()

    pulled = ann.client.post(f"{API}/agents/{ann.user_id}/pull", json={})
    assert pulled.status_code in {200, 404}, pulled.text  # 404: nothing waiting for them
    not_theirs = ann.client.post(f"{API}/agents/{bob.user_id}/pull", json={})
    assert denial_problem(not_theirs, Action.AGENTS_WRITE) is None, not_theirs.text

    for_bob = supervisor.client.put(f"{API}/agents/{bob.user_id}/presence", json={"state": "away"})
    assert for_bob.status_code == 200, for_bob.text
    assert for_bob.json()["state"] == "away"


def test_a_token_scoped_to_reading_conversations_reads_them_and_nothing_else(
    client_for: ClientFor,
    rules: dict[tuple[str, str], RouteRule],
    tenant: TenantHandle,
    database: Database,
) -> None:
    admin = client_for(tenant)
    world = build_world(admin, database, tenant)
    issued = created(
        admin.post(
            f"{API}/api-tokens", json={"name": unique("reader"), "scopes": ["conversations:read"]}
        )
    )
    token = bearer(client_for, issued["token"])
    listed = token.get(f"{API}/conversations")
    assert listed.status_code == 200, listed.text
    assert world.conversation in listed.text
    opened = token.post(
        f"{API}/conversations",
        json={"contact_id": world.contact, "channel": "email", "subject": "Hello"},
    )
    assert denial_problem(opened, Action.CONVERSATIONS_WRITE) is None, opened.text

    ops = api_operations(admin.get("/api/schema/openapi.json").json())
    reader = Caller("token conversations:read", token, frozenset({"conversations:read"}))
    calls, wrong = walk(ops, rules, [reader], world)
    assert not wrong, f"{len(wrong)} answers differ from the scopes:\n" + "\n".join(wrong)
    assert calls == len(ops)


def test_a_token_loses_what_its_issuer_loses(
    client_for: ClientFor, sign_in_as: Callable[..., Caller], tenant: TenantHandle
) -> None:
    admin = client_for(tenant)
    issuer = sign_in_as(tenant, Role.ADMIN)
    scopes = ["queues:read", "queues:write", "audit:read"]
    issued = created(
        issuer.client.post(f"{API}/api-tokens", json={"name": unique("ci"), "scopes": scopes})
    )
    assert issued["created_by_id"] == issuer.user_id
    token = bearer(client_for, issued["token"])
    new_queue = {"name": unique("queue"), "channels": ["email"]}

    def answers() -> tuple[int, int, int]:
        return (
            token.get(f"{API}/queues").status_code,
            token.get(f"{API}/audit").status_code,
            token.post(f"{API}/queues", json=MALFORMED_BODY).status_code,
        )

    assert answers() == (200, 200, 400)

    demoted = admin.patch(f"{API}/users/{issuer.user_id}", json={"roles": ["supervisor"]})
    assert demoted.status_code == 200, demoted.text
    assert answers() == (200, 403, 400)  # supervisors may not read the audit log
    assert denial_problem(token.get(f"{API}/audit"), Action.AUDIT_READ) is None

    stripped = admin.patch(f"{API}/users/{issuer.user_id}", json={"roles": []})
    assert stripped.status_code == 200, stripped.text
    assert answers() == (403, 403, 403)
    refused = token.post(f"{API}/queues", json=new_queue)
    assert denial_problem(refused, Action.QUEUES_WRITE) is None, refused.text
    names = [q["name"] for q in admin.get(f"{API}/queues", params={"limit": 200}).json()["items"]]
    assert new_queue["name"] not in names
    kept = admin.get(f"{API}/api-tokens/{issued['id']}").json()
    assert kept["scopes"] == sorted(scopes) and kept["revoked_at"] is None


def test_sessions_of_the_same_person_in_two_tenants_carry_each_tenants_roles(
    sign_in_as: Callable[..., Caller], tenant: TenantHandle, other_tenant: TenantHandle
) -> None:
    email = f"{uuid.uuid4().hex[:10]}@example.com"
    here = sign_in_as(tenant, Role.ADMIN, email)
    there = sign_in_as(other_tenant, Role.EXECUTIVE, email)
    assert here.client.get(f"{API}/audit").status_code == 200
    refused = there.client.get(f"{API}/audit")
    assert denial_problem(refused, Action.AUDIT_READ) is None, refused.text
    assert there.client.get(f"{API}/me").json()["roles"] == ["executive"]


def test_an_agent_cannot_answer_a_colleagues_offer(
    client_for: ClientFor,
    sign_in_as: Callable[..., Caller],
    tenant: TenantHandle,
    database: Database,
) -> None:
    world = build_world(client_for(tenant), database, tenant)  # world.offer is world.user's
    colleague = sign_in_as(tenant, Role.AGENT)
    theirs = f"{API}/agents/{world.user}/offers/{world.offer}/decline"
    refused = colleague.client.post(theirs)
    assert denial_problem(refused, Action.OFFERS_WRITE) is None, refused.text
    me = colleague.client.get(f"{API}/me").json()["user_id"]
    as_mine = f"{API}/agents/{me}/offers/{world.offer}/decline"
    not_mine = colleague.client.post(as_mine)
    assert not_mine.status_code == 404, not_mine.text  # the offer is not theirs to answer
