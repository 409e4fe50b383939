"""A known caller's calls join their open conversation, VIPs go first (D8), and a call the
bridge job never connected still reaches its agent; an agent who does not pick up puts the
caller back in line."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.factories import API
from tests.channels.phone.conftest import VoiceWorld, agent_hex
from tests.channels.phone.voice_support import find, new_call_sid, parse_twiml, said, verbs

STRANGER = "+8613912345678"


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def queue_billing(voice: VoiceWorld, sid: str, number: str) -> tuple[dict[str, str], Any]:
    """Call in, choose billing, key the digits if asked: the caller waits in the queue."""
    caller = voice.caller(sid, number=number)
    welcome = parse_twiml(voice.provider.post("incoming", caller))
    answer = parse_twiml(
        voice.provider.post(find(welcome, "Gather").get("action", ""), {**caller, "Digits": "2"})
    )
    if verbs(answer)[0] == "Gather":
        action = find(answer, "Gather").get("action", "")
        answer = parse_twiml(voice.provider.post(action, {**caller, "Digits": "1234"}))
    return caller, answer


def test_a_vip_calling_again_joins_their_open_conversation_with_priority(
    voice: VoiceWorld, api: httpx.Client
) -> None:
    ok(api.patch(f"{API}/contacts/{voice.contact}", json={"value_tier": "vip"}))
    first, queued = queue_billing(voice, new_call_sid(), "+86 138 0013 8000")
    assert said(queued)[-2:] == ["尊敬的贵宾客户，您好。", "正在为您转接人工服务，请稍候。"]
    parse_twiml(voice.provider.post("status", {**first, "CallStatus": "completed"}))
    second, _ = queue_billing(voice, new_call_sid(), "+8613800138000")

    calls = ok(api.get(f"{API}/interactions", params={"contact_id": voice.contact}))["items"]
    assert len(calls) == 2 and calls[0]["conversation_id"] == calls[1]["conversation_id"]
    assert [c["abandoned"] for c in calls] == [False, True]  # newest first
    conversation = ok(api.get(f"{API}/conversations/{calls[0]['conversation_id']}"))
    assert (conversation["priority"], conversation["routing_state"]) == ("high", "waiting")
    assert conversation["identity_verified"] is True
    texts = [
        e["message"]["external_id"] for e in conversation["timeline"] if e["kind"] == "message"
    ]
    assert texts == [first["CallSid"], second["CallSid"]]
    events = [e["event"] for e in conversation["timeline"] if e["kind"] == "event"]
    [raised] = [e for e in events if e["type"] == "priority_changed"]
    assert raised["data"] == {"from": "normal", "to": "high", "via": "ivr"}


def test_the_wait_url_connects_an_assigned_caller_and_a_missed_ring_requeues_them(
    voice: VoiceWorld, api: httpx.Client
) -> None:
    caller, queued = queue_billing(voice, new_call_sid(), STRANGER)
    enqueue = find(queued, "Enqueue")
    [call] = ok(api.get(f"{API}/interactions"))["items"]
    ok(
        api.patch(
            f"{API}/conversations/{call['conversation_id']}", json={"assignee_id": voice.agent}
        )
    )

    leave = parse_twiml(
        voice.provider.post(enqueue.get("waitUrl", ""), {**caller, "QueuePosition": "1"})
    )
    assert verbs(leave) == ["Leave"]  # no bridge job ran: the wait URL hands the caller over
    dialled = parse_twiml(
        voice.provider.post(enqueue.get("action", ""), {**caller, "QueueResult": "leave"})
    )
    assert find(dialled, "Client").text == f"agent_{agent_hex(voice.agent)}"
    no_answer = {**caller, "DialCallStatus": "no-answer", "DialCallDuration": "0"}
    requeued = parse_twiml(voice.provider.post(find(dialled, "Dial").get("action", ""), no_answer))
    assert verbs(requeued) == ["Enqueue"]

    again = ok(api.get(f"{API}/interactions/{call['id']}"))
    assert (again["state"], again["agent_id"], again["ended_at"]) == ("queued", None, None)
    conversation = ok(api.get(f"{API}/conversations/{call['conversation_id']}"))
    assert (conversation["routing_state"], conversation["assignee_id"]) == ("waiting", None)
    assert ok(api.get(f"{API}/agents/{voice.agent}/status"))["loads"]["phone"] == 0
