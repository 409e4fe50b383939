"""The voice API: the account's token is write-only, lines are checked (numbers, queues, the IVR
tree with the path of its problem), lines calls went through stay; and the demo hotline."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import sqlalchemy as sa

from channels.phone.demo import DEMO_AUTH_TOKEN, DEMO_NUMBER, install_demo_voice
from core.db import Database
from core.models import Queue
from tests.api.factories import API, created
from tests.channels.phone.conftest import AUTH_TOKEN, LINE_NUMBER, VoiceWorld
from tests.channels.phone.voice_support import Provider, find, new_call_sid, parse_twiml, said
from tests.conftest import TenantHandle, make_tenant


def test_the_auth_token_is_write_only_and_kept_when_left_out(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    assert other_api.get(f"{API}/voice/account").status_code == 404
    needs_token = other_api.put(f"{API}/voice/account", json={"account_sid": "AC1"})
    assert needs_token.status_code == 422
    assert needs_token.json()["errors"][0]["field"] == "auth_token"

    made = other_api.put(
        f"{API}/voice/account", json={"account_sid": "AC1", "auth_token": "s3cret-token"}
    )
    kept = other_api.put(
        f"{API}/voice/account", json={"account_sid": "AC2", "caller_id": "+86 10 0861 0086"}
    )
    for response in (made, kept, other_api.get(f"{API}/voice/account")):
        assert response.status_code == 200, response.text
        assert "s3cret-token" not in response.text and response.json()["auth_token_set"] is True
    account = kept.json()
    assert (account["account_sid"], account["caller_id"]) == ("AC2", "+861008610086")
    assert account["webhooks"]["incoming"].endswith("/incoming")


def test_lines_are_checked_and_a_line_with_calls_is_kept(
    voice: VoiceWorld, api: httpx.Client
) -> None:
    lines = f"{API}/voice/lines"
    assert api.post(lines, json={"number": "+86 10 0861 0086"}).status_code == 409
    assert api.post(lines, json={"number": "12"}).json()["errors"][0]["field"] == "number"
    bad_tree = {"start": "main", "nodes": {"main": {"type": "menu", "prompt": {"zh-CN": "按1"},
                "options": [{"digits": "1", "next": "bill"}]}}}  # fmt: skip
    refused = api.post(lines, json={"number": "+861008610011", "ivr": bad_tree})
    assert refused.status_code == 422
    assert (
        refused.json()["detail"]
        == "invalid IVR: ivr.nodes.main.options.0.next: unknown node 'bill'"
    )
    ghost_queue = {"start": "q", "nodes": {"q": {"type": "queue", "queue_id": str(uuid.uuid4())}}}
    ghost = api.post(lines, json={"number": "+861008610011", "ivr": ghost_queue})
    assert ghost.status_code == 422 and ghost.json()["errors"][0]["field"] == "ivr.nodes.q.queue_id"

    spare = created(api.post(lines, json={"number": "+861008610012", "name": "Spare"}))
    renamed = api.patch(f"{lines}/{spare['id']}", json={"name": "Sales", "ivr": {}})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Sales"
    assert api.delete(f"{lines}/{spare['id']}").status_code == 204

    parse_twiml(voice.provider.post("incoming", voice.caller(new_call_sid())))
    kept = api.delete(f"{lines}/{voice.line}")
    assert kept.status_code == 409 and "deactivate" in kept.json()["detail"]
    assert api.patch(f"{lines}/{voice.line}", json={"active": False}).status_code == 200
    off = voice.provider.post("incoming", voice.caller(new_call_sid()))
    assert off.status_code == 404
    assert api.get(f"{API}/interactions/{uuid.uuid4()}").status_code == 404


def test_the_demo_hotline_greets_in_chinese_then_english_and_offers_english_service(
    database: Database,
    client_for: Callable[[TenantHandle | None], httpx.Client],
    http: httpx.Client,
) -> None:
    demo = make_tenant(database, prefix="demo")
    with database.tenant_unit(demo.id) as session:
        roles = {}
        for role in ("billing", "technical", "complaints", "english", "default"):
            queue = Queue(name=f"{role} line", channels=["phone"])
            session.add(queue)
            roles[role] = queue.id
        session.flush()
        line = install_demo_voice(session, queues=roles)
        assert line.number == DEMO_NUMBER == LINE_NUMBER
        assert session.execute(sa.select(sa.func.count()).select_from(Queue)).scalar() == 5
    provider = Provider(http, str(http.base_url).rstrip("/"), demo.slug, DEMO_AUTH_TOKEN)
    assert DEMO_AUTH_TOKEN != AUTH_TOKEN
    caller = {"CallSid": new_call_sid(), "From": "+8613700001234", "To": DEMO_NUMBER}
    welcome = parse_twiml(provider.post("incoming", caller))
    assert said(welcome)[0].startswith("您好，欢迎致电") and said(welcome)[1].startswith("Welcome")
    english = parse_twiml(
        provider.post(find(welcome, "Gather").get("action", ""), {**caller, "Digits": "9"})
    )
    assert find(english, "Say").get("language") == "en-US"
    calls = client_for(demo).get(f"{API}/interactions").json()["items"]
    assert calls[0]["queue_id"] == str(roles["english"]) and calls[0]["state"] == "queued"
