"""Email: parsing rate, and mail per second from an SMTP client to conversations on PostgreSQL.

``parse_per_s``: parse_email over the test corpus (tests/channels/email/corpus) and CPython's
test_email messages, repeated. ``smtp_e2e_per_s``: messages sent with smtplib (a few clients
in parallel, one connection each, many messages per connection as relays send) to the
running aiosmtpd listener, counted until every one is a stored conversation message in
PostgreSQL — raw record, parse, ingest and the acknowledgement's outbox job included.

    uv run python -m benchmarks.email [--quick]
"""

from __future__ import annotations

import argparse
import smtplib
import sysconfig
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import sqlalchemy as sa
from rich.progress import Progress

from benchmarks._support import emit, scratch_database
from channels.email.parsing import parse_email
from channels.email.smtp_listener import SmtpListener
from core import mailboxes, tenants
from core.db import Database
from core.logs import configure_logging
from core.models import Message, MessageDirection
from core.storage import LocalFolderStore

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "channels" / "email" / "corpus"
CLIENTS = 4


def corpus() -> list[bytes]:
    stdlib = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    files = sorted(CORPUS.glob("*.eml")) + sorted(stdlib.glob("msg_*.txt"))
    return [path.read_bytes() for path in files]


def parse_rate(messages: list[bytes], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        for raw in messages:
            parse_email(raw)
    return rounds * len(messages) / (time.perf_counter() - started)


MAILS_PER_SENDER = 5
WAIT_SECONDS = 120.0


def customer_mail(to: str, i: int) -> EmailMessage:
    message = EmailMessage()
    sender = i // MAILS_PER_SENDER  # stays under the per-sender loop limit, as real customers do
    message["From"] = f"Customer {sender} <customer{sender}@example.com>"
    message["To"] = to
    message["Subject"] = f"Invoice question {i}"
    message["Message-ID"] = make_msgid(domain="bench.example")
    message.set_content(
        "Hello, my invoice for March is twice the usual amount. 三月账单金额是平时的两倍。\n\n"
        "> earlier quoted text that the parser cuts off\n"
    )
    return message


def inbound_count(database: Database, tenant_id: uuid.UUID) -> int:
    with database.tenant_session(tenant_id) as session:
        query = (
            sa.select(sa.func.count())
            .select_from(Message)
            .where(sa.column("direction") == MessageDirection.INBOUND.value)
        )
        return int(session.execute(query).scalar_one())


def smtp_rate(database: Database, count: int, progress: Progress) -> float:
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(session, slug=f"mail-{uuid.uuid4().hex[:8]}", name="M").id
    with database.tenant_unit(tenant_id) as session:
        address = mailboxes.create_mailbox(
            session, address=f"bench-{uuid.uuid4().hex[:6]}@x.example"
        ).address
    mails = [customer_mail(address, i) for i in range(count)]
    with tempfile.TemporaryDirectory() as blobs:
        listener = SmtpListener(
            database,
            LocalFolderStore(Path(blobs)),
            host="127.0.0.1",
            port=0,
            max_message_bytes=10 * 1024 * 1024,
        )
        listener.start()
        task = progress.add_task(f"smtp on {database.backend}", total=count)

        def send(batch: list[EmailMessage]) -> None:
            with smtplib.SMTP(listener.host, listener.port, timeout=30) as client:
                for mail in batch:
                    client.send_message(mail)
                    progress.advance(task)

        try:
            started = time.perf_counter()
            with ThreadPoolExecutor(CLIENTS) as pool:
                list(pool.map(send, [mails[i::CLIENTS] for i in range(CLIENTS)]))
            deadline = time.monotonic() + WAIT_SECONDS
            while inbound_count(database, tenant_id) < count:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"only {inbound_count(database, tenant_id)} of {count} stored"
                    )
                time.sleep(0.01)
            return count / (time.perf_counter() - started)
        finally:
            listener.stop()


def main() -> None:
    configure_logging(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run, under a minute")
    args = parser.parse_args()
    messages = corpus()
    count = 300 if args.quick else 3000
    figures: dict[str, float | int] = {
        "parse_per_s": parse_rate(messages, 5 if args.quick else 50),
        "corpus_messages": len(messages),
    }
    with Progress(transient=True) as progress, scratch_database("postgresql") as database:
        figures["smtp_e2e_per_s"] = smtp_rate(database, count, progress)
    figures["smtp_messages"] = count
    emit({k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()})


if __name__ == "__main__":
    main()
