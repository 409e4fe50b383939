"""Provider retries duplicate nothing, and a caller who hangs up in the queue abandoned it."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import InboundRecord, InboundState, Message
from tests.api.factories import API
from tests.channels.phone.conftest import VoiceWorld
from tests.channels.phone.voice_support import find, new_call_sid, parse_twiml
from workers.embedded import EmbeddedWorkers

STRANGER = "+8613912345678"


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def calls(api: httpx.Client) -> list[dict[str, Any]]:
    return list(ok(api.get(f"{API}/interactions"))["items"])


def test_retried_webhooks_are_answered_alike_and_recorded_once(
    voice: VoiceWorld, api: httpx.Client, database: Database
) -> None:
    provider, sid = voice.provider, new_call_sid()
    caller = voice.caller(sid, number=STRANGER)
    first = provider.post("incoming", caller)
    assert provider.post("incoming", caller).text == first.text
    menu = find(parse_twiml(first), "Gather").get("action", "")
    choice = {**caller, "Digits": "2"}
    queued = provider.post(menu, choice)
    assert provider.post(menu, choice).text == queued.text
    enqueue = find(parse_twiml(queued), "Enqueue")
    hangup = {**caller, "QueueResult": "hangup", "QueueTime": "12"}
    for _ in range(2):
        parse_twiml(provider.post(enqueue.get("action", ""), hangup))
        parse_twiml(
            provider.post("status", {**caller, "CallStatus": "completed", "CallDuration": "40"})
        )

    [call] = calls(api)
    assert call["ivr_path"] == ["main>billing"]
    assert (call["state"], call["abandoned"], call["talk_seconds"]) == ("completed", True, 0)
    assert call["queued_at"] <= call["ended_at"] and call["answered_at"] is None
    conversation = ok(api.get(f"{API}/conversations/{call['conversation_id']}"))
    assert conversation["routing_state"] == "unrouted"  # it left the line
    messages = [e for e in conversation["timeline"] if e["kind"] == "message"]
    assert len(messages) == 1
    with database.tenant_session(voice.tenant.id) as session:
        states = session.execute(
            sa.select(col(InboundRecord.source), col(InboundRecord.state)).order_by(
                col(InboundRecord.created_at)
            )
        ).all()
        assert session.execute(sa.select(sa.func.count()).select_from(Message)).scalar() == 1
    assert [state for _, state in states].count(InboundState.DUPLICATE) == 4
    assert len(states) == 8  # every delivery is kept, retries too


def test_a_caller_who_hangs_up_while_offered_frees_the_agent(
    voice: VoiceWorld, api: httpx.Client, embedded: EmbeddedWorkers
) -> None:
    provider, sid = voice.provider, new_call_sid()
    caller = voice.caller(sid, number=STRANGER)
    menu = find(parse_twiml(provider.post("incoming", caller)), "Gather").get("action", "")
    parse_twiml(provider.post(menu, {**caller, "Digits": "2"}))
    embedded.join_idle(20)
    [offer] = ok(api.get(f"{API}/agents/{voice.agent}/offers"))
    assert ok(api.get(f"{API}/agents/{voice.agent}/status"))["loads"]["phone"] == 1

    parse_twiml(
        provider.post("status", {**caller, "CallStatus": "completed", "CallDuration": "25"})
    )
    embedded.join_idle(20)

    [call] = calls(api)
    assert call["abandoned"] is True and call["agent_id"] is None
    assert ok(api.get(f"{API}/agents/{voice.agent}/offers")) == []
    status = ok(api.get(f"{API}/agents/{voice.agent}/status"))
    assert status["loads"]["phone"] == 0 and status["state"] == "available"
    conversation = ok(api.get(f"{API}/conversations/{call['conversation_id']}"))
    assert conversation["routing_state"] == "unrouted" and conversation["assignee_id"] is None
    accepted = api.post(f"{API}/agents/{voice.agent}/offers/{offer['id']}/accept")
    assert accepted.status_code == 409, accepted.text
