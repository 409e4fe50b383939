"""API fixtures: the app served by a real uvicorn on loopback, and httpx clients per tenant.

One server per backend for the whole session (tenants isolate the tests from each other);
tests talk to it over real HTTP, as integrations do.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

from api.app import create_app
from core.db import Database
from tests.conftest import TenantHandle


class LiveServer:
    """uvicorn in a background thread, bound to a free loopback port before it starts."""

    def __init__(self, app: object) -> None:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets that say they are
        # TCP, and without it every response waits ~40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        host, port = self._socket.getsockname()
        self.base_url = f"http://{host}:{port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="on")  # type: ignore[arg-type]
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture(scope="session")
def live_server(database: Database) -> Iterator[LiveServer]:
    """The API for this backend, served over real HTTP."""
    server = LiveServer(create_app(database))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client_for(live_server: LiveServer) -> Iterator[Callable[[TenantHandle | None], httpx.Client]]:
    """A factory of HTTP clients, authenticated as a tenant (or anonymous with None)."""
    clients: list[httpx.Client] = []

    def make(tenant: TenantHandle | None) -> httpx.Client:
        headers = tenant.headers if tenant is not None else {}
        client = httpx.Client(base_url=live_server.base_url, headers=headers, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(
    client_for: Callable[[TenantHandle | None], httpx.Client], tenant: TenantHandle
) -> httpx.Client:
    """An HTTP client authenticated as this test's tenant."""
    return client_for(tenant)


@pytest.fixture
def other_api(
    client_for: Callable[[TenantHandle | None], httpx.Client], other_tenant: TenantHandle
) -> httpx.Client:
    """An HTTP client authenticated as a second tenant."""
    return client_for(other_tenant)
