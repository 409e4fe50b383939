"""Inbound SMTP: an aiosmtpd listener that takes mail for our tenants' mailboxes.

Answers: RCPT for an address no mailbox has → 550; a declared size over the listener's limit
(aiosmtpd, from ``data_size_limit``) or the recipient mailbox's → 552; DATA → 250 only after
the raw message is committed for every accepted recipient (each tenant its own record), 451
when that could not be done, so the sending server keeps the mail and retries. Database work
runs on a thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from channels.email.inbound import receive_email
from core import mailboxes
from core.db import Database
from core.models.mailbox import Mailbox
from core.storage import BlobStore

log = structlog.get_logger(__name__)

SOURCE = "smtp"


def _declared_size(envelope: Envelope) -> int | None:
    for option in envelope.mail_options:
        name, _, value = option.partition("=")
        if name.upper() == "SIZE" and value.isdigit():
            return int(value)
    return None


class MailboxHandler:
    """aiosmtpd handler: recipients are our mailboxes, DATA is stored through receive_email."""

    def __init__(self, database: Database, store: BlobStore, executor: ThreadPoolExecutor) -> None:
        self.database = database
        self.store = store
        self.executor = executor

    async def _blocking(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    def _lookup(self, addresses: list[str]) -> dict[str, Mailbox]:
        with self.database.system_session() as session:
            return mailboxes.find_by_addresses(session, addresses)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            found: dict[str, Mailbox] = await self._blocking(self._lookup, [address])
        except Exception:
            log.exception("smtp.lookup_failed", recipient=address)
            return "451 4.3.0 Temporary failure, please try again later"
        mailbox = found.get(mailboxes.normalize_address(address))
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        size = _declared_size(envelope)
        if size is not None and size > mailbox.max_message_bytes:
            return "552 5.3.4 Message too big for this mailbox"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)  # decode_data=False
        try:
            return str(await self._blocking(self._deliver, list(envelope.rcpt_tos), raw))
        except Exception:
            log.exception("smtp.store_failed", recipients=envelope.rcpt_tos, size=len(raw))
            return "451 4.3.0 Temporary failure, please try again later"

    def _deliver(self, recipients: list[str], raw: bytes) -> str:
        found = self._lookup(recipients)
        targets = list(found.values())
        if not targets:  # deactivated between RCPT and DATA
            return "550 5.1.1 No such mailbox here"
        if all(len(raw) > mailbox.max_message_bytes for mailbox in targets):
            return "552 5.3.4 Message too big for this mailbox"
        for mailbox in targets:  # one too small for it keeps a ``rejected`` record
            receive_email(self.database, mailbox=mailbox, raw=raw, source=SOURCE, store=self.store)
        return "250 2.0.0 OK: queued"


class SmtpListener:
    """The listener and its thread pool; ``start`` and ``stop`` them together.

    ``port`` 0 picks a free loopback port (tests); the bound one is in ``port`` after start.
    """

    def __init__(
        self,
        database: Database,
        store: BlobStore,
        *,
        host: str,
        port: int,
        max_message_bytes: int,
        threads: int = 8,
    ) -> None:
        self.host = host
        self.port = port or _free_port(host)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="smtp-intake")
        self.handler = MailboxHandler(database, store, self.executor)
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=self.port,
            data_size_limit=max_message_bytes,
            enable_SMTPUTF8=True,
            ident="Switchboard ESMTP",
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> None:
        self.controller.start()
        log.info("smtp.listening", host=self.host, port=self.port)

    def stop(self) -> None:
        """Stop accepting; sessions in DATA finish their database work first."""
        self.controller.stop()
        self.executor.shutdown(wait=True)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
