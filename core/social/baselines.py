"""Baselines for spike detection, read once per series and five-minute bucket.

A baseline lies wholly in the past, so it is kept in this process for a minute: under a storm
a monitor is evaluated after every batch, and each evaluation then reads only the current
window's dozen buckets (for all the batch's monitors in one query).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, func

from core.db import session_tenant
from core.models.social import VolumeBucket
from core.social import detectors, volume

BASELINE_TTL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class WindowFigures:
    """The current window of one series, and the totals of its baseline windows."""

    total: int
    negative: int
    seasonal: list[int]
    recent: list[int]


def window_figures(
    session: Session, wanted: Sequence[tuple[str, timedelta]], *, now: datetime
) -> dict[str, WindowFigures]:
    """Figures per series for windows ending at ``now``: one query for every current window,
    and one per series whose baseline this process has not read in the last minute."""
    tenant_id = session_tenant(session)
    current = {series: volume.window_starts(now, window) for series, window in wanted}
    baselines: dict[str, tuple[list[int], list[int]]] = {}
    for series, window in wanted:
        key = (tenant_id, series, current[series][0], window)
        cached = _baselines.get(key)
        if cached is None:
            cached = _read_baseline(session, series, now, window)
            _baselines.put(key, cached)
        baselines[series] = cached
    counts = volume.read_buckets(
        session, series=current, starts={s for starts in current.values() for s in starts}
    )
    figures = {}
    for series, starts in current.items():
        found = [counts.get((series, s), (0, 0)) for s in starts]
        seasonal, recent = baselines[series]
        figures[series] = WindowFigures(
            sum(t for t, _ in found), sum(n for _, n in found), seasonal, recent
        )
    return figures


def _read_baseline(
    session: Session, series: str, now: datetime, window: timedelta
) -> tuple[list[int], list[int]]:
    windows = detectors.baseline_windows(now, window, series_start=_series_start(session, series))
    past = volume.read_buckets(session, series=[series], starts=windows.all_starts())

    def total(starts: list[datetime]) -> int:
        return sum(past.get((series, s), (0, 0))[0] for s in starts)

    return [total(w) for w in windows.seasonal], [total(w) for w in windows.recent]


def _series_start(session: Session, series: str) -> datetime | None:
    started: datetime | None = session.execute(
        sa.select(func.min(col(VolumeBucket.bucket_start))).where(
            col(VolumeBucket.series) == series
        )
    ).scalar_one()
    return None if started is None else volume.bucket_start(started)


class _BaselineCache:
    """Baseline totals by (tenant, series, current bucket, window), for ``BASELINE_TTL``."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[tuple[Any, ...], tuple[float, tuple[list[int], list[int]]]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> tuple[list[int], list[int]] | None:
        with self._lock:
            item = self._items.get(key)
        if item is None or time.monotonic() - item[0] > BASELINE_TTL_SECONDS:
            return None
        return item[1]

    def put(self, key: tuple[Any, ...], value: tuple[list[int], list[int]]) -> None:
        with self._lock:
            if len(self._items) >= self._size:
                self._items.clear()
            self._items[key] = (time.monotonic(), value)


_baselines = _BaselineCache()
