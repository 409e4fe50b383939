"""IMAP polling against a real Dovecot on loopback (see dovecot.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select
from structlog.testing import CapturingLogger

from channels.email import imap_poller
from channels.email.imap_poller import ImapPollers, deliver_to_inbound, poll_mailbox
from core.db import Database
from core.models.inbound_record import InboundRecord, InboundState
from core.models.mailbox import Mailbox, TransportSecurity
from core.models.message import Message
from core.storage import LocalFolderStore
from tests.channels.email.dovecot import DovecotServer, dovecot, free_port, quote
from tests.conftest import TenantHandle, make_tenant

__all__ = ["dovecot"]  # the fixture, imported for pytest to find

pytestmark = pytest.mark.timeout(30)

ImapMailboxFactory = Callable[..., Mailbox]


def make_message(subject: str = "Printer on fire") -> tuple[str, bytes]:
    """A customer's email as raw bytes, and its Message-ID."""
    message = EmailMessage()
    message_id = f"<{uuid.uuid4().hex}@customer.example>"
    message["From"] = "Casey Customer <casey@customer.example>"
    message["To"] = "support@acme.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content("Hello, it is still on fire.\n")
    return message_id, message.as_bytes(policy=email.policy.SMTP)


class RecordingDeliver:
    """A ``deliver`` that remembers what it was handed."""

    def __init__(self) -> None:
        self.received: list[tuple[Mailbox, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, mailbox: Mailbox, raw: bytes) -> object:
        with self._lock:
            self.received.append((mailbox, raw))
        return None

    def message_ids(self, mailbox: Mailbox | None = None) -> list[str]:
        with self._lock:
            return [
                str(email.message_from_bytes(raw)["Message-ID"])
                for got, raw in self.received
                if mailbox is None or got.id == mailbox.id
            ]


def wait_until(condition: Callable[[], bool], timeout: float = 8.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def make_imap_mailbox(database: Database, dovecot: DovecotServer) -> Iterator[ImapMailboxFactory]:
    """Mailboxes reading their own fresh folder on the test Dovecot; deactivated afterwards so
    pollers in later tests leave them alone."""
    made: list[Mailbox] = []

    def factory(
        tenant: TenantHandle,
        *,
        user: str = "alice",
        security: TransportSecurity = TransportSecurity.TLS,
        processed_folder: str | None = None,
        port: int | None = None,
    ) -> Mailbox:
        default_port = (
            dovecot.imaps_port if security is TransportSecurity.TLS else dovecot.imap_port
        )
        mailbox = Mailbox(
            tenant_id=tenant.id,
            address=f"support-{uuid.uuid4().hex[:12]}@{tenant.slug}.example",
            imap_host=dovecot.host,
            imap_port=port or default_port,
            imap_security=security,
            imap_username=user,
            imap_password=dovecot.users[user],
            imap_folder=f"Support {uuid.uuid4().hex[:8]}",
            imap_processed_folder=processed_folder,
        )
        with database.tenant_unit(tenant.id) as session:
            session.add(mailbox)
        made.append(mailbox)
        if port is None:
            dovecot.create_folder(user, mailbox.imap_folder)
        return mailbox

    yield factory
    with database.system_unit() as session:
        session.execute(
            sa.update(Mailbox).where(col(Mailbox.id).in_([m.id for m in made])).values(active=False)
        )


def stored(database: Database, mailbox: Mailbox) -> Mailbox:
    with database.tenant_unit(mailbox.tenant_id) as session:
        row = session.get(Mailbox, (mailbox.tenant_id, mailbox.id))
    assert row is not None
    return row


def append(dovecot: DovecotServer, mailbox: Mailbox, subject: str = "Help") -> str:
    assert mailbox.imap_username is not None
    message_id, raw = make_message(subject)
    dovecot.append(mailbox.imap_username, mailbox.imap_folder, raw)
    return message_id


@pytest.mark.parametrize(
    "security", [TransportSecurity.TLS, TransportSecurity.STARTTLS, TransportSecurity.NONE]
)
def test_new_messages_are_delivered_once_and_flagged_seen(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
    security: TransportSecurity,
) -> None:
    mailbox = make_imap_mailbox(tenant, security=security)
    sent = [append(dovecot, mailbox, "one"), append(dovecot, mailbox, "two")]
    deliver = RecordingDeliver()

    first = poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=deliver,
        ssl_context=dovecot.ssl_context(),
    )
    again = poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=deliver,
        ssl_context=dovecot.ssl_context(),
    )

    assert (first.fetched, first.delivered, first.last_uid) == (2, 2, 2)
    assert (again.fetched, again.delivered, again.last_uid) == (0, 0, 2)
    assert deliver.message_ids() == sent
    assert dovecot.uids("alice", mailbox.imap_folder, "SEEN") == [1, 2]


