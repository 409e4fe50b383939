"""Sending over STARTTLS and implicit TLS with login, against a real aiosmtpd server that
demands encryption before authentication, with certificates from a test CA."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from channels.email.adapter import EmailAdapter
from channels.email.smtp_listener import _free_port
from core import mailboxes
from core.db import Database
from core.models import Channel, IdentityKind, Mailbox, TransportSecurity
from core.outbound import DeliveryError, OutboundMessage
from tests.channels.email.conftest import CapturingServer
from tests.channels.email.dovecot import write_certificates
from tests.conftest import TenantHandle

USER, PASSWORD = "agent-mailer", "s3cret-app-password"

# the implicit-TLS listener is encrypted from the first byte, which aiosmtpd cannot see
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@dataclass(frozen=True)
class SecureServer:
    capture: CapturingServer
    client_context: ssl.SSLContext
    port: int


def _authenticate(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def _contexts(tmp_path: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    ca, cert, key = write_certificates(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    return server_context, ssl.create_default_context(cafile=str(ca))


@pytest.fixture
def starttls_server(tmp_path: Path) -> Iterator[SecureServer]:
    server_context, client_context = _contexts(tmp_path)
    capture = CapturingServer(port=_free_port("127.0.0.1"))
    controller = Controller(
        capture,
        hostname="127.0.0.1",
        port=capture.port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield SecureServer(capture, client_context, capture.port)
    controller.stop()


@pytest.fixture
def implicit_tls_server(tmp_path: Path) -> Iterator[SecureServer]:
    server_context, client_context = _contexts(tmp_path)
    capture = CapturingServer(port=_free_port("127.0.0.1"))
    controller = Controller(
        capture,
        hostname="127.0.0.1",
        port=capture.port,
        ssl_context=server_context,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=False,  # encrypted from the first byte; aiosmtpd cannot tell
    )
    controller.start()
    yield SecureServer(capture, client_context, capture.port)
    controller.stop()


def secure_mailbox(
    database: Database, tenant: TenantHandle, server: SecureServer, **fields: Any
) -> Mailbox:
    values: dict[str, Any] = {
        "smtp_host": "localhost",
        "smtp_port": server.port,
        "smtp_username": USER,
        "smtp_password": PASSWORD,
        **fields,
    }
    with database.tenant_unit(tenant.id) as session:
        return mailboxes.create_mailbox(session, address=f"care@{tenant.slug}.example", **values)


def reply_to(tenant: TenantHandle) -> OutboundMessage:
    return OutboundMessage(
        tenant_id=tenant.id,
        message_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
        conversation_number=77,
        channel=Channel.EMAIL,
        recipient_kind=IdentityKind.EMAIL,
        recipient="wei@customer.example",
        subject="网络故障",
        text="我们已安排工程师上门检修。",
    )


def test_starttls_with_login_delivers(
    database: Database, tenant: TenantHandle, starttls_server: SecureServer
) -> None:
    secure_mailbox(database, tenant, starttls_server, smtp_security=TransportSecurity.STARTTLS)
    adapter = EmailAdapter(lambda: database, tls_context=starttls_server.client_context)

    receipt = adapter.send(reply_to(tenant))

    (raw,) = starttls_server.capture.messages_to("wei@customer.example")
    assert receipt.external_id is not None and receipt.external_id.encode() in raw


def test_implicit_tls_with_login_delivers(
    database: Database, tenant: TenantHandle, implicit_tls_server: SecureServer
) -> None:
    secure_mailbox(database, tenant, implicit_tls_server, smtp_security=TransportSecurity.TLS)
    adapter = EmailAdapter(lambda: database, tls_context=implicit_tls_server.client_context)

    adapter.send(reply_to(tenant))

    assert len(implicit_tls_server.capture.messages_to("wei@customer.example")) == 1


def test_wrong_password_is_retried_not_dropped(
    database: Database, tenant: TenantHandle, starttls_server: SecureServer
) -> None:
    secure_mailbox(
        database,
        tenant,
        starttls_server,
        smtp_security=TransportSecurity.STARTTLS,
        smtp_password="wrong",
    )
    adapter = EmailAdapter(lambda: database, tls_context=starttls_server.client_context)

    with pytest.raises(DeliveryError) as failure:
        adapter.send(reply_to(tenant))

    assert failure.value.permanent is False  # someone can fix the password within the retries
    assert starttls_server.capture.messages_to("wei@customer.example") == []


def test_untrusted_certificate_is_refused(
    database: Database, tenant: TenantHandle, starttls_server: SecureServer
) -> None:
    secure_mailbox(database, tenant, starttls_server, smtp_security=TransportSecurity.STARTTLS)
    adapter = EmailAdapter(lambda: database)  # the system trust store does not know the test CA

    with pytest.raises(DeliveryError):
        adapter.send(reply_to(tenant))

    assert starttls_server.capture.messages_to("wei@customer.example") == []
