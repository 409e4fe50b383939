"""Call hold: the agent puts a live call on hold and takes it off over the API; hold periods
add up, a hang-up on hold counts until the end, talk is the agent leg less hold, and the
executive KPIs' AHT split shows it. Time is a frozen clock the test moves."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

import channels.phone.webhooks
import core.calls.hold  # noqa: F401  (loaded now, so that its clock is frozen too)
from channels.phone.urls import tenant_urls
from core import clock, kpis
from core.calls import bridging, lifecycle
from core.calls.conversation import queue_call
from core.db import Database
from core.kpis import Period
from core.models.user import Role
from tests.api.browser_session import make_user, sign_in
from tests.api.conftest import LiveServer
from tests.api.factories import API
from tests.channels.phone.conftest import CALLER, LINE_NUMBER, VoiceWorld
from tests.channels.phone.voice_support import new_call_sid
from tests.kpis.clock import FrozenClock


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """``utcnow`` of every loaded core and channel module (API, services, webhooks), at a
    whole second of today."""
    frozen, real = FrozenClock(), clock.utcnow
    frozen.set(real().replace(microsecond=0))
    for name, module in list(sys.modules.items()):
        if name.startswith(("core.", "channels.")) and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", frozen)
    assert channels.phone.webhooks.utcnow is frozen
    return frozen


def answered_call(
    database: Database, voice: VoiceWorld, *, agent_id: str, at: datetime
) -> tuple[str, str]:
    """A call that came in, queued and was answered by the agent at ``at``: its id and sid."""
    sid = new_call_sid()
    with database.tenant_unit(voice.tenant.id) as session:
        lifecycle.start_call(
            session,
            call_sid=sid,
            line_id=uuid.UUID(voice.line),
            from_number=CALLER,
            to_number=LINE_NUMBER,
            region="CN",
            at=at,
        )
        call = lifecycle.get_call(session, call_sid=sid, lock=True)
        queue_call(session, call=call, queue_id=uuid.UUID(voice.queue), summary="Bill", at=at)
        call.agent_id = uuid.UUID(agent_id)
        bridging.agent_answered(session, call=call, at=at)
        return str(call.id), sid


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def refused(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["detail"])


def test_hold_periods_add_up_and_a_hang_up_on_hold_counts_until_the_end(
    voice: VoiceWorld,
    api: httpx.Client,
    database: Database,
    live_server: LiveServer,
    frozen_clock: FrozenClock,
) -> None:
    answered = frozen_clock.now
    call_id, sid = answered_call(database, voice, agent_id=voice.agent, at=answered)
    url = f"{API}/interactions/{call_id}"

    frozen_clock.set(answered + timedelta(seconds=10))
    held = ok(api.post(f"{url}/hold"))
    assert held["on_hold_since"] is not None and held["hold_seconds"] == 0
    frozen_clock.set(answered + timedelta(seconds=40))
    resumed = ok(api.post(f"{url}/unhold"))
    assert (resumed["on_hold_since"], resumed["hold_seconds"]) == (None, 30)

    frozen_clock.set(answered + timedelta(seconds=70))
    ok(api.post(f"{url}/hold"))
    frozen_clock.set(answered + timedelta(seconds=90))  # the caller hangs up on hold
    leg = {"CallSid": new_call_sid(), "ParentCallSid": sid, "CallStatus": "completed"}
    urls = tenant_urls(public_base_url=live_server.base_url, slug=voice.tenant.slug)
    ended = voice.provider.post(urls.agent_leg(sid), {**leg, "CallDuration": "90"})
    assert ended.status_code == 200, ended.text

    call = ok(api.get(url))
    assert (call["state"], call["on_hold_since"]) == ("completed", None)
    assert (call["hold_seconds"], call["talk_seconds"]) == (50, 40)  # the leg's 90 s, split
    status = ok(api.get(f"{API}/agents/{voice.agent}/status"))
    assert status["phone_seconds_today"] == 90  # on the phone while holding, too

    detail = ok(api.get(f"{API}/conversations/{call['conversation_id']}"))
    holds = [
        (e["event"]["type"], e["event"]["data"].get("seconds"), e["event"]["data"].get("reason"))
        for e in detail["timeline"]
        if e["kind"] == "event" and e["event"]["type"].startswith("call_")
    ]
    assert holds == [
        ("call_held", None, None),
        ("call_hold_ended", 30, "resumed"),
        ("call_held", None, None),
        ("call_hold_ended", 20, "call_ended"),
    ]

    frozen_clock.set(answered + timedelta(seconds=120))
    disposed = ok(api.post(f"{url}/disposition", json={"disposition": "resolved"}))
    assert disposed["handle_seconds"] == 40 + 50 + 30

    done = frozen_clock.now + timedelta(minutes=15)
    with database.tenant_unit(voice.tenant.id) as session:
        kpis.refresh_rollups(session, now=done)
        period = Period(answered - timedelta(hours=1), done)
        handle_time = kpis.executive_kpis(session, period=period).handle_time
    assert handle_time is not None
    assert (handle_time.talk, handle_time.hold, handle_time.wrap_up) == (40, 50, 30)


def test_hold_needs_a_live_call_held_once_and_the_callers_tenant(
    voice: VoiceWorld,
    api: httpx.Client,
    other_api: httpx.Client,
    database: Database,
    frozen_clock: FrozenClock,
) -> None:
    call_id, sid = answered_call(database, voice, agent_id=voice.agent, at=frozen_clock.now)
    url = f"{API}/interactions/{call_id}"

    assert "not on hold" in refused(api.post(f"{url}/unhold"), 409)
    ok(api.post(f"{url}/hold"))
    assert "on hold already" in refused(api.post(f"{url}/hold"), 409)
    refused(other_api.post(f"{url}/hold"), 404)
    refused(other_api.post(f"{url}/unhold"), 404)

    with database.tenant_unit(voice.tenant.id) as session:
        queued = lifecycle.start_call(
            session, call_sid=new_call_sid(), line_id=None, from_number=CALLER,
            to_number=LINE_NUMBER, region="CN",
        )  # fmt: skip
    waiting = refused(api.post(f"{API}/interactions/{queued.interaction_id}/hold"), 409)
    assert waiting == "the call is not in progress (it is ivr)"

    hung_up = voice.provider.post("status", {**voice.caller(sid), "CallStatus": "completed"})
    assert hung_up.status_code == 200, hung_up.text
    assert "not in progress" in refused(api.post(f"{url}/unhold"), 409)


@pytest.fixture
def agent_client(
    live_server: LiveServer, database: Database
) -> Iterator[Callable[[VoiceWorld], tuple[str, httpx.Client]]]:
    """A factory of agents signed in through the browser form: their id and client."""
    clients: list[httpx.Client] = []

    def make(voice: VoiceWorld) -> tuple[str, httpx.Client]:
        user = make_user(database, voice.tenant.id, Role.AGENT)
        browser = sign_in(live_server.base_url, voice.tenant.slug, user.email)
        browser.client.headers.update(browser.headers())
        clients.append(browser.client)
        return str(user.id), browser.client

    yield make
    for client in clients:
        client.close()


def test_an_agent_holds_only_their_own_call(
    voice: VoiceWorld,
    database: Database,
    agent_client: Callable[[VoiceWorld], tuple[str, httpx.Client]],
) -> None:
    (own_id, own), (_, colleague) = agent_client(voice), agent_client(voice)
    call_id, _ = answered_call(database, voice, agent_id=own_id, at=clock.utcnow())
    url = f"{API}/interactions/{call_id}"

    assert "another agent" in refused(colleague.post(f"{url}/hold"), 403)
    ok(own.post(f"{url}/hold"))
    assert "another agent" in refused(colleague.post(f"{url}/unhold"), 403)
    assert ok(own.post(f"{url}/unhold"))["on_hold_since"] is None