def test_tls_to_an_untrusted_certificate_is_refused(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
) -> None:
    mailbox = make_imap_mailbox(tenant, security=TransportSecurity.STARTTLS)
    append(dovecot, mailbox)
    deliver = RecordingDeliver()

    with pytest.raises(ssl.SSLCertVerificationError):
        poll_mailbox(database, tenant_id=tenant.id, mailbox_id=mailbox.id, deliver=deliver)

    assert deliver.received == []
    assert dovecot.uids("alice", mailbox.imap_folder, "UNSEEN") == [1]


def test_last_uid_is_kept_in_the_database_across_pollers(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
) -> None:
    mailbox = make_imap_mailbox(tenant)
    first_id = append(dovecot, mailbox)
    first_deliver, second_deliver = RecordingDeliver(), RecordingDeliver()
    poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=first_deliver,
        ssl_context=dovecot.ssl_context(),
        batch_size=1,
    )
    later = [append(dovecot, mailbox), append(dovecot, mailbox)]

    batch = poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=second_deliver,
        ssl_context=dovecot.ssl_context(),
        batch_size=1,
    )
    rest = poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=second_deliver,
        ssl_context=dovecot.ssl_context(),
    )

    assert first_deliver.message_ids() == [first_id]
    assert (batch.fetched, rest.fetched) == (1, 1)
    assert second_deliver.message_ids() == later
    row = stored(database, mailbox)
    assert row.imap_last_uid == 3
    assert row.imap_uidvalidity is not None
    assert row.imap_polled_at is not None


def test_processed_mail_is_moved_to_the_processed_folder(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
) -> None:
    done = f"Done {uuid.uuid4().hex[:8]}"
    mailbox = make_imap_mailbox(tenant, processed_folder=done)
    sent = [append(dovecot, mailbox), append(dovecot, mailbox)]
    deliver = RecordingDeliver()

    result = poll_mailbox(
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=deliver,
        ssl_context=dovecot.ssl_context(),
    )

    assert result.delivered == 2
    assert deliver.message_ids() == sent
    assert dovecot.uids("alice", mailbox.imap_folder) == []
    assert len(dovecot.uids("alice", done)) == 2


def test_uidvalidity_change_starts_over_from_the_first_uid(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
) -> None:
    mailbox = make_imap_mailbox(tenant)
    old = [append(dovecot, mailbox), append(dovecot, mailbox)]
    deliver = RecordingDeliver()
    poll = lambda: poll_mailbox(  # noqa: E731
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=deliver,
        ssl_context=dovecot.ssl_context(),
    )
    poll()
    before = stored(database, mailbox).imap_uidvalidity
    client = dovecot.connect("alice")
    client.delete(quote(mailbox.imap_folder))
    client.logout()
    dovecot.create_folder("alice", mailbox.imap_folder)
    renumbered = append(dovecot, mailbox)  # UID 1 again, below the stored last UID of 2

    result = poll()

    assert (result.fetched, result.last_uid) == (1, 1)
    assert deliver.message_ids() == [*old, renumbered]
    assert stored(database, mailbox).imap_uidvalidity not in (None, before)


def test_dovecot_restart_between_polls_loses_and_duplicates_nothing(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
) -> None:
    mailbox = make_imap_mailbox(tenant)
    deliver = RecordingDeliver()
    pollers = ImapPollers(
        database, deliver=deliver, interval_seconds=0.1, ssl_context=dovecot.ssl_context()
    )
    sent = [append(dovecot, mailbox), append(dovecot, mailbox)]
    pollers.start()
    try:
        wait_until(lambda: len(deliver.message_ids(mailbox)) == 2)
        dovecot.stop()
        wait_until(lambda: pollers.health(mailbox.id).failures >= 1)
        dovecot.start()
        sent.append(append(dovecot, mailbox))
        wait_until(lambda: len(deliver.message_ids(mailbox)) == 3)
        time.sleep(0.3)  # a few more rounds, which must find nothing new
    finally:
        pollers.stop()
        if dovecot.process is None:
            dovecot.start()

    assert deliver.message_ids(mailbox) == sent
    assert pollers.health(mailbox.id).failures == 0


