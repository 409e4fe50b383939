"""Acceptance: tenant isolation, walked over every operation the OpenAPI schema describes.

Tenant A gets one of every object. Tenant B's key then calls every operation: routes that
address an object by path get A's ids and must answer 404 (or 403), never 2xx or 5xx; list
routes (the audit log and the CSV export among them), filtered by A's ids or not, must not
show anything of A; create routes that reference A's objects are refused, and ones reusing
A's unique values succeed (a conflict would reveal that A has them). Finally A's objects must
be exactly as they were.

The walk is driven by the schema: a new route it does not know how to fill fails the test,
so the walk keeps covering everything.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from core import mailboxes
from core.db import Database
from core.routing import router
from tests.api.factories import (
    API,
    all_pages,
    create_contact,
    create_conversation,
    create_org_unit,
    create_queue,
    create_user,
    created,
    unique,
)
from tests.channels.phone.voice_support import voice_objects
from tests.conftest import TenantHandle
from tests.social.factories import social_world

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
ADDRESSED = {403, 404}
PUBLIC_OPERATIONS = {("GET", "/health")}
EMAIL_WEBHOOK = ("POST", "/webhooks/email/{mailbox_address}")
PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class World:
    """One of every object in a tenant, by id."""

    contact: str
    second_contact: str
    identity: str
    email: str
    conversation: str
    queue: str
    queue_name: str
    user: str
    user_email: str
    org_unit: str
    org_unit_code: str
    handoff: str
    work_order: str
    offer: str
    calendar: str
    calendar_name: str
    policy: str
    policy_name: str
    form: str
    form_slug: str
    line: str
    line_number: str
    interaction: str
    callback: str
    account: str
    account_name: str
    monitor: str
    monitor_name: str
    post: str
    alert: str
    incident: str
    token: str
    token_name: str
    provider: str
    provider_key: str

    def ids(self) -> dict[str, str]:
        """Which object each id-like parameter name refers to."""
        return {
            "contact_id": self.contact,
            "identity_id": self.identity,
            "conversation_id": self.conversation,
            "queue_id": self.queue,
            "user_id": self.user,
            "assignee_id": self.user,
            "org_unit_id": self.org_unit,
            "parent_id": self.org_unit,
            "handoff_id": self.handoff,
            "work_order_id": self.work_order,
            "offer_id": self.offer,
            "calendar_id": self.calendar,
            "policy_id": self.policy,
            "move_to_queue_id": self.queue,
            "to_queue_id": self.queue,
            "to_agent_id": self.user,
            "form_id": self.form,
            "line_id": self.line,
            "interaction_id": self.interaction,
            "callback_id": self.callback,
            "agent_id": self.user,
            "account_id": self.account,
            "monitor_id": self.monitor,
            "post_id": self.post,
            "alert_id": self.alert,
            "incident_id": self.incident,
            "token_id": self.token,
            "provider_id": self.provider,
            "actor_user_id": self.user,
        }


def build_world(api: httpx.Client, database: Database, owner: TenantHandle) -> World:
    hq = create_org_unit(api, "headquarters")
    queue = create_queue(api, org_unit_id=hq["id"], channels=["email", "phone"])
    spare = create_queue(api, org_unit_id=hq["id"])
    user = create_user(api, org_unit_id=hq["id"])
    present = api.put(f"{API}/agents/{user['id']}/presence", json={"state": "available"})
    assert present.status_code == 200, present.text
    contact = create_contact(
        api,
        name=unique("Alice"),
        identities=[
            {"kind": "email", "value": f"{unique('alice')}@example.com"},
            {"kind": "phone", "value": "+8613800138000"},
        ],
    )
    second = create_contact(api, name=unique("Alice"))
    conversation = create_conversation(
        api, contact["id"], queue_id=queue["id"], text="Your ticket is open"
    )
    url = f"{API}/conversations/{conversation['id']}"
    assert api.patch(url, json={"assignee_id": user["id"]}).status_code == 200
    api.post(f"{url}/notes", json={"text": "A's note"})
    handoff = created(
        api.post(f"{url}/transfer", json={"summary": "A's case", "to_queue_id": spare["id"]})
    )
    work_order = created(
        api.post(f"{url}/work-orders", json={"queue_id": spare["id"], "title": "A"})
    )
    call = create_conversation(api, contact["id"], channel="phone", queue_id=queue["id"])
    with database.tenant_unit(owner.id) as session:
        router.route_conversation(session, conversation_id=uuid.UUID(call["id"]))
    offers = api.get(f"{API}/agents/{user['id']}/offers").json()
    assert len(offers) == 1, offers
    weekly = {str(day): [["09:00", "18:00"]] for day in range(5)}
    calendar = created(
        api.post(
            f"{API}/sla/calendars",
            json={"name": unique("cal"), "timezone": "Asia/Shanghai", "weekly": weekly},
        )
    )
    policy = created(
        api.post(f"{API}/sla/policies", json={"name": unique("pol"), "resolution_seconds": 86400})
    )
    form = created(api.post(f"{API}/forms", json=web_form(unique("form"), queue_id=queue["id"])))
    voice = voice_objects(api, database, owner.id, queue["id"])
    social = social_world(api, database, owner.id, queue["id"])
    token = created(
        api.post(f"{API}/api-tokens", json={"name": unique("tok"), "scopes": ["contacts:read"]})
    )
    provider = created(api.post(f"{API}/identity-providers", json=identity_provider(unique("idp"))))
    return World(
        contact=contact["id"],
        second_contact=second["id"],
        identity=contact["identities"][0]["id"],
        email=contact["identities"][0]["value"],
        conversation=conversation["id"],
        queue=queue["id"],
        queue_name=queue["name"],
        user=user["id"],
        user_email=user["email"],
        org_unit=hq["id"],
        org_unit_code=hq["code"],
        handoff=handoff["id"],
        work_order=work_order["id"],
        offer=offers[0]["id"],
        calendar=calendar["id"],
        calendar_name=calendar["name"],
        policy=policy["id"],
        policy_name=policy["name"],
        form=form["id"],
        form_slug=form["slug"],
        line=voice["line"],
        line_number=voice["line_number"],
        interaction=voice["interaction"],
        callback=voice["callback"],
        account=social["account"],
        account_name=social["account_name"],
        monitor=social["monitor"],
        monitor_name=social["monitor_name"],
        post=social["post"],
        alert=social["alert"],
        incident=social["incident"],
        token=token["id"],
        token_name=token["name"],
        provider=provider["id"],
        provider_key=provider["key"],
    )


def web_form(slug: str, **fields: Any) -> dict[str, Any]:
    email = {"name": "email", "type": "email", "label": {"en": "Email"}}
    return {"slug": slug, "title": {"en": "Form"}, "definition": {"fields": [email]}, **fields}


def identity_provider(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "display_name": "Corporate SSO",
        "issuer": "https://sso.example.com",
        "client_id": f"client-{key}",
        "client_secret": "a-client-secret",
    }


def export_window() -> dict[str, str]:
    """A window around now: it holds every conversation the test made."""
    now = datetime.now(UTC)
    return {
        "since": (now - timedelta(hours=1)).isoformat(),
        "until": (now + timedelta(hours=1)).isoformat(),
    }


BodyFor = Callable[[World, World], dict[str, Any]]

# Bodies for operations that address an A object by path: plausible, valid changes.
ADDRESSED_BODIES: dict[tuple[str, str], BodyFor] = {
    ("PATCH", f"{API}/contacts/{{contact_id}}"): lambda a, b: {"name": "Hijacked"},
    ("POST", f"{API}/contacts/{{contact_id}}/identities"): lambda a, b: {
        "kind": "email",
        "value": f"{unique('thief')}@example.com",
    },
    ("POST", f"{API}/contacts/{{contact_id}}/merge"): lambda a, b: {"merge_contact_id": b.contact},
    ("PATCH", f"{API}/conversations/{{conversation_id}}"): lambda a, b: {"status": "closed"},
    ("POST", f"{API}/conversations/{{conversation_id}}/replies"): lambda a, b: {"text": "leak"},
    ("POST", f"{API}/conversations/{{conversation_id}}/notes"): lambda a, b: {"text": "leak"},
    ("PATCH", f"{API}/queues/{{queue_id}}"): lambda a, b: {"active": False},
    ("PATCH", f"{API}/users/{{user_id}}"): lambda a, b: {"active": False},
    ("PATCH", f"{API}/org-units/{{org_unit_id}}"): lambda a, b: {"name": "Hijacked"},
    ("POST", f"{API}/conversations/{{conversation_id}}/transfer"): lambda a, b: {
        "summary": "steal",
        "to_queue_id": b.queue,
    },
    ("POST", f"{API}/conversations/{{conversation_id}}/escalations"): lambda a, b: {
        "summary": "steal",
        "target": "tier",
    },
    ("POST", f"{API}/conversations/{{conversation_id}}/resolve"): lambda a, b: {
        "override_reason": "steal"
    },
    ("POST", f"{API}/conversations/{{conversation_id}}/csat"): lambda a, b: {"score": 1},
    ("POST", f"{API}/conversations/{{conversation_id}}/work-orders"): lambda a, b: {
        "queue_id": b.queue,
        "title": "steal",
    },
    ("POST", f"{API}/work-orders/{{work_order_id}}/complete"): lambda a, b: {"result": "x"},
    ("POST", f"{API}/work-orders/{{work_order_id}}/cancel"): lambda a, b: {"reason": "x"},
    ("PUT", f"{API}/agents/{{user_id}}/presence"): lambda a, b: {"state": "offline"},
    ("PUT", f"{API}/agents/{{user_id}}/capacity"): lambda a, b: {"email": 0},
    ("POST", f"{API}/agents/{{user_id}}/pull"): lambda a, b: {},
    ("PATCH", f"{API}/sla/calendars/{{calendar_id}}"): lambda a, b: {"name": "Hijacked"},
    ("PATCH", f"{API}/sla/policies/{{policy_id}}"): lambda a, b: {"active": False},
    ("PATCH", f"{API}/forms/{{form_id}}"): lambda a, b: {"active": False},
    ("PATCH", f"{API}/voice/lines/{{line_id}}"): lambda a, b: {"active": False},
    ("POST", f"{API}/interactions/{{interaction_id}}/disposition"): lambda a, b: {
        "disposition": "stolen"
    },
    ("PATCH", f"{API}/social/accounts/{{account_id}}"): lambda a, b: {"active": False},
    ("PATCH", f"{API}/monitors/{{monitor_id}}"): lambda a, b: {"active": False},
    ("POST", f"{API}/alerts/{{alert_id}}/acknowledge"): lambda a, b: {"owner_id": b.user},
    ("POST", f"{API}/alerts/{{alert_id}}/resolve"): lambda a, b: {"note": "steal"},
    ("POST", f"{API}/alerts/{{alert_id}}/notes"): lambda a, b: {"text": "leak"},
    ("PATCH", f"{API}/alerts/{{alert_id}}"): lambda a, b: {"owner_id": b.user},
    ("PATCH", f"{API}/incidents/{{incident_id}}"): lambda a, b: {"summary": "Hijacked"},
    ("POST", f"{API}/incidents/{{incident_id}}/links"): lambda a, b: {"post_ids": [b.post]},
    ("POST", f"{API}/incidents/{{incident_id}}/statement"): lambda a, b: {
        "text": "steal",
        "account_ids": [b.account],
    },
    ("POST", f"{API}/incidents/{{incident_id}}/callbacks"): lambda a, b: {"reason": "steal"},
    ("POST", f"{API}/incidents/{{incident_id}}/close"): lambda a, b: {"review": "steal"},
    ("PATCH", f"{API}/identity-providers/{{provider_id}}"): lambda a, b: {"enabled": False},
}

# Create operations: bodies that reference A's objects (refused) and bodies that reuse A's
# unique values (accepted: uniqueness is per tenant, and a conflict would leak A's data).
CREATE_CASES: dict[tuple[str, str], list[tuple[BodyFor, set[int]]]] = {
    ("POST", f"{API}/contacts"): [
        (lambda a, b: {"name": "B", "identities": [{"kind": "email", "value": a.email}]}, {201}),
    ],
    ("POST", f"{API}/conversations"): [
        (lambda a, b: {"contact_id": a.contact, "channel": "email", "subject": "x"}, {404}),
        (
            lambda a, b: {
                "contact_id": b.contact,
                "channel": "email",
                "subject": "x",
                "queue_id": a.queue,
            },
            {422},
        ),
    ],
    ("POST", f"{API}/queues"): [
        (lambda a, b: {"name": unique("q"), "org_unit_id": a.org_unit}, {422}),
        (lambda a, b: {"name": a.queue_name}, {201}),
    ],
    ("POST", f"{API}/users"): [
        (
            lambda a, b: {
                "email": f"{unique('u')}@example.com",
                "name": "U",
                "org_unit_id": a.org_unit,
            },
            {422},
        ),
        (lambda a, b: {"email": a.user_email, "name": "U"}, {201}),
    ],
    ("PUT", f"{API}/routing-policy"): [
        (lambda a, b: {"owner_keeps_ownership": False}, {200}),
    ],
    ("POST", f"{API}/sla/calendars"): [
        (
            lambda a, b: {
                "name": a.calendar_name,
                "timezone": "UTC",
                "weekly": {"0": [["09:00", "17:00"]]},
            },
            {201},
        ),
    ],
    ("POST", f"{API}/sla/policies"): [
        (lambda a, b: {"name": unique("p"), "calendar_id": a.calendar}, {422}),
        (lambda a, b: {"name": unique("p"), "move_to_queue_id": a.queue}, {422}),
        (lambda a, b: {"name": a.policy_name}, {201}),
    ],
    ("POST", f"{API}/org-units"): [
        (
            lambda a, b: {
                "name": "R",
                "code": unique("r"),
                "kind": "region",
                "parent_id": a.org_unit,
            },
            {422},
        ),
        (lambda a, b: {"name": "H", "code": a.org_unit_code, "kind": "headquarters"}, {201}),
    ],
    ("POST", f"{API}/forms"): [
        (lambda a, b: web_form(unique("f"), queue_id=a.queue), {422}),
        (lambda a, b: web_form(a.form_slug), {201}),
    ],
    ("PUT", f"{API}/voice/account"): [
        (lambda a, b: {"account_sid": "ACb", "auth_token": "b-token-1234"}, {200}),
    ],
    ("POST", f"{API}/voice/lines"): [
        (lambda a, b: {"number": "+861008610010", "default_queue_id": a.queue}, {422}),
        (
            lambda a, b: {
                "number": "+861008610011",
                "ivr": {"start": "q", "nodes": {"q": {"type": "queue", "queue_id": a.queue}}},
            },
            {422},
        ),
        (lambda a, b: {"number": a.line_number}, {409}),  # B's own line has that number
        (lambda a, b: {"number": "+861008610012"}, {201}),
    ],
    ("POST", f"{API}/callbacks"): [
        (lambda a, b: {"number": "+8613900139000", "conversation_id": a.conversation}, {422}),
        (lambda a, b: {"number": "+8613900139001", "contact_id": a.contact}, {422}),
    ],
    ("POST", f"{API}/social/accounts"): [
        (lambda a, b: {"network": "x", "name": unique("acct"), "queue_id": a.queue}, {422}),
        (lambda a, b: {"network": "x", "name": a.account_name}, {201}),
    ],
    ("POST", f"{API}/monitors"): [
        (lambda a, b: {"name": unique("m"), "rule": "northwind", "queue_id": a.queue}, {422}),
        (lambda a, b: {"name": a.monitor_name, "rule": "northwind"}, {201}),
    ],
    ("POST", f"{API}/monitors/test"): [
        (lambda a, b: {"rule": "northwind", "texts": ["northwind outage"]}, {200}),
    ],
    ("POST", f"{API}/incidents"): [
        (lambda a, b: {"title": "Steal", "alert_ids": [a.alert]}, {422}),
        (lambda a, b: {"title": "B's own"}, {201}),
    ],
    ("POST", f"{API}/api-tokens"): [
        (lambda a, b: {"name": a.token_name, "scopes": ["contacts:read"]}, {201}),
    ],
    ("POST", f"{API}/identity-providers"): [
        (lambda a, b: identity_provider(a.provider_key), {201}),
    ],
}

# Extra lookups on list operations that could find A's objects by value rather than id; an
# operation with required query parameters is called with these only (the first one also
# carries the id filters).
LIST_LOOKUPS: dict[str, Callable[[World], list[dict[str, str]]]] = {
    f"{API}/contacts": lambda a: [{"identity_kind": "email", "identity": a.email}],
    f"{API}/conversations/export": lambda a: [export_window()],
    f"{API}/kpis/executive": lambda a: [export_window()],
    f"{API}/kpis/heatmap": lambda a: [export_window()],
    f"{API}/kpis/sla/breach-rates": lambda a: [export_window()],
    f"{API}/audit": lambda a: [
        {"limit": "200"},
        {"action": "api_token.", "limit": "200"},
        {"action": "identity_provider.", "limit": "200"},
    ],
}

# What B's first lookup must show of B's own: an answer that shows nothing at all would pass
# the leak check without proving anything.
LOOKUPS_SHOW: dict[str, Callable[[World], str]] = {
    f"{API}/conversations/export": lambda b: b.conversation,
    f"{API}/audit": lambda b: b.provider,
}


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def fill_path(path: str, ids: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in ids, f"the isolation walk cannot fill path parameter {name!r} of {path}"
        return ids[name]

    return PATH_PARAM.sub(replace, path)


def snapshot(api: httpx.Client, a: World) -> dict[str, Any]:
    paths = [
        f"{API}/contacts/{a.contact}",
        f"{API}/contacts/{a.second_contact}",
        f"{API}/conversations/{a.conversation}",
        f"{API}/queues/{a.queue}",
        f"{API}/users/{a.user}",
        f"{API}/org-units/{a.org_unit}",
        f"{API}/conversations/{a.conversation}/handoffs",
        f"{API}/work-orders/{a.work_order}",
        f"{API}/agents/{a.user}/status",
        f"{API}/agents/{a.user}/offers",
        f"{API}/sla/calendars/{a.calendar}",
        f"{API}/sla/policies/{a.policy}",
        f"{API}/routing-policy",
        f"{API}/forms/{a.form}",
        f"{API}/voice/account",
        f"{API}/voice/lines/{a.line}",
        f"{API}/interactions/{a.interaction}",
        f"{API}/callbacks/{a.callback}",
        f"{API}/social/accounts/{a.account}",
        f"{API}/monitors/{a.monitor}",
        f"{API}/social/posts/{a.post}",
        f"{API}/alerts/{a.alert}",
        f"{API}/incidents/{a.incident}",
        f"{API}/api-tokens/{a.token}",
        f"{API}/identity-providers/{a.provider}",
    ]
    seen = {}
    for path in paths:
        response = api.get(path)
        assert response.status_code == 200, (path, response.text)
        seen[path] = response.json()
    return seen


def mailbox_with_token(database: Database, owner: TenantHandle) -> tuple[str, str]:
    """A mailbox of the tenant's and its webhook token (mailboxes have no API yet)."""
    with database.tenant_unit(owner.id) as session:
        mailbox = mailboxes.create_mailbox(session, address=f"{unique('support')}@iso.example")
        token = mailboxes.issue_inbound_token(session, mailbox_id=mailbox.id)
    return mailbox.address, token.secret


