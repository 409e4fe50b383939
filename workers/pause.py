"""A test-only hook: stall a named step before it commits, so a test can kill the process there.

Set ``SWITCHBOARD_TEST_PAUSE_AT`` to an actor name (the actor stalls after its side effect,
before its transaction) or to ``relay`` (the relay stalls after the broker accepted a batch,
before marking it dispatched). Unset, as in every real deployment, this does nothing.
"""

from __future__ import annotations

import time

import structlog

from core.settings import get_settings

RELAY_STEP = "relay"
STALL_SECONDS = 30.0

log = structlog.get_logger(__name__)


def stall_for_crash_test(step: str) -> None:
    """Sleep STALL_SECONDS if the settings name this step; a no-op otherwise."""
    if get_settings().test_pause_at != step:
        return
    log.warning("test.stalled", step=step, seconds=STALL_SECONDS)
    time.sleep(STALL_SECONDS)
