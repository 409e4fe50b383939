"""Running the platform in one process: API over uvicorn, plus embedded workers when no broker.

With BROKER_URL set, this process only relays the outbox; ``switchboard worker`` processes run
the jobs. Without it, worker threads run here too (the embedded default).
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
import uvicorn

from api.app import create_app
from channels.defaults import register_default_adapters
from core.db import Database, use_database
from core.settings import Settings
from workers.broker import setup_broker
from workers.embedded import EmbeddedWorkers
from workers.relay import OutboxRelay

log = structlog.get_logger(__name__)


def run_server(
    settings: Settings, database: Database, *, on_started: Callable[[], None] | None = None
) -> None:
    """Serve until interrupted; workers and relay start before and stop after the server."""
    use_database(database)
    register_default_adapters(settings.var_dir / "outbound")
    broker = setup_broker(settings.broker_url)
    background: EmbeddedWorkers | OutboxRelay
    if settings.broker_url is None:
        background = EmbeddedWorkers(database, threads=settings.worker_threads, broker=broker)
    else:
        background = OutboxRelay(database, broker)
    app = create_app(
        database, health_checks={"broker": lambda: _broker_reachable(settings.broker_url)}
    )
    if on_started is not None:
        app.on_startup.append(on_started)
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_config=None, access_log=False
        )
    )
    background.start()
    log.info("server.starting", host=settings.host, port=settings.port, backend=database.backend)
    try:
        server.run()
    finally:
        background.stop()
        log.info("server.stopped")


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
