"""Running the platform in one process: API over uvicorn, plus embedded workers when no broker.

The inbound SMTP listener runs here too (SMTP_LISTEN_HOST/PORT; an empty port disables it),
and Channel.EMAIL is served by the SMTP adapter.

With BROKER_URL set, this process only relays the outbox; ``switchboard worker`` processes run
the jobs. Without it, worker threads run here too (the embedded default).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Protocol

import structlog
import uvicorn

from api.app import create_app
from channels.defaults import register_default_adapters
from channels.email.imap_poller import ImapPollers, deliver_to_inbound
from channels.email.register import register_email_adapter
from channels.email.smtp_listener import SmtpListener
from channels.social.adapter import register_social_adapter
from core import sentiment
from core.db import Database, use_database
from core.settings import Settings
from core.storage import LocalFolderStore
from workers.broker import setup_broker
from workers.embedded import EmbeddedWorkers
from workers.relay import OutboxRelay

log = structlog.get_logger(__name__)


class Service(Protocol):
    """Something that runs beside the HTTP server, started before it and stopped after."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


def run_server(
    settings: Settings, database: Database, *, on_started: Callable[[], None] | None = None
) -> None:
    """Serve until interrupted; workers and relay start before and stop after the server."""
    use_database(database)
    register_email_adapter(settings.var_dir / "outbound")
    register_social_adapter()
    threading.Thread(target=sentiment.warm_up, name="sentiment-warm-up", daemon=True).start()
    register_default_adapters(settings.var_dir / "outbound")
    store = LocalFolderStore(settings.blob_dir)
    broker = setup_broker(settings.broker_url)
    background: EmbeddedWorkers | OutboxRelay
    if settings.broker_url is None:
        background = EmbeddedWorkers(database, threads=settings.worker_threads, broker=broker)
    else:
        background = OutboxRelay(database, broker)
    app = create_app(
        database,
        health_checks={"broker": lambda: _broker_reachable(settings.broker_url)},
        blob_store=store,
    )
    services: list[Service] = [background]
    if settings.smtp_listen_port:
        services.append(
            SmtpListener(
                database,
                store,
                host=settings.smtp_listen_host,
                port=settings.smtp_listen_port,
                max_message_bytes=settings.smtp_max_message_bytes,
            )
        )
    if settings.imap_poll_seconds:
        services.append(
            ImapPollers(
                database,
                deliver=deliver_to_inbound(database, store),
                interval_seconds=settings.imap_poll_seconds,
            )
        )
    if on_started is not None:
        app.on_startup.append(on_started)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_config=None, access_log=False
        )
    )
    for service in services:
        service.start()
    freeze_startup_heap()
    log.info("server.starting", host=settings.host, port=settings.port, backend=database.backend)
    try:
        server.run()
    finally:
        for service in reversed(services):
            service.stop()
        log.info("server.stopped")


def freeze_startup_heap() -> None:
    """Exempt what is loaded at start from garbage collection: libraries, the sentiment
    lexicon and the Dash app live as long as the process, and a full collection walking them
    stalled a dashboard request for ~250 ms every few seconds (~40 ms once frozen)."""
    gc.collect()
    gc.freeze()


def _broker_reachable(url: str | None) -> bool:
    if url is None:
        return True
    if url.startswith("redis"):
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    connection.close()
    return True
