"""Structured logging, configured once per process: JSON lines in production, console in dev."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Client libraries that log request headers (bearer tokens) or full URLs at DEBUG.
SECRET_LEAKING_LOGGERS = (
    "tweepy",
    "urllib3",
    "requests_oauthlib",
    "oauthlib",
    "httpx",
    "httpcore",
    "authlib",
)
SECRET_NAME = re.compile(r"password|secret|token|authorization|cookie|api_key|credential", re.I)
REDACTED = "[redacted]"


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """No secret reaches a log: a field named like one is masked, however it got there."""
    for key in list(event):
        if key != "event" and SECRET_NAME.search(key):
            event[key] = REDACTED
    return event


def configure_logging(*, level: str = "INFO", json: bool = False) -> None:
    """Route structlog and stdlib logging through one renderer, filtered by level."""
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_secrets,
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if json
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(),
            # rich tracebacks print local variables, which can hold credentials
            exception_formatter=structlog.dev.plain_traceback,
        )
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(
        level=numeric_level, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s"
    )
    for name in SECRET_LEAKING_LOGGERS:  # never below INFO, whatever the process level
        logging.getLogger(name).setLevel(max(numeric_level, logging.INFO))
