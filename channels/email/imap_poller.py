"""IMAP polling: fetch new mail from tenants' existing mailboxes and hand each message on.

Guarantees, per mailbox:

- **At least once, in UID order.** A message is handed to ``deliver`` before the mailbox's
  ``imap_last_uid`` moves past it, and the position is committed after every message, so a
  crash mid-batch re-sends at most the one message in hand; the inbound path is idempotent on
  Message-ID and absorbs it.
- **UIDVALIDITY.** If the folder's UIDVALIDITY differs from the one stored, the server has
  renumbered the folder (restored, recreated, migrated): the old position means nothing, so
  polling starts again from UID 1 and relies on the same Message-ID idempotency downstream.
- **Processed mail** is moved to ``imap_processed_folder`` (created if missing) when set,
  else flagged ``\\Seen``; fetching uses ``BODY.PEEK[]`` so nothing is marked before delivery.
- **Server restarts** cost nothing: the state lives in the database, not the connection.

Passwords come from the Mailbox row for now; they move to the secret store with the identity
issue. The poller does not care what ``deliver`` does with the bytes (in production it is
``channels.email.inbound.receive_email``, see ``deliver_to_inbound``).
"""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
import structlog
from sqlmodel import col, select

from channels.email.imap_client import ImapSession, ImapSettings
from channels.email.inbound import receive_email
from core.clock import utcnow
from core.db import Database
from core.models.mailbox import Mailbox
from core.storage import BlobStore

DEFAULT_INTERVAL_SECONDS = 30.0
DEFAULT_BATCH_SIZE = 50
MAX_BACKOFF_SECONDS = 15 * 60.0
CONNECT_TIMEOUT_SECONDS = 30.0

Deliver = Callable[[Mailbox, bytes], object]

log = structlog.get_logger(__name__)


class MailboxNotPollable(LookupError):
    """The mailbox is missing, inactive, or has no IMAP host and credentials."""


@dataclass(frozen=True, slots=True)
class PollResult:
    fetched: int
    delivered: int
    last_uid: int


def poll_mailbox(
    database: Database,
    *,
    tenant_id: uuid.UUID,
    mailbox_id: uuid.UUID,
    deliver: Deliver,
    ssl_context: ssl.SSLContext | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    timeout: float = CONNECT_TIMEOUT_SECONDS,
) -> PollResult:
    """Fetch up to ``batch_size`` new messages, deliver each, mark it processed, record the UID.

    Raises ``OSError``/``ImapError`` for connection and server failures and whatever
    ``deliver`` raises (infrastructure failures); the position of delivered mail is kept.
    """
    mailbox = _load(database, tenant_id, mailbox_id)
    settings = _settings_of(mailbox)
    with ImapSession(settings, ssl_context=ssl_context, timeout=timeout) as session:
        last_uid = mailbox.imap_last_uid
        if mailbox.imap_uidvalidity != session.uidvalidity:
            if mailbox.imap_uidvalidity is not None:
                log.warning(
                    "imap.uidvalidity_changed",
                    tenant_id=str(tenant_id),
                    mailbox_id=str(mailbox_id),
                    stored=mailbox.imap_uidvalidity,
                    server=session.uidvalidity,
                )
            last_uid = 0
            _record_position(database, mailbox, session.uidvalidity, last_uid)
        if settings.processed_folder:
            session.ensure_folder(settings.processed_folder)
        uids = session.uids_after(last_uid)[:batch_size]
        delivered = 0
        for uid in uids:
            raw = session.fetch(uid)
            if raw is not None:
                deliver(mailbox, raw)
                session.mark_processed(uid)
                delivered += 1
            last_uid = uid
            _record_position(database, mailbox, session.uidvalidity, last_uid)
        if not uids:
            _record_position(database, mailbox, session.uidvalidity, last_uid)
    if uids:
        log.info(
            "imap.polled",
            tenant_id=str(tenant_id),
            mailbox_id=str(mailbox_id),
            fetched=len(uids),
            delivered=delivered,
            last_uid=last_uid,
        )
    return PollResult(fetched=len(uids), delivered=delivered, last_uid=last_uid)


def _load(database: Database, tenant_id: uuid.UUID, mailbox_id: uuid.UUID) -> Mailbox:
    with database.tenant_unit(tenant_id) as session:
        mailbox = session.get(Mailbox, (tenant_id, mailbox_id))
    if mailbox is None or not mailbox.active or not mailbox.imap_host:
        raise MailboxNotPollable(f"mailbox {mailbox_id} is not set up for IMAP polling")
    return mailbox


def _settings_of(mailbox: Mailbox) -> ImapSettings:
    if not mailbox.imap_host or not mailbox.imap_username or mailbox.imap_password is None:
        raise MailboxNotPollable(f"mailbox {mailbox.id} lacks an IMAP host or credentials")
    return ImapSettings(
        host=mailbox.imap_host,
        port=mailbox.imap_port,
        security=mailbox.imap_security,
        username=mailbox.imap_username,
        password=mailbox.imap_password,
        folder=mailbox.imap_folder,
        processed_folder=mailbox.imap_processed_folder,
    )