def test_refused_connection_is_logged_and_backed_off_while_others_are_polled(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger = CapturingLogger()
    monkeypatch.setattr(imap_poller, "log", logger)
    broken = make_imap_mailbox(tenant, port=free_port())
    working = make_imap_mailbox(tenant)
    deliver = RecordingDeliver()
    pollers = ImapPollers(
        database, deliver=deliver, interval_seconds=0.1, ssl_context=dovecot.ssl_context()
    )
    pollers.start()
    try:
        time.sleep(1.0)
        sent = append(dovecot, working)
        wait_until(lambda: deliver.message_ids(working) == [sent])
        health = pollers.health(broken.id)
        assert pollers._thread is not None and pollers._thread.is_alive()
    finally:
        pollers.stop()

    # without backoff ~10 rounds would have tried it; with it, 0.1 + 0.2 + 0.4 + 0.8 s apart
    assert 2 <= health.attempts <= 5
    assert health.failures == health.attempts
    assert health.last_error is not None and "ConnectionRefusedError" in health.last_error
    failures = [call for call in logger.calls if call.args == ("imap.poll_failed",)]
    assert len(failures) == health.failures
    assert {call.kwargs["mailbox_id"] for call in failures} == {str(broken.id)}
    assert [call.kwargs["retry_in_seconds"] for call in failures][:3] == [0.1, 0.2, 0.4]


def test_each_tenants_mailbox_is_polled_into_its_own_tenant(
    database: Database, dovecot: DovecotServer, make_imap_mailbox: ImapMailboxFactory
) -> None:
    acme, globex = make_tenant(database, prefix="acme"), make_tenant(database, prefix="globex")
    acme_mailbox = make_imap_mailbox(acme, user="alice")
    globex_mailbox = make_imap_mailbox(globex, user="bob")
    acme_sent = append(dovecot, acme_mailbox)
    globex_sent = append(dovecot, globex_mailbox)
    deliver = RecordingDeliver()

    ImapPollers(database, deliver=deliver, ssl_context=dovecot.ssl_context()).poll_due()

    by_tenant = {
        mailbox.tenant_id: email.message_from_bytes(raw)["Message-ID"]
        for mailbox, raw in deliver.received
        if mailbox.id in (acme_mailbox.id, globex_mailbox.id)
    }
    assert by_tenant == {acme.id: acme_sent, globex.id: globex_sent}
    assert stored(database, acme_mailbox).imap_last_uid == 1
    assert stored(database, globex_mailbox).imap_last_uid == 1


def test_polled_mail_is_ingested_once_even_when_fetched_twice(
    database: Database,
    tenant: TenantHandle,
    dovecot: DovecotServer,
    make_imap_mailbox: ImapMailboxFactory,
    tmp_path: Path,
) -> None:
    mailbox = make_imap_mailbox(tenant)
    message_id = append(dovecot, mailbox, "Refund please")
    deliver = deliver_to_inbound(database, LocalFolderStore(tmp_path))
    poll = lambda: poll_mailbox(  # noqa: E731
        database,
        tenant_id=tenant.id,
        mailbox_id=mailbox.id,
        deliver=deliver,
        ssl_context=dovecot.ssl_context(),
    )
    poll()
    with database.tenant_unit(tenant.id) as session:  # a crash before the position was saved
        session.execute(
            sa.update(Mailbox).where(col(Mailbox.id) == mailbox.id).values(imap_last_uid=0)
        )

    poll()

    with database.tenant_unit(tenant.id) as session:
        states = session.exec(
            select(InboundRecord.state, InboundRecord.source)
            .where(col(InboundRecord.mailbox_id) == mailbox.id)
            .order_by(col(InboundRecord.created_at))
        ).all()
        messages = session.exec(select(Message).where(col(Message.external_id) == message_id)).all()
    assert [tuple(row) for row in states] == [
        (InboundState.INGESTED, "imap"),
        (InboundState.DUPLICATE, "imap"),
    ]
    assert len(messages) == 1
    assert "still on fire" in messages[0].text
