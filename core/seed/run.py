"""What every stage of one seeding run shares: the plan, the clock, one random source, the rows."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.seed.plan import Progress, SeedPlan
from core.seed.rows import RowWriter

T = TypeVar("T")
SECOND, MINUTE, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)
LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # the demo tenant's time zone


@dataclass
class SeedRun:
    """One run's shared state. Every stage draws from `rng`, so the stages' order is part of
    the output: the same plan and `now` give the same data only if that order stays fixed.
    """

    plan: SeedPlan
    now: datetime
    progress: Progress
    rows: RowWriter
    rng: random.Random = field(init=False)
    window_start: datetime = field(init=False)  # conversations arrive from here up to now
    founded: datetime = field(init=False)  # staff, queues and contacts exist from here on

    def __post_init__(self) -> None:
        self.rng = random.Random(self.plan.seed)
        self.window_start = self.now - timedelta(days=self.plan.days)
        self.founded = self.window_start - timedelta(days=90)

    def weighted(self, weights: dict[T, int]) -> T:
        """One key, chosen with the probability of its weight."""
        return self.rng.choices(list(weights), list(weights.values()))[0]
