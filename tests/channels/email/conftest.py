"""Email fixtures: our SMTP listener on loopback, a capturing SMTP server standing in for the
customer's mail server, mailboxes, embedded workers and the API over real HTTP."""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlmodel import col

from channels.email.adapter import EmailAdapter
from channels.email.smtp_listener import SmtpListener, _free_port
from channels.registry import adapter_for, register_adapter
from core import mailboxes
from core.clock import utcnow
from core.db import Database, use_database
from core.models import Channel, InboundRecord, Mailbox, OutboxJob, TransportSecurity
from core.storage import LocalFolderStore
from tests.api.conftest import LiveServer
from tests.conftest import TenantHandle
from tests.workers.factories import running_workers
from workers.embedded import EmbeddedWorkers


@dataclass
class CapturingServer:
    """A loopback SMTP server that keeps what it is sent (the customer's side)."""

    port: int
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> SMTP answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"

    def messages_to(self, address: str) -> list[bytes]:
        with self.lock:
            return [raw for rcpts, raw in self.received if address in rcpts]


@pytest.fixture
def capture() -> Iterator[CapturingServer]:
    server = CapturingServer(port=_free_port("127.0.0.1"))
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def blob_store(tmp_path: Path) -> LocalFolderStore:
    return LocalFolderStore(tmp_path / "blobs")


MailboxFactory = Callable[..., Mailbox]


@pytest.fixture
def make_mailbox(database: Database, capture: CapturingServer) -> MailboxFactory:
    """Mailboxes whose outbound SMTP is the capturing server (plain, no auth)."""

    def make(tenant: TenantHandle, *, local: str = "support", **fields: Any) -> Mailbox:
        address = f"{local}-{uuid.uuid4().hex[:8]}@{tenant.slug}.example"
        defaults: dict[str, Any] = {
            "display_name": "Support",
            "smtp_host": "127.0.0.1",
            "smtp_port": capture.port,
            "smtp_security": TransportSecurity.NONE,
        }
        with database.tenant_unit(tenant.id) as session:
            return mailboxes.create_mailbox(session, address=address, **{**defaults, **fields})

    return make


@pytest.fixture
def mailbox(make_mailbox: MailboxFactory, tenant: TenantHandle) -> Mailbox:
    return make_mailbox(tenant)


@pytest.fixture
def listener(database: Database, blob_store: LocalFolderStore) -> Iterator[SmtpListener]:
    smtp = SmtpListener(
        database, blob_store, host="127.0.0.1", port=0, max_message_bytes=2 * 1024 * 1024
    )
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture
def email_adapter(database: Database) -> Iterator[EmailAdapter]:
    """The real email adapter serves Channel.EMAIL for this test, then the previous one again."""
    previous = None
    with contextlib.suppress(KeyError):
        previous = adapter_for(Channel.EMAIL)
    adapter = EmailAdapter(lambda: database)
    register_adapter(adapter)
    yield adapter
    if previous is not None:
        register_adapter(previous)


@pytest.fixture
def workers(database: Database, email_adapter: EmailAdapter) -> Iterator[EmbeddedWorkers]:
    """Embedded workers for this test's jobs: what earlier tests left in the outbox (replies
    to their capturing servers, long gone) is marked dispatched and never runs."""
    with database.system_unit() as session:
        session.execute(
            sa.update(OutboxJob)
            .where(col(OutboxJob.dispatched_at).is_(None))
            .values(dispatched_at=utcnow())
        )
    with running_workers(database) as running:
        yield running
    use_database(None)


@pytest.fixture(scope="session")
def email_api_server(
    database: Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    from api.app import create_app

    store = LocalFolderStore(tmp_path_factory.mktemp("webhook-blobs"))
    server = LiveServer(create_app(database, blob_store=store))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http(email_api_server: LiveServer) -> Iterator[httpx.Client]:
    """An anonymous client; tests pass the headers they mean to send."""
    with httpx.Client(base_url=email_api_server.base_url, timeout=30) as client:
        yield client


def customer_mail(
    *,
    sender: str,
    to: str,
    subject: str = "My router is broken",
    text: str = "Hello, my router stopped working yesterday.",
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A customer's plain mail, as a mail client writes it."""
    message = EmailMessage()
    message["From"] = f"Customer <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message


def send_mail(
    listener: SmtpListener, message: EmailMessage | bytes, *, sender: str, to: list[str]
) -> None:
    """Send through our listener with smtplib, as another mail server would."""
    with smtplib.SMTP(listener.host, listener.port, timeout=10) as client:
        if isinstance(message, bytes):
            client.sendmail(sender, to, message)
        else:
            client.send_message(message, from_addr=sender, to_addrs=to)


def records_of(database: Database, tenant_id: uuid.UUID) -> list[InboundRecord]:
    with database.tenant_session(tenant_id) as session:
        return list(
            session.execute(
                sa.select(InboundRecord).order_by(col(InboundRecord.created_at))
            ).scalars()
        )


def wait_for(condition: Callable[[], Any], *, timeout: float = 8.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)
