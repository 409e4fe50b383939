"""Structured logging, configured once per process: JSON lines in production, console in dev."""

from __future__ import annotations

import logging
import sys

import structlog

# Client libraries that log request headers (bearer tokens) or full URLs at DEBUG.
SECRET_LEAKING_LOGGERS = ("tweepy", "urllib3", "requests_oauthlib", "oauthlib", "httpx", "httpcore")


def configure_logging(*, level: str = "INFO", json: bool = False) -> None:
    """Route structlog and stdlib logging through one renderer, filtered by level."""
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        numeric_level = logging.INFO
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
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