def _record_position(database: Database, mailbox: Mailbox, uidvalidity: int, uid: int) -> None:
    """Commit how far this mailbox has been read; one short transaction per call."""
    with database.tenant_unit(mailbox.tenant_id) as session:
        session.execute(
            sa.update(Mailbox)
            .where(col(Mailbox.id) == mailbox.id)
            .values(imap_uidvalidity=uidvalidity, imap_last_uid=uid, imap_polled_at=utcnow())
        )


def deliver_to_inbound(database: Database, store: BlobStore) -> Deliver:
    """The production ``deliver``: the email channel's single inbound path."""

    def deliver(mailbox: Mailbox, raw: bytes) -> object:
        return receive_email(database, mailbox=mailbox, raw=raw, source="imap", store=store)

    return deliver


@dataclass(slots=True)
class MailboxHealth:
    """How polling one mailbox is going; ``next_attempt_at`` is on the monotonic clock."""

    attempts: int = 0
    failures: int = 0
    next_attempt_at: float = 0.0
    last_error: str | None = None


class ImapPollers:
    """Polls every active mailbox with an ``imap_host`` in a daemon thread until stopped.

    Mailboxes are polled one after another each ``interval_seconds``. A mailbox whose poll fails
    is retried after ``interval_seconds`` doubled per consecutive failure (capped), while the
    others carry on; every failure is logged and none ends the loop.
    """

    def __init__(
        self,
        database: Database,
        *,
        deliver: Deliver,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        max_backoff_seconds: float = MAX_BACKOFF_SECONDS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = CONNECT_TIMEOUT_SECONDS,
    ) -> None:
        self.database = database
        self.deliver = deliver
        self.interval_seconds = interval_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.batch_size = batch_size
        self.ssl_context = ssl_context
        self.timeout = timeout
        self._health: dict[uuid.UUID, MailboxHealth] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the IMAP pollers are running already")
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="imap-pollers", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Let the message in hand finish, then end the thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def health(self, mailbox_id: uuid.UUID) -> MailboxHealth:
        """A copy of one mailbox's polling health (zeros if it was never polled)."""
        with self._lock:
            current = self._health.get(mailbox_id, MailboxHealth())
            return MailboxHealth(**{name: getattr(current, name) for name in current.__slots__})

    def poll_due(self) -> None:
        """One round: poll each pollable mailbox whose backoff has passed."""
        for tenant_id, mailbox_id in self._pollable():
            if self._stopping.is_set():
                return
            with self._lock:
                health = self._health.setdefault(mailbox_id, MailboxHealth())
                if health.next_attempt_at > time.monotonic():
                    continue
                health.attempts += 1
            self._poll_one(tenant_id, mailbox_id, health)

    def _poll_one(self, tenant_id: uuid.UUID, mailbox_id: uuid.UUID, health: MailboxHealth) -> None:
        try:
            poll_mailbox(
                self.database,
                tenant_id=tenant_id,
                mailbox_id=mailbox_id,
                deliver=self.deliver,
                ssl_context=self.ssl_context,
                batch_size=self.batch_size,
                timeout=self.timeout,
            )
        except Exception as exc:
            with self._lock:
                health.failures += 1
                delay = min(
                    self.max_backoff_seconds, self.interval_seconds * 2 ** (health.failures - 1)
                )
                health.next_attempt_at = time.monotonic() + delay
                health.last_error = f"{type(exc).__name__}: {exc}"[:500]
            log.error(
                "imap.poll_failed",
                tenant_id=str(tenant_id),
                mailbox_id=str(mailbox_id),
                failures=health.failures,
                retry_in_seconds=delay,
                error=health.last_error,
            )
            return
        with self._lock:
            if health.failures:
                log.info("imap.recovered", mailbox_id=str(mailbox_id), after=health.failures)
            health.failures = 0
            health.next_attempt_at = 0.0
            health.last_error = None

    def _pollable(self) -> list[tuple[uuid.UUID, uuid.UUID]]:
        with self.database.system_unit() as session:
            rows = session.exec(
                select(Mailbox.tenant_id, Mailbox.id)
                .where(col(Mailbox.active), col(Mailbox.imap_host).is_not(None))
                .order_by(col(Mailbox.imap_polled_at).asc().nulls_first())
            ).all()
        return [(tenant_id, mailbox_id) for tenant_id, mailbox_id in rows]

    def _run(self) -> None:
        log.info("imap.pollers_started", interval_seconds=self.interval_seconds)
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                self.poll_due()
            except Exception:
                log.exception("imap.round_failed")
            elapsed = time.monotonic() - started
            self._stopping.wait(max(0.0, self.interval_seconds - elapsed))
        log.info("imap.pollers_stopped")
