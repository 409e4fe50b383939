"""The IVR over signed webhooks: self-service behind verification (D11, D18), speech, the
English service, retries, and what strangers get; every answer is checked TwiML."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.factories import API
from tests.channels.phone.conftest import VoiceWorld
from tests.channels.phone.voice_support import find, new_call_sid, parse_twiml, said, verbs


def the_call(api: httpx.Client, call_sid: str) -> dict[str, Any]:
    calls = api.get(f"{API}/interactions", params={"limit": 200}).json()["items"]
    [call] = [c for c in calls if c["external_id"] == call_sid]
    return call


def test_self_service_answers_only_a_caller_who_proves_who_they_are(
    voice: VoiceWorld, api: httpx.Client
) -> None:
    provider = voice.provider
    for digits, expected, verified in (
        ("1234", "您的余额为58.20元。", True),
        ("9999", "无法查询。", False),
    ):
        sid = new_call_sid()
        caller = voice.caller(sid)
        menu = find(parse_twiml(provider.post("incoming", caller)), "Gather")
        check = find(
            parse_twiml(provider.post(menu.get("action", ""), {**caller, "Digits": "1"})), "Gather"
        )
        answer = parse_twiml(provider.post(check.get("action", ""), {**caller, "Digits": digits}))
        assert expected in said(answer)
        assert verbs(answer)[-2:] == ["Gather", "Redirect"]  # back to the menu
        call = the_call(api, sid)
        assert call["verified"] is verified and call["state"] == "ivr"
        assert call["ivr_path"][0] == "main>balance"


def test_speech_english_retries_and_strangers(voice: VoiceWorld, api: httpx.Client) -> None:
    provider = voice.provider
    sid = new_call_sid()
    caller = voice.caller(sid)
    menu = find(parse_twiml(provider.post("incoming", caller)), "Gather")
    assert "余额" in (menu.get("hints") or "")

    english = parse_twiml(provider.post(menu.get("action", ""), {**caller, "Digits": "9"}))
    english_menu = find(english, "Gather")
    assert english_menu.get("language") == "en-US"
    assert said(english)[0].startswith("For your balance press 1")

    wrong = parse_twiml(provider.post(english_menu.get("action", ""), {**caller, "Digits": "7"}))
    assert said(wrong)[0] == "Sorry, I did not get that."
    silence = find(wrong, "Redirect").text or ""
    again = parse_twiml(provider.post(silence, caller))
    last = parse_twiml(provider.post(find(again, "Redirect").text or "", caller))
    assert verbs(last) == ["Say", "Hangup"] and said(last) == ["Thank you for calling. Goodbye."]

    stranger_sid = new_call_sid()
    stranger = voice.caller(stranger_sid, number="+8613912345678")
    menu = find(parse_twiml(provider.post("incoming", stranger)), "Gather")
    spoken = {**stranger, "SpeechResult": "我想问一下话费的问题。", "Confidence": "0.92"}
    queued = parse_twiml(provider.post(menu.get("action", ""), spoken))  # no digits to check
    assert verbs(queued) == ["Say", "Enqueue"]
    call = the_call(api, stranger_sid)
    assert (call["state"], call["verified"], call["ivr_path"]) == ("queued", None, ["main>billing"])
    conversation = api.get(f"{API}/conversations/{call['conversation_id']}").json()
    assert conversation["queue_id"] == voice.queue and conversation["category"] == "billing"
    assert conversation["contact_id"] == call["contact_id"] != voice.contact  # a new contact
    [message] = [e["message"] for e in conversation["timeline"] if e["kind"] == "message"]
    assert message["external_id"] == stranger_sid and "+8613912345678" in message["text"]
