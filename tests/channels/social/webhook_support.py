"""Playing Meta and a listening vendor in tests: accounts, signed deliveries in Meta's
documented shapes, a loopback Graph API that records what it is sent, and row readers.

Test modules import the fixtures they use from here (no conftest in this folder).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import InboundRecord
from core.models.conversation import Conversation
from core.models.social import SocialAccount, SocialNetwork, SocialPost
from tests.api.conftest import LiveServer, live_server

__all__ = ["fake_graph", "http", "live_server"]

APP_SECRET = "meta-app-secret-0f1e2d3c"
VERIFY_TOKEN = "verify-token-a1b2c3"
PAGE_TOKEN = "EAAB-page-token-for-tests"
PAGE_ID = "104857600123"
IG_ACCOUNT_ID = "17841400000000001"
VENDOR_SECRET = "vendor-secret-99887766"


def make_account(
    database: Database,
    tenant_id: uuid.UUID,
    network: SocialNetwork,
    *,
    handle: str | None = None,
    credentials: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    api_base_url: str | None = None,
    active: bool = True,
) -> SocialAccount:
    """A social account row, written directly (the accounts API is not needed here)."""
    with database.tenant_unit(tenant_id) as session:
        account = SocialAccount(
            network=network,
            name=f"{network.value}-{uuid.uuid4().hex[:8]}",
            handle=handle,
            credentials=credentials or {},
            settings=settings or {},
            api_base_url=api_base_url,
            active=active,
        )
        session.add(account)
    return account


def meta_account(
    database: Database,
    tenant_id: uuid.UUID,
    network: SocialNetwork = SocialNetwork.FACEBOOK,
    **fields: Any,
) -> SocialAccount:
    handle = PAGE_ID if network is SocialNetwork.FACEBOOK else IG_ACCOUNT_ID
    credentials = {
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "page_access_token": PAGE_TOKEN,
    }
    return make_account(
        database, tenant_id, network, handle=handle, credentials=credentials, **fields
    )


def vendor_account(database: Database, tenant_id: uuid.UUID, **fields: Any) -> SocialAccount:
    return make_account(
        database, tenant_id, SocialNetwork.WEBHOOK, credentials={"secret": VENDOR_SECRET}, **fields
    )


def webhook_path(tenant_slug: str, account_id: uuid.UUID | str) -> str:
    return f"/webhooks/social/{tenant_slug}/{account_id}"


def meta_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """What Meta sends: ``X-Hub-Signature-256: sha256=<hex>`` of the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def vendor_headers(
    body: bytes, secret: str = VENDOR_SECRET, *, timestamp: int | None = None
) -> dict[str, str]:
    """The documented vendor signature, computed independently of the code under test."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Switchboard-Timestamp": str(moment),
        "X-Switchboard-Signature": f"sha256={digest}",
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def page_delivery(*, changes: Sequence[Any] = (), messaging: Sequence[Any] = ()) -> bytes:
    """``object: "page"`` with one entry for our page (Meta's envelope)."""
    entry: dict[str, Any] = {"id": PAGE_ID, "time": int(time.time())}
    if changes:
        entry["changes"] = list(changes)
    if messaging:
        entry["messaging"] = list(messaging)
    return encode({"object": "page", "entry": [entry]})


def instagram_delivery(*, changes: Sequence[Any] = (), messaging: Sequence[Any] = ()) -> bytes:
    entry: dict[str, Any] = {"id": IG_ACCOUNT_ID, "time": int(time.time())}
    if changes:
        entry["changes"] = list(changes)
    if messaging:
        entry["messaging"] = list(messaging)
    return encode({"object": "instagram", "entry": [entry]})


def feed_comment(
    *,
    comment_id: str,
    message: str,
    verb: str = "add",
    post_id: str = f"{PAGE_ID}_555000111",
    sender_id: str = "7001002003",
    sender_name: str = "Wang Fang",
    created_time: int = 1_717_000_000,
) -> dict[str, Any]:
    """A Page ``feed`` change for a comment, as in Meta's Webhooks reference for Page."""
    value: dict[str, Any] = {
        "from": {"id": sender_id, "name": sender_name},
        "post_id": post_id,
        "comment_id": comment_id,
        "parent_id": post_id,
        "created_time": created_time,
        "item": "comment",
        "verb": verb,
    }
    if verb != "remove":
        value["message"] = message
    return {"field": "feed", "value": value}


def messenger_message(
    *, mid: str, text: str, sender_id: str = "6543210987", timestamp_ms: int = 1_717_000_000_123
) -> dict[str, Any]:
    return {
        "sender": {"id": sender_id},
        "recipient": {"id": PAGE_ID},
        "timestamp": timestamp_ms,
        "message": {"mid": mid, "text": text},
    }


def messenger_receipts(sender_id: str = "6543210987") -> list[dict[str, Any]]:
    """A delivery and a read receipt: Messenger events that carry no message."""
    envelope = {"sender": {"id": sender_id}, "recipient": {"id": PAGE_ID}, "timestamp": 1}
    return [
        {**envelope, "delivery": {"mids": ["m_x"], "watermark": 1}},
        {**envelope, "read": {"watermark": 2}},
    ]


def graph_error(code: int | None, message: str, **extra: Any) -> dict[str, Any]:
    """A Graph API error body, as Meta documents it (``error.code``, ``fbtrace_id`` ...)."""
    error = {"message": message, "type": "OAuthException", "fbtrace_id": "AbC123", **extra}
    return {"error": {**error, "code": code} if code is not None else error}


def business_usage(minutes: int) -> dict[str, str]:
    """``X-Business-Use-Case-Usage`` saying when access comes back."""
    usage = [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": minutes}]
    return {"X-Business-Use-Case-Usage": json.dumps({"104857600": usage})}


def instagram_comment(
    *, comment_id: str, text: str, username: str = "li.na", user_id: str = "908070605"
) -> dict[str, Any]:
    return {
        "field": "comments",
        "value": {
            "id": comment_id,
            "from": {"id": user_id, "username": username},
            "text": text,
            "media": {"id": "17900000000000042", "media_product_type": "FEED"},
        },
    }


def posts_of(database: Database, tenant_id: uuid.UUID) -> list[SocialPost]:
    with database.tenant_session(tenant_id) as session:
        return list(
            session.execute(
                sa.select(SocialPost).order_by(col(SocialPost.created_at), col(SocialPost.id))
            ).scalars()
        )


def records_of(database: Database, tenant_id: uuid.UUID) -> list[InboundRecord]:
    with database.tenant_session(tenant_id) as session:
        return list(
            session.execute(
                sa.select(InboundRecord).order_by(col(InboundRecord.created_at))
            ).scalars()
        )


def conversation_of(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation | None:
    with database.tenant_session(tenant_id) as session:
        return session.get(Conversation, (tenant_id, conversation_id))


@pytest.fixture
def http(live_server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous client: webhooks carry only their signature."""
    with httpx.Client(base_url=live_server.base_url, timeout=30) as client:
        yield client


@dataclass
class GraphRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes


@dataclass
class FakeGraph:
    """A loopback Graph API: answers POSTs to ``/{id}/comments``, ``/{id}/replies``,
    ``/{id}/messages`` and ``/{id}/feed`` as Meta documents them, or with a scripted failure
    (``fail_next``), and records every request (also stands in for a vendor's reply_url)."""

    requests: list[GraphRequest] = field(default_factory=list)
    failures: list[tuple[int, Any, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/v21.0"

    def fail_next(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self.failures.append((status, body, headers or {}))

    def start(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                request = GraphRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw
                )
                status, answer, headers = fake.answer(request)
                encoded = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def answer(self, request: GraphRequest) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            self.requests.append(request)
            if self.failures:
                return self.failures.pop(0)
        if request.path.endswith("/vendor-replies"):
            return 200, {"id": "weibo-reply-42"}, {}
        node, _, edge = request.path.removeprefix("/v21.0/").partition("/")
        if edge in ("comments", "replies"):
            return 200, {"id": f"{node}_reply{len(self.requests)}"}, {}
        if edge == "messages":
            recipient = (request.body or {}).get("recipient", {})
            return (
                200,
                {"recipient_id": recipient.get("id", "7001002003"), "message_id": "m_sent1"},
                {},
            )
        if edge == "feed":
            return 200, {"id": f"{node}_900000001"}, {}
        return (
            404,
            {"error": {"message": "Unknown path", "type": "GraphMethodException", "code": 803}},
            {},
        )


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    server = FakeGraph()
    server.start()
    yield server
    server.stop()
