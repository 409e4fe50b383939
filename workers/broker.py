"""The Dramatiq broker: built from BROKER_URL, with our middleware and actors declared on it.

Like the engine, the broker is process-level: ``setup_broker`` makes it once and installs it
as Dramatiq's global, ``get_broker`` returns it (setting it up from settings on first use).
Code that needs a broker of its own (the embedded workers, tests) calls ``make_broker`` and
passes the result around instead.
"""

from __future__ import annotations

import threading

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Middleware, default_middleware

from core.settings import get_settings
from workers.actors import declare_actors

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
AMQP_SCHEMES = ("amqp://", "amqps://")

_lock = threading.Lock()
_broker: dramatiq.Broker | None = None
_broker_url: str | None = None


def make_broker(url: str | None, *, namespace: str | None = None) -> dramatiq.Broker:
    """A broker for ``url`` with every actor declared; None gives the in-process StubBroker.

    Queue names start with ``namespace`` (default: the BROKER_NAMESPACE setting). No connection
    is made yet. RabbitMQ publishes with confirms, so ``enqueue`` returning means the broker
    has the message, which is what lets the relay mark a job dispatched.
    """
    middleware = _middleware()
    broker: dramatiq.Broker
    if url is None:
        broker = StubBroker(middleware=middleware, fail_fast_default=False)
    elif url.startswith(REDIS_SCHEMES):
        broker = RedisBroker(url=url, middleware=middleware)
    elif url.startswith(AMQP_SCHEMES):
        broker = RabbitmqBroker(url=url, middleware=middleware, confirm_delivery=True)
    else:
        raise ValueError(f"BROKER_URL must be redis:// or amqp://, not {url.split(':', 1)[0]}:")
    declare_actors(broker, namespace=namespace or get_settings().broker_namespace)
    return broker


def _middleware() -> list[Middleware]:
    """Dramatiq's defaults (age and time limits, retries, ...) plus the current message, which
    actors read to tell their last attempt."""
    return [*(m() for m in default_middleware), CurrentMessage()]


def setup_broker(url: str | None, *, namespace: str | None = None) -> dramatiq.Broker:
    """Make the process's broker and install it as Dramatiq's global; once per process.

    Calling it again with the same URL returns the same broker; another URL is an error.
    """
    global _broker, _broker_url
    with _lock:
        if _broker is not None:
            if url != _broker_url:
                raise RuntimeError("this process's broker is set up for another URL")
            return _broker
        broker = make_broker(url, namespace=namespace)
        dramatiq.set_broker(broker)
        _broker, _broker_url = broker, url
        return broker


def get_broker() -> dramatiq.Broker:
    """The process's broker, set up from settings on first use."""
    if _broker is not None:
        return _broker
    settings = get_settings()
    return setup_broker(settings.broker_url, namespace=settings.broker_namespace)
