"""A worker process: relay and actors in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import structlog

from channels.defaults import register_default_adapters
from channels.email.register import register_email_adapter
from channels.social.adapter import register_social_adapter
from core import sentiment
from core.db import Database, use_database
from core.settings import Settings
from workers.broker import setup_broker
from workers.embedded import EmbeddedWorkers

log = structlog.get_logger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_worker_process(settings: Settings) -> None:
    """Relay the outbox and run actors in this process until SIGTERM or SIGINT.

    Installs its own database and the process broker (BROKER_URL; unset, an in-process broker,
    which suits a lone worker beside a SQLite database). Channels without an adapter get the
    loopback one, writing into ``<var_dir>/outbound`` (email gets its SMTP adapter). Must run on the main thread (signals);
    on a signal, jobs in progress finish before it returns.
    """
    database = Database(settings.database_url, pool_size=settings.db_pool_size)
    use_database(database)
    broker = setup_broker(settings.broker_url, namespace=settings.broker_namespace)
    register_email_adapter(settings.var_dir / "outbound")
    register_social_adapter()
    threading.Thread(target=sentiment.warm_up, name="sentiment-warm-up", daemon=True).start()
    served = register_default_adapters(settings.var_dir / "outbound")
    workers = EmbeddedWorkers(database, threads=settings.worker_threads, broker=broker)

    stopping = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("worker.stopping", signal=signal.Signals(signum).name)
        stopping.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in STOP_SIGNALS}
    workers.start()
    log.info(
        "worker.started",
        broker=type(broker).__name__,
        queues=sorted(broker.get_declared_queues()),
        threads=settings.worker_threads,
        loopback_channels=[channel.value for channel in served],
    )
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        workers.stop()
        broker.close()
        database.dispose()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("worker.stopped")
