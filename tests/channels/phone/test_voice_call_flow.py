"""Acceptance: a whole call over real HTTP, every webhook signed with the official
RequestValidator: IVR choice → verification → queue → offer accepted by the agent → bridge
(the provider's REST API redirects the call; the bridge dials the agent's softphone) →
answered → completed → wrap-up → disposition; then the call's figures and the history."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.api.factories import API
from tests.channels.phone.conftest import CALLER, VoiceWorld, agent_hex
from tests.channels.phone.voice_support import (
    FakeTwilio,
    find,
    new_call_sid,
    parse_twiml,
    said,
    verbs,
)
from workers.embedded import EmbeddedWorkers

IDLE = 20.0


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def test_a_verified_caller_reaches_an_agent_who_answers_wraps_up_and_disposes(
    voice: VoiceWorld, api: httpx.Client, embedded: EmbeddedWorkers, fake_twilio: FakeTwilio
) -> None:
    provider, sid = voice.provider, new_call_sid()
    caller = voice.caller(sid)

    menu = parse_twiml(provider.post("incoming", caller))
    assert said(menu)[:2] == ["欢迎致电北风通信。", "Welcome to Northwind."]
    gather = find(menu, "Gather")
    assert (gather.get("input"), gather.get("language")) == ("dtmf speech", "zh-CN")
    assert verbs(menu)[-1] == "Redirect"  # no input: the menu again

    check = parse_twiml(provider.post(gather.get("action", ""), {**caller, "Digits": "2"}))
    digits = find(check, "Gather")
    assert (digits.get("input"), digits.get("numDigits")) == ("dtmf", "4")

    queued = parse_twiml(provider.post(digits.get("action", ""), {**caller, "Digits": "1234"}))
    enqueue = find(queued, "Enqueue")
    assert enqueue.text == f"q-{voice.queue.replace('-', '')}"
    hold = parse_twiml(
        provider.post(
            enqueue.get("waitUrl", ""), {**caller, "QueuePosition": "1", "QueueTime": "3"}
        )
    )
    assert verbs(hold)[-1] == "Play" and "您前面还有1位客户。" in said(hold)

    embedded.join_idle(IDLE)  # routing offers the call to the agent
    [offer] = ok(api.get(f"{API}/agents/{voice.agent}/offers"))
    assert offer["channel"] == "phone"
    ok(api.post(f"{API}/agents/{voice.agent}/offers/{offer['id']}/accept"))
    embedded.join_idle(IDLE)  # the bridge job redirects the live call

    [redirect] = fake_twilio.calls_to(f"/Calls/{sid}.json")
    assert redirect["form"]["Method"] == "POST"
    bridge = parse_twiml(
        provider.post(redirect["form"]["Url"], {**caller, "CallStatus": "in-progress"})
    )
    dial, client = find(bridge, "Dial"), find(bridge, "Client")
    assert client.text == f"agent_{agent_hex(voice.agent)}"
    leg = {
        "CallSid": new_call_sid(),
        "ParentCallSid": sid,
        "From": CALLER,
        "To": f"client:{client.text}",
    }
    for status in ("ringing", "in-progress"):
        parse_twiml(provider.post(client.get("statusCallback", ""), {**leg, "CallStatus": status}))
    assert ok(api.get(f"{API}/agents/{voice.agent}/status"))["state"] == "available"
    ended = {**leg, "CallStatus": "completed", "CallDuration": "95"}
    parse_twiml(provider.post(client.get("statusCallback", ""), ended))
    goodbye = parse_twiml(
        provider.post(
            dial.get("action", ""),
            {
                **caller,
                "DialCallStatus": "completed",
                "DialCallDuration": "95",
                "DialCallSid": leg["CallSid"],
            },
        )
    )
    assert verbs(goodbye) == ["Say", "Hangup"]
    parse_twiml(
        provider.post("status", {**caller, "CallStatus": "completed", "CallDuration": "140"})
    )

    [call] = ok(api.get(f"{API}/interactions", params={"agent_id": voice.agent}))["items"]
    assert (call["state"], call["verified"], call["abandoned"]) == ("completed", True, False)
    assert call["ivr_path"] == ["main>billing", "verify:passed"]
    assert (call["talk_seconds"], call["hold_seconds"], call["provider_status"]) == (
        95,
        0,
        "completed",
    )
    assert call["queued_at"] <= call["ringing_at"] <= call["answered_at"] <= call["ended_at"]
    assert call["wrap_up_started_at"] == call["ended_at"] and call["wrap_up_ended_at"] is None
    assert ok(api.get(f"{API}/agents/{voice.agent}/status"))["state"] == "wrap_up"

    time.sleep(1.1)
    disposed = ok(
        api.post(
            f"{API}/interactions/{call['id']}/disposition",
            json={
                "disposition": "resolved",
                "note": "Explained the roaming charge.",
                "resolve": True,
            },
        )
    )
    assert disposed["wrap_up_seconds"] >= 1
    assert disposed["handle_seconds"] == 95 + disposed["wrap_up_seconds"]
    status = ok(api.get(f"{API}/agents/{voice.agent}/status"))
    assert status["state"] == "available" and status["loads"]["phone"] == 0
    assert status["phone_seconds_today"] == 95
    again = api.post(f"{API}/interactions/{call['id']}/disposition", json={"disposition": "x"})
    assert again.status_code == 409

    detail = ok(api.get(f"{API}/conversations/{call['conversation_id']}"))
    assert (detail["channel"], detail["status"], detail["category"]) == (
        "phone",
        "resolved",
        "billing",
    )
    assert detail["identity_verified"] is True and detail["contact_id"] == voice.contact
    kinds = [entry["kind"] for entry in detail["timeline"]]
    assert kinds.count("interaction") == 1 and kinds.count("message") == 2  # the call, the note
    events = [e["event"]["type"] for e in detail["timeline"] if e["kind"] == "event"]
    for expected in ("created", "queued", "offered", "assigned", "unassigned", "note_added"):
        assert expected in events, events
    assert events.index("offered") < events.index("assigned") < events.index("unassigned")
