"""A loopback HTTP server for standing in for a social network, and an AccountView factory.

Each connector's test module subclasses ``LoopbackServer`` with the network's documented
payloads (X API v2, a Mastodon instance, feed hosts), so tests run the real client library
against 127.0.0.1 and assert on the requests the server recorded.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from core.models.social import SocialNetwork
from core.social.incoming import AccountView


@dataclass
class Received:
    """One request as the server saw it; header names lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    delay_seconds: float = 0.0

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (time-outs, size limits under test) are expected here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (ephemeral port); subclasses implement ``answer``.

    ``fail_next`` queues a one-shot answer (a 429, a 5xx) for the next matching request.
    """

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.failures: list[tuple[str, Answer]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                received = Received(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                answer = server.dispatch(received)
                if answer.delay_seconds:
                    time.sleep(answer.delay_seconds)
                payload = answer.encoded()
                self.send_response(answer.status)
                if answer.status != 304:
                    self.send_header("Content-Type", answer.content_type)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = handle_any

            def log_message(self, *args: Any) -> None:
                return

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(
        self,
        status: int,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        path: str = "",
        delay_seconds: float = 0.0,
    ) -> None:
        """Answer the next request under ``path`` with this instead of the normal answer."""
        answer = Answer(status, body, headers or {}, delay_seconds=delay_seconds)
        with self.lock:
            self.failures.append((path, answer))

    def received(self, path_prefix: str = "") -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path.startswith(path_prefix)]

    def dispatch(self, request: Received) -> Answer:
        with self.lock:
            self.requests.append(request)
            for index, (prefix, failure) in enumerate(self.failures):
                if request.path.startswith(prefix):
                    del self.failures[index]
                    return failure
        return self.answer(request)

    def answer(self, request: Received) -> Answer:
        raise NotImplementedError


def account_view(
    network: SocialNetwork,
    *,
    api_base_url: str | None,
    credentials: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    cursor: dict[str, Any] | None = None,
    handle: str | None = None,
) -> AccountView:
    """An AccountView as the poller would pass it."""
    return AccountView(
        id=uuid.uuid4(),
        tenant_id=uuid.uuid4(),
        network=network,
        name=f"{network.value} test account",
        handle=handle,
        api_base_url=api_base_url,
        credentials=credentials or {},
        settings=settings or {},
        cursor=cursor or {},
    )
