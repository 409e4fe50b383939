"""Periodic work (sweeps) run by every worker process on a timer thread.

Periodic tasks are not jobs in the outbox: nothing has to commit with them. Each task must be
safe to run in several processes at once (they claim rows with conditional updates), so every
worker process can run the scheduler and a dead one costs nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from core.db import Database

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    name: str
    every_seconds: float
    run: Callable[[Database], object]


class Scheduler:
    """Runs each task every ``every_seconds`` on one daemon thread; failures are logged."""

    def __init__(self, database: Database, tasks: tuple[PeriodicTask, ...]) -> None:
        self.database = database
        self.tasks = tasks
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if not self.tasks:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="periodic", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_due(self, next_run: dict[str, float]) -> float:
        """Run the tasks whose time has come; the seconds until the next one is due."""
        now = time.monotonic()
        for task in self.tasks:
            if next_run.get(task.name, 0.0) <= now:
                try:
                    task.run(self.database)
                except Exception:
                    log.exception("periodic.failed", task=task.name)
                next_run[task.name] = time.monotonic() + task.every_seconds
        return max(0.05, min(next_run.values()) - time.monotonic())

    def _loop(self) -> None:
        next_run: dict[str, float] = {}
        while not self._stopping.is_set():
            self._stopping.wait(self.run_due(next_run))