def check_email_webhook(api_b: httpx.Client, a_mailbox: str, b_credentials: tuple[str, str]) -> int:
    """B's API key and B's own mailbox token are both refused on A's mailbox; nothing stored."""
    mail = b"From: x@example.com\r\nSubject: leak\r\n\r\nhello\r\n"
    path = f"/webhooks/email/{a_mailbox}"
    headers = {"Content-Type": "message/rfc822"}
    with_key = api_b.post(path, content=mail, headers=headers)
    assert with_key.status_code == 401, with_key.text
    b_token = {**headers, "Authorization": f"Bearer {b_credentials[1]}"}
    with_token = api_b.post(path, content=mail, headers=b_token)
    assert with_token.status_code == 403, with_token.text
    return 2


def test_tenant_b_cannot_reach_any_of_tenant_a_objects_through_any_operation(
    client_for: Callable[[TenantHandle | None], httpx.Client],
    tenant: TenantHandle,
    other_tenant: TenantHandle,
    database: Database,
) -> None:
    api_a, api_b = client_for(tenant), client_for(other_tenant)
    a = build_world(api_a, database, tenant)
    b = build_world(api_b, database, other_tenant)
    before = snapshot(api_a, a)
    a_audit = {entry["id"] for entry in all_pages(api_a, f"{API}/audit", limit=200)}
    assert a_audit, "tenant A's world left no audit entries to look for"
    a_ids = {value for value in a.ids().values()} | {a.second_contact} | a_audit
    b_token = api_b.get(f"{API}/me").json()["token_id"]
    schema = api_b.get("/api/schema/openapi.json").json()

    def shown(response: httpx.Response, path: str) -> str:
        """What the answer shows; in B's audit log, not the paths of B's own requests.

        B's token use is logged with the path it asked for, which may hold A's ids that B
        itself sent: B's record of what B did, not A's data.
        """
        if path != f"{API}/audit":
            return response.text
        entries = response.json()["items"]
        own = [
            {**e, "detail": {}}
            if e["action"] == "api_token.used" and e["actor_key_id"] == b_token
            else e
            for e in entries
        ]
        return json.dumps(own)

    def assert_no_a_data(response: httpx.Response, label: str, path: str = "") -> None:
        if response.is_success:
            text = shown(response, path)
            leaked = [i for i in a_ids if i in text]
            assert not leaked, f"{label} showed tenant A's objects {leaked}"

    walked: set[tuple[str, str]] = set()
    calls = 0
    for method, path, operation in operations(schema):
        key = (method, path)
        walked.add(key)
        if key in PUBLIC_OPERATIONS:
            continue
        if key == EMAIL_WEBHOOK:
            a_mailbox, _ = mailbox_with_token(database, tenant)
            calls += check_email_webhook(
                api_b, a_mailbox, mailbox_with_token(database, other_tenant)
            )
            continue
        assert path.startswith(API), f"unknown operation outside the API: {key}"
        has_body = "requestBody" in operation
        label = f"{method} {path}"

        if PATH_PARAM.search(path):
            body = None
            if has_body:
                assert key in ADDRESSED_BODIES, f"the isolation walk has no body for {label}"
                body = ADDRESSED_BODIES[key](a, b)
            response = api_b.request(method, fill_path(path, a.ids()), json=body)
            calls += 1
            assert response.status_code in ADDRESSED, (label, response.status_code, response.text)
            continue

        if method == "GET":
            query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
            id_params = sorted(p["name"] for p in query if p["name"].endswith("_id"))
            required = {p["name"] for p in query if p.get("required")}
            unknown = set(id_params) - a.ids().keys()
            assert not unknown, f"the isolation walk cannot fill {unknown} of {label}"
            lookups = LIST_LOOKUPS.get(path, lambda _: [])(a)
            addressed = sorted(required & set(id_params))
            if addressed:  # a required id addresses an object, as a path id does
                params = {**export_window(), **{n: a.ids()[n] for n in addressed}}
                response = api_b.get(path, params=params)
                calls += 1
                assert response.status_code in ADDRESSED, (label, response.status_code)
                continue
            if required:
                assert lookups and required <= lookups[0].keys(), (
                    f"the isolation walk cannot fill the required {sorted(required)} of {label}"
                )
            base = lookups[0] if required else {}
            queries: list[dict[str, str]] = [] if required else [{}]
            queries += [{**base, n: a.ids()[n]} for n in id_params] + lookups
            for params in queries:
                response = api_b.get(path, params=params)
                calls += 1
                # filtering by A's id: nothing (200), or "no such object" (404) where the id
                # scopes the figures, as an org unit does for the KPIs
                filtered = any(params.get(n) == a.ids()[n] for n in id_params)
                allowed = {200, 404} if filtered else {200}
                assert response.status_code in allowed, (label, params, response.text)
                assert_no_a_data(response, f"{label} {params}", path)
                if path in LOOKUPS_SHOW and lookups and params is lookups[0]:
                    assert LOOKUPS_SHOW[path](b) in response.text, (label, params, "shows no B")
            continue

        assert key in CREATE_CASES, f"the isolation walk does not know how to call {label}"
        for body_for, expected in CREATE_CASES[key]:
            body = body_for(a, b)
            response = api_b.request(method, path, json=body)
            calls += 1
            assert response.status_code in expected, (label, body, response.text)
            assert_no_a_data(response, label)

    known = ADDRESSED_BODIES.keys() | CREATE_CASES.keys() | PUBLIC_OPERATIONS | {EMAIL_WEBHOOK}
    stale = known - walked
    assert not stale, f"the isolation walk knows operations the schema no longer has: {stale}"
    assert len(walked) >= 126 and calls >= 158
    after = snapshot(api_a, a)
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)
