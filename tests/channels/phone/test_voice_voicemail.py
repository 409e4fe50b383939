"""After hours the caller leaves a message; the recording and its transcript become messages of
their conversation (the transcript once, however often the provider sends it)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from core.clock import utcnow
from tests.api.factories import API, created, unique
from tests.channels.phone.conftest import VoiceWorld
from tests.channels.phone.voice_support import find, new_call_sid, parse_twiml, said, verbs


def closed_today(api: httpx.Client) -> str:
    """A calendar open around the clock, except that yesterday, today and tomorrow are holidays."""
    today = utcnow().date()
    calendar = created(
        api.post(
            f"{API}/sla/calendars",
            json={
                "name": unique("closed"),
                "timezone": "UTC",
                "weekly": {str(day): [["00:00", "24:00"]] for day in range(7)},
                "holidays": [(today + timedelta(days=d)).isoformat() for d in (-1, 0, 1)],
            },
        )
    )
    return str(calendar["id"])


def test_after_hours_a_voicemail_and_its_transcript_reach_the_conversation(
    voice: VoiceWorld, api: httpx.Client
) -> None:
    changed = api.patch(f"{API}/voice/lines/{voice.line}", json={"calendar_id": closed_today(api)})
    assert changed.status_code == 200, changed.text
    provider, sid = voice.provider, new_call_sid()
    caller = voice.caller(sid)

    closed = parse_twiml(provider.post("incoming", caller))
    assert verbs(closed) == ["Say", "Say", "Say", "Record"]
    assert said(closed)[2].startswith("现在是非工作时间")
    record = find(closed, "Record")
    assert (record.get("transcribe"), record.get("maxLength")) == ("true", "120")

    recording = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    thanks = parse_twiml(
        provider.post(
            record.get("action", ""),
            {**caller, "RecordingUrl": recording, "RecordingDuration": "35", "RecordingSid": "RE1"},
        )
    )
    assert verbs(thanks) == ["Say", "Hangup"]
    parse_twiml(
        provider.post(
            record.get("recordingStatusCallback", ""),
            {
                **caller,
                "RecordingUrl": recording,
                "RecordingStatus": "completed",
                "RecordingSid": "RE1",
            },
        )
    )
    transcript = {
        **caller,
        "TranscriptionSid": "TR" + sid[2:],
        "TranscriptionText": "My internet has been down since Monday, please call me back.",
        "TranscriptionStatus": "completed",
        "RecordingSid": "RE1",
        "RecordingUrl": recording,
    }
    for _ in range(2):
        parse_twiml(provider.post(record.get("transcribeCallback", ""), transcript))
    parse_twiml(
        provider.post("status", {**caller, "CallStatus": "completed", "CallDuration": "52"})
    )

    [call] = api.get(f"{API}/interactions").json()["items"]
    assert (call["voicemail"], call["abandoned"], call["state"]) == (True, False, "completed")
    assert call["recording_url"] == recording and call["contact_id"] == voice.contact
    conversation = api.get(f"{API}/conversations/{call['conversation_id']}").json()
    assert conversation["channel"] == "phone" and conversation["subject"] == "Voicemail"
    messages = [e["message"] for e in conversation["timeline"] if e["kind"] == "message"]
    assert [m["text"] for m in messages] == [
        f"Voicemail (35 s): {recording}",
        f"Transcript: {transcript['TranscriptionText']}",
    ]
    assert messages[1]["external_id"] == transcript["TranscriptionSid"]
