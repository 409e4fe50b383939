"""The figures behind public-opinion alerts: pure functions over counts, easy to test.

Spikes are judged against a seasonal baseline: the same window at the same time of day on the
same weekday in earlier weeks, so a Monday-evening peak that happens every Monday is no spike.
The statistic is robust: the median of those windows and their median absolute deviation
(scaled to a standard deviation), with a Poisson floor so that a quiet, flat history does not
make one extra post look like a storm. Where too few earlier weeks exist, the preceding
windows of the same day stand in (and the finding says so).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.models.social_alert import Severity
from core.social.volume import window_starts

SEASONAL_WEEKS = 8
RECENT_WINDOWS = 24
MIN_BASELINE_SAMPLES = 3
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class Baseline:
    """Windows to compare the current one with: bucket starts per earlier window."""

    seasonal: list[list[datetime]]
    recent: list[list[datetime]]

    def all_starts(self) -> set[datetime]:
        return {s for window in (*self.seasonal, *self.recent) for s in window}


def baseline_windows(
    now: datetime, window: timedelta, *, series_start: datetime | None
) -> Baseline:
    """Earlier windows that lie wholly after the series began (earlier ones are no evidence)."""

    def usable(starts: list[datetime]) -> bool:
        return series_start is not None and min(starts) >= series_start

    seasonal = [
        window_starts(now - k * timedelta(weeks=1), window) for k in range(1, SEASONAL_WEEKS + 1)
    ]
    recent = [window_starts(now - k * window, window) for k in range(1, RECENT_WINDOWS + 1)]
    return Baseline([w for w in seasonal if usable(w)], [w for w in recent if usable(w)])


@dataclass(frozen=True, slots=True)
class SpikeFinding:
    current: int
    median: float
    spread: float
    z: float
    samples: int
    baseline: str  # "seasonal" or "recent"
    severity: Severity

    def figures(self) -> dict[str, object]:
        return {
            "current": self.current,
            "baseline_median": round(self.median, 2),
            "baseline_spread": round(self.spread, 2),
            "robust_z": round(self.z, 2),
            "baseline_samples": self.samples,
            "baseline": self.baseline,
        }


def robust_z(current: float, history: Sequence[float]) -> tuple[float, float, float]:
    """(z, median, spread): how far ``current`` stands above the history, robustly."""
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    spread = max(MAD_TO_SIGMA * mad, math.sqrt(max(median, 1.0)), 1.0)
    return (current - median) / spread, median, spread


def detect_spike(
    current: int,
    *,
    seasonal: Sequence[int],
    recent: Sequence[int],
    threshold: float,
    min_volume: int,
) -> SpikeFinding | None:
    """A spike if the current window is at least ``min_volume`` and ``threshold`` robust
    deviations above its baseline; None otherwise (or when there is too little history)."""
    if current < min_volume:
        return None
    if len(seasonal) >= MIN_BASELINE_SAMPLES:
        history, kind = seasonal, "seasonal"
    elif len(recent) >= MIN_BASELINE_SAMPLES:
        history, kind = recent, "recent"
    else:
        return None
    z, median, spread = robust_z(current, history)
    if z < threshold:
        return None
    severity = (
        Severity.CRITICAL
        if z >= 4 * threshold
        else Severity.HIGH
        if z >= 2 * threshold
        else Severity.MEDIUM
    )
    return SpikeFinding(current, median, spread, z, len(history), kind, severity)


@dataclass(frozen=True, slots=True)
class ShareFinding:
    total: int
    negative: int
    share: float
    severity: Severity

    def figures(self) -> dict[str, object]:
        return {
            "posts": self.total,
            "negative": self.negative,
            "negative_share": round(self.share, 3),
        }


def detect_negative_share(
    total: int, negative: int, *, threshold: float, min_posts: int
) -> ShareFinding | None:
    """Too large a share of negative posts in the window, over enough posts to mean it."""
    if total < max(1, min_posts):
        return None
    share = negative / total
    if share < threshold:
        return None
    severity = (
        Severity.HIGH if share >= max(0.75, threshold + (1 - threshold) / 2) else Severity.MEDIUM
    )
    return ShareFinding(total, negative, share, severity)


def influencer_severity(followers: int, mark: int) -> Severity:
    """How loud one negative voice is, against the monitor's follower mark."""
    mark = max(1, mark)
    if followers >= 100 * mark:
        return Severity.CRITICAL
    if followers >= 10 * mark:
        return Severity.HIGH
    return Severity.MEDIUM
