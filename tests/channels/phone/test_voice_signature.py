"""Voice webhooks are authenticated by X-Twilio-Signature alone, as Twilio computes it."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from sqlmodel import col
from structlog.testing import capture_logs

from core.db import Database
from core.models import InboundRecord, InboundState, Interaction
from tests.channels.phone.conftest import AUTH_TOKEN, VoiceWorld
from tests.channels.phone.voice_support import Provider, new_call_sid, parse_twiml


def records(database: Database, world: VoiceWorld) -> list[InboundRecord]:
    with database.tenant_session(world.tenant.id) as session:
        query = sa.select(InboundRecord).order_by(col(InboundRecord.created_at))
        return list(session.execute(query).scalars())


def test_forged_missing_and_tampered_signatures_are_refused_logged_and_not_kept(
    voice: VoiceWorld, database: Database
) -> None:
    provider, caller = voice.provider, voice.caller(new_call_sid())
    forger = Provider(provider.http, provider.base_url, provider.slug, "not-the-token")
    url = provider.url("incoming")
    signed = provider.signature(url, provider.body(caller))

    with capture_logs() as logs:
        forged = forger.post("incoming", caller)
        missing = provider.post("incoming", caller, signature="")
        # A real signed request replayed with one parameter changed: the signature no longer fits.
        tampered = provider.post("incoming", {**caller, "From": "+8613900000000"}, signature=signed)
        on_other_path = provider.post("status", caller, signature=signed)

    for response in (forged, missing, tampered, on_other_path):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    rejected = [e for e in logs if e["event"] == "voice.signature_rejected"]
    assert [e["reason"] for e in rejected] == ["mismatch", "missing", "mismatch", "mismatch"]
    assert (
        rejected[0]["tenant"] == voice.tenant.slug and rejected[0]["call_sid"] == caller["CallSid"]
    )
    assert records(database, voice) == []

    genuine = provider.post("incoming", caller, signature=signed)
    parse_twiml(genuine)
    [kept] = records(database, voice)
    assert (kept.state, kept.source, kept.sender) == (
        InboundState.INGESTED,
        "voice:incoming",
        caller["From"],
    )
    assert b"CallSid=" + caller["CallSid"].encode() in kept.payload


def test_another_tenants_token_unknown_tenants_and_unknown_lines_get_no_answer(
    voice: VoiceWorld, database: Database, http: httpx.Client
) -> None:
    provider, caller = voice.provider, voice.caller(new_call_sid())
    elsewhere = Provider(http, provider.base_url, f"nobody-{uuid.uuid4().hex[:6]}", AUTH_TOKEN)
    assert elsewhere.post("incoming", caller).status_code == 404
    assert provider.post("no-such-step", caller).status_code == 404
    bad_body = http.post(
        provider.url("incoming"),
        content=b"\xff\xfe",
        headers={"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert bad_body.status_code == 400

    wrong_line = provider.post("incoming", {**caller, "To": "+861008619999"})
    assert wrong_line.status_code == 404, wrong_line.text
    [kept] = records(database, voice)
    assert kept.state is InboundState.REJECTED and kept.reason == "no voice line has that number"
    with database.tenant_session(voice.tenant.id) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Interaction)).scalar() == 0


def test_a_tenant_cannot_sign_for_another(
    voice: VoiceWorld, api: httpx.Client, other_api: httpx.Client, http: httpx.Client
) -> None:
    """Tenant B's own valid token, on tenant A's webhook URL, is a forgery."""
    other_token = "other-tenant-token-99"
    made = other_api.put(
        "/api/v1/voice/account", json={"account_sid": "ACother", "auth_token": other_token}
    )
    assert made.status_code == 200, made.text
    provider = voice.provider
    b_signing_for_a = Provider(http, provider.base_url, provider.slug, other_token)
    assert b_signing_for_a.post("incoming", voice.caller(new_call_sid())).status_code == 403
