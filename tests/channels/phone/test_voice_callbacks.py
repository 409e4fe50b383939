"""Call-backs: asked for in the IVR or through the API, placed by a worker with the official
twilio client against a local server speaking Twilio's REST API; the answered call goes in
line for an agent, an unanswered one is tried again later, a refused one fails."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.factories import API
from tests.channels.phone.conftest import ACCOUNT_SID, CALLER, LINE_NUMBER, VoiceWorld
from tests.channels.phone.voice_support import FakeTwilio, find, new_call_sid, parse_twiml, verbs
from workers.embedded import EmbeddedWorkers

IDLE = 20.0
CREATE = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls.json"


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_a_call_back_asked_for_in_the_ivr_is_dialled_and_answered_into_the_queue(
    voice: VoiceWorld, api: httpx.Client, embedded: EmbeddedWorkers, fake_twilio: FakeTwilio
) -> None:
    provider, sid = voice.provider, new_call_sid()
    caller = voice.caller(sid)
    menu = find(parse_twiml(provider.post("incoming", caller)), "Gather")
    asked = parse_twiml(provider.post(menu.get("action", ""), {**caller, "Digits": "3"}))
    assert verbs(asked) == ["Say", "Say", "Hangup"]
    embedded.join_idle(IDLE)

    [dialled] = fake_twilio.calls_to(CREATE)
    form = dialled["form"]
    assert (form["To"], form["From"], form["Method"]) == (CALLER, LINE_NUMBER, "POST")
    [request] = ok(api.get(f"{API}/callbacks"))["items"]
    assert (request["source"], request["state"], request["attempts"]) == ("ivr", "dialing", 1)
    assert request["contact_id"] == voice.contact and form["Url"].endswith(
        f"/outbound?callback={request['id']}"
    )
    assert form["StatusCallback"].endswith(f"/status?callback={request['id']}")
    assert set(form["StatusCallbackEvent"]) == {"initiated", "ringing", "answered", "completed"}

    outbound = {"CallSid": request["call_sid"], "From": LINE_NUMBER, "To": CALLER,
                "CallStatus": "in-progress", "Direction": "outbound-api"}  # fmt: skip
    answered = parse_twiml(provider.post(form["Url"], outbound))
    assert verbs(answered) == ["Say", "Enqueue"]
    assert ok(api.get(f"{API}/callbacks/{request['id']}"))["state"] == "completed"
    [call] = [c for c in ok(api.get(f"{API}/interactions"))["items"] if not c["inbound"]]
    assert (call["state"], call["to_number"], call["contact_id"]) == (
        "queued",
        CALLER,
        voice.contact,
    )
    embedded.join_idle(IDLE)
    [offer] = ok(api.get(f"{API}/agents/{voice.agent}/offers"))
    assert offer["conversation_id"] == call["conversation_id"]


def test_call_backs_through_the_api_retry_when_unanswered_and_fail_when_refused(
    voice: VoiceWorld, api: httpx.Client, embedded: EmbeddedWorkers, fake_twilio: FakeTwilio
) -> None:
    bad = api.post(f"{API}/callbacks", json={"number": "12345"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "number"

    request = ok(api.post(f"{API}/callbacks", json={"number": "139 1234 5678"}))
    assert request["number"] == "+8613912345678"  # read in the line's country
    assert (
        ok(api.post(f"{API}/callbacks", json={"number": "+8613912345678"}))["id"] == request["id"]
    )
    embedded.join_idle(IDLE)
    placed = ok(api.get(f"{API}/callbacks/{request['id']}"))
    busy = {"CallSid": placed["call_sid"], "From": LINE_NUMBER, "To": placed["number"],
            "CallStatus": "busy", "Direction": "outbound-api"}  # fmt: skip
    parse_twiml(
        voice.provider.post(fake_twilio.calls_to(CREATE)[0]["form"]["StatusCallback"], busy)
    )
    again = ok(api.get(f"{API}/callbacks/{request['id']}"))
    assert (again["state"], again["attempts"], again["last_error"]) == ("pending", 1, "call busy")
    assert again["due_at"] > placed["due_at"]
    [attempt] = ok(api.get(f"{API}/interactions", params={"state": "busy"}))["items"]
    assert attempt["inbound"] is False and attempt["to_number"] == "+8613912345678"

    fake_twilio.fail_with = (400, 21211, "The 'To' number is not a valid phone number.")
    refused = ok(api.post(f"{API}/callbacks", json={"number": "+8613700001111"}))
    embedded.join_idle(IDLE)
    failed = ok(api.get(f"{API}/callbacks/{refused['id']}"))
    assert failed["state"] == "failed" and "21211" in failed["last_error"]
