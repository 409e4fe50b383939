"""What an actor is to the broker: its function, queue, retries and time limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[[str, str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class ActorSpec:
    """An actor and its policy: its queue (under the namespace), retries and time limit.

    The function takes ``(job_id, tenant_id, payload)`` as the outbox relay sends it.
    """

    name: str
    function: JobFunction
    queue: str
    max_retries: int
    min_backoff_ms: int
    max_backoff_ms: int
    time_limit_ms: int
