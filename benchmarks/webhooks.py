"""Voice webhooks and web-form submissions over real HTTP on PostgreSQL.

The platform runs in its own process (uvicorn, one worker, as `switchboard serve` does) so the
load generator in this process does not share its interpreter; the two share the machine's two
cores, as a provider's traffic and our server would not, so the figures are conservative.

- ``voice_webhooks_per_s``: closed loop, 32 calls at a time, each call three signed webhooks
  (incoming → menu choice, which queues the caller and opens the conversation → status
  callback as the caller hangs up in the queue).
- ``incoming_p50_ms`` / ``incoming_p99_ms``: the incoming-call webhook alone, offered open
  loop at 200 requests/s; latency is measured from each request's scheduled send time, so a
  server that falls behind is charged for the queueing it causes.
- ``form_submissions_per_s``: closed loop, 16 at a time, JSON submissions of the complaint form
  from distinct addresses (X-Forwarded-For, which uvicorn trusts from loopback) and customers.

    uv run python benchmarks/webhooks.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx
import sqlalchemy as sa
import uvicorn
from rich.console import Console
from twilio.request_validator import RequestValidator

from api.app import create_app
from benchmarks._support import emit, free_port, scratch_database, wait_until_up
from channels.phone.demo import install_demo_voice
from channels.webform.default_forms import install_default_forms
from core import tenants
from core.db import Database, use_database
from core.logs import configure_logging
from core.models import Contact, ContactIdentity, IdentityKind, Queue, VoiceAccount

console = Console(stderr=True)
OFFERED_RATE = 200
KNOWN_CALLERS = 2_000


@dataclass(frozen=True, slots=True)
class Target:
    base_url: str
    slug: str
    line_number: str
    auth_token: str
    form_slug: str


def serve(url: str, port: int) -> None:
    """The server process: the API as `switchboard serve` runs it, without embedded workers."""
    configure_logging(level="WARNING")
    database = Database(url)
    use_database(database)
    config = uvicorn.Config(
        create_app(database), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    uvicorn.Server(config).run()


def prepare(database: Database, base_url: str) -> Target:
    """A tenant with the demo line and forms (their default rate limits), known callers."""
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(session, slug=slug, name="Bench", timezone="UTC").id
    with database.tenant_unit(tenant_id) as session:
        queues = {}
        for name in ("Billing", "Technical", "Complaints", "English"):
            queue = Queue(name=name, channels=["phone", "webform"])
            session.add(queue)
            queues[name.lower()] = queue.id
        session.flush()
        line = install_demo_voice(session, queues=queues)
        install_default_forms(session, queues=queues)
        session.execute(sa.update(VoiceAccount).values(public_base_url=base_url))
        account = session.execute(sa.select(VoiceAccount)).scalar_one()
        for i in range(KNOWN_CALLERS):
            contact = Contact(name=f"Caller {i}")
            session.add(contact)
            session.add(
                ContactIdentity(
                    contact_id=contact.id,
                    kind=IdentityKind.PHONE,
                    value=caller(i),
                    display=caller(i),
                )
            )
        return Target(base_url, slug, line.number, account.auth_token, "complaint")
    raise AssertionError("unreachable")


def caller(i: int) -> str:
    return f"+86139{i:08d}"


class Voice:
    """Signed voice webhooks, as the provider sends them."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.validator = RequestValidator(target.auth_token)

    def url(self, kind: str) -> str:
        return f"{self.target.base_url}/webhooks/voice/{self.target.slug}/{kind}"

    async def post(self, client: httpx.AsyncClient, kind: str, params: dict[str, str]) -> None:
        url = self.url(kind)
        signature = self.validator.compute_signature(url, params)
        response = await client.post(
            url,
            content=urlencode(params),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{kind}: {response.status_code} {response.text[:300]}")

    def call_params(self, call_sid: str, number: str, **extra: str) -> dict[str, str]:
        return {
            "AccountSid": "ACbench",
            "CallSid": call_sid,
            "From": number,
            "To": self.target.line_number,
            "Direction": "inbound",
            "CallStatus": "ringing",
            **extra,
        }


async def call_flow(voice: Voice, client: httpx.AsyncClient, i: int) -> int:
    """One caller: incoming, a menu choice that queues them, hang-up while waiting."""
    sid = f"CA{uuid.uuid4().hex}"
    number = caller(i % (KNOWN_CALLERS * 2))
    await voice.post(client, "incoming", voice.call_params(sid, number))
    await voice.post(
        client, "gather", voice.call_params(sid, number, Digits="1", CallStatus="in-progress")
    )
    await voice.post(
        client,
        "status",
        voice.call_params(sid, number, CallStatus="completed", CallDuration="30"),
    )
    return 3


async def closed_loop(
    concurrency: int, seconds: float, step: Callable[[int], Awaitable[int]]
) -> float:
    """Requests per second with ``concurrency`` callers each starting the next when done."""
    done = 0
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def runner() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            finished = await step(next(counter))
            done += finished

    started = time.perf_counter()
    await asyncio.gather(*(runner() for _ in range(concurrency)))
    return done / (time.perf_counter() - started)


class RawConnections:
    """Keep-alive HTTP/1.1 connections speaking pre-built requests.

    The open-loop phase sends through these rather than httpx, whose per-request cost (a
    millisecond or more of CPU) would take the server's share of the two cores and be measured
    as server latency.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def send(self, request: bytes) -> int:
        if self.idle:
            reader, writer = self.idle.pop()
        else:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        self.idle.append((reader, writer))
        return int(head.split(b" ", 2)[1])

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


def raw_incoming(voice: Voice, i: int) -> bytes:
    """One signed incoming-call webhook as the bytes a provider would send."""
    url = voice.url("incoming")
    params = voice.call_params(f"CA{uuid.uuid4().hex}", caller(i % (KNOWN_CALLERS * 2)))
    body = urlencode(params).encode()
    parts = urlsplit(url)
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"X-Twilio-Signature: {voice.validator.compute_signature(url, params)}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def open_loop_incoming(voice: Voice, seconds: float) -> list[float]:
    """Incoming-call webhooks at OFFERED_RATE; latency from each scheduled send time (ms)."""
    requests = [raw_incoming(voice, i) for i in range(int(seconds * OFFERED_RATE))]
    parts = urlsplit(voice.target.base_url)
    connections = RawConnections(parts.hostname or "127.0.0.1", parts.port or 80)
    latencies: list[float] = []
    start = time.perf_counter() + 0.05

    async def one(i: int, request: bytes) -> None:
        scheduled = start + i / OFFERED_RATE
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        status = await connections.send(request)
        if status >= 300:
            raise RuntimeError(f"incoming: {status}")
        latencies.append((time.perf_counter() - scheduled) * 1000)

    await asyncio.gather(*(one(i, request) for i, request in enumerate(requests)))
    connections.close()
    return latencies


def complaint(i: int) -> dict[str, object]:
    return {
        "fields": {
            "name": f"Customer {i}",
            "email": f"customer{i}@example.com",
            "phone": caller(i),
            "subject": "Charged twice for roaming",
            "description": "这个月漫游被扣了两次费, please refund the second charge.",
        },
        "language": "en",
    }


async def run(target: Target, *, quick: bool) -> dict[str, float]:
    seconds = 5.0 if quick else 20.0
    voice = Voice(target)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        await closed_loop(8, 1.0, lambda i: call_flow(voice, client, i))  # warm up
        latencies = await open_loop_incoming(voice, seconds)
        console.print(f"incoming at {OFFERED_RATE}/s: {len(latencies)} calls")
        voice_rate = await closed_loop(32, seconds, lambda i: call_flow(voice, client, i))
        console.print(f"voice webhooks: {voice_rate:.0f}/s")
        form_url = f"{target.base_url}/forms/{target.slug}/{target.form_slug}.json"

        async def submit(i: int) -> int:
            # one submitter per address, so the per-IP limit holds as it would in service
            response = await client.post(
                form_url,
                json=complaint(i),
                headers={"X-Forwarded-For": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"},
            )
            if response.status_code != 201:
                raise RuntimeError(f"form: {response.status_code} {response.text[:300]}")
            return 1

        await closed_loop(4, 1.0, submit)
        form_rate = await closed_loop(16, seconds, submit)
        console.print(f"form submissions: {form_rate:.0f}/s")
    ordered = sorted(latencies)
    return {
        "voice_webhooks_per_s": round(voice_rate, 1),
        "incoming_p50_ms": round(statistics.median(ordered), 2),
        "incoming_p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
        "form_submissions_per_s": round(form_rate, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    args = parser.parse_args()
    configure_logging(level="WARNING")
    with scratch_database("postgresql") as database:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        target = prepare(database, base_url)
        with database.system_unit() as session:
            session.execute(sa.text("ANALYZE"))
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(database.url, port), daemon=True
        )
        server.start()
        try:
            wait_until_up(base_url)
            figures = asyncio.run(run(target, quick=args.quick))
        finally:
            server.terminate()
            server.join(10)
    emit(figures)


if __name__ == "__main__":
    main()
