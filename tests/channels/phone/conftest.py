"""Phone fixtures: the API over real HTTP, embedded workers, a local provider REST server, and
a tenant with a voice account, a bilingual line, a phone queue, an agent and a known caller."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.api.conftest import LiveServer, api, client_for, live_server, other_api
from tests.api.factories import API, create_contact, create_queue, create_user, created
from tests.channels.phone.voice_support import FakeTwilio, Provider
from tests.conftest import TenantHandle
from tests.workers.conftest import embedded, installed_database, outbound_dir

__all__ = [
    "api",
    "client_for",
    "embedded",
    "installed_database",
    "live_server",
    "other_api",
    "outbound_dir",
]

LINE_NUMBER = "+861008610086"
CALLER = "+8613800138000"
AUTH_TOKEN = "test-auth-token-0123456789"
ACCOUNT_SID = "AC" + "1" * 32


def bilingual_ivr(queue_id: str) -> dict[str, Any]:
    """Balance (self-service, verified), billing (agent, verified), call-back, English."""
    return {
        "languages": ["zh-CN", "en-US"],
        "greeting": {"zh-CN": "欢迎致电北风通信。", "en-US": "Welcome to Northwind."},
        "start": "main",
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {
                    "zh-CN": "查询余额请按1，话费问题请按2，预约回电请按3，English please press 9.",
                    "en-US": "For your balance press 1, billing 2, a call-back 3.",
                },
                "options": [
                    {"digits": "1", "speech": {"zh-CN": ["余额"], "en-US": ["balance"]},
                     "next": "balance"},
                    {"digits": "2", "speech": {"zh-CN": ["话费"], "en-US": ["bill"]},
                     "next": "billing"},
                    {"digits": "3", "next": "callback"},
                    {"digits": "9", "next": "main", "language": "en-US"},
                ],
            },
            "balance": {
                "type": "answer",
                "text": {"zh-CN": "您的余额为{balance}元。", "en-US": "Your balance is {balance} yuan."},
                "fallback": {"zh-CN": "无法查询。", "en-US": "We cannot tell you that now."},
                "verify": True,
                "next": "main",
            },
            "billing": {"type": "queue", "queue_id": queue_id, "category": "billing", "verify": True},
            "callback": {"type": "callback", "text": {"zh-CN": "好的，稍后回电。", "en-US": "We will call you."}},
        },
        "verification": {"attribute": "verify_digits", "digits": 4},
        "vip": {"tiers": ["vip", "diamond"], "priority": "high"},
    }  # fmt: skip


@dataclass
class VoiceWorld:
    tenant: TenantHandle
    provider: Provider
    queue: str
    agent: str
    contact: str
    line: str

    def caller(self, call_sid: str, number: str = CALLER) -> dict[str, str]:
        return {
            "CallSid": call_sid,
            "From": number,
            "To": LINE_NUMBER,
            "CallStatus": "ringing",
            "Direction": "inbound",
        }


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous client: webhooks carry only their signature."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


def setup_voice(
    api: httpx.Client,
    http: httpx.Client,
    tenant: TenantHandle,
    *,
    base_url: str,
    rest_url: str,
    ivr: dict[str, Any] | None = None,
    **line_fields: Any,
) -> VoiceWorld:
    """Account, line, queue, an available agent and a known caller, through the API."""
    queue = create_queue(api, channels=["phone"])
    agent = create_user(api, languages=["zh", "en"])
    presence = api.put(f"{API}/agents/{agent['id']}/presence", json={"state": "available"})
    assert presence.status_code == 200, presence.text
    contact = create_contact(
        api,
        name="李娜",
        identities=[{"kind": "phone", "value": CALLER}],
        attributes={"verify_digits": "1234", "balance": "58.20"},
    )
    account = api.put(
        f"{API}/voice/account",
        json={
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "public_base_url": base_url,
            "api_base_url": rest_url,
            "caller_id": LINE_NUMBER,
        },
    )
    assert account.status_code == 200, account.text
    line = created(
        api.post(
            f"{API}/voice/lines",
            json={
                "number": LINE_NUMBER,
                "name": "Hotline",
                "ivr": bilingual_ivr(queue["id"]) if ivr is None else ivr,
                "default_queue_id": queue["id"],
                **line_fields,
            },
        )
    )
    provider = Provider(http, base_url, tenant.slug, AUTH_TOKEN, ACCOUNT_SID)
    return VoiceWorld(tenant, provider, queue["id"], agent["id"], contact["id"], line["id"])


@pytest.fixture
def voice(
    api: httpx.Client,
    http: httpx.Client,
    tenant: TenantHandle,
    live_server: LiveServer,
    fake_twilio: FakeTwilio,
) -> VoiceWorld:
    return setup_voice(
        api, http, tenant, base_url=live_server.base_url, rest_url=fake_twilio.base_url
    )


def agent_hex(agent_id: str) -> str:
    return uuid.UUID(agent_id).hex
