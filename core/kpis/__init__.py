"""KPIs: the one place contact-center figures are defined and computed (docs/kpis.md).

Workers keep additive rollups current (``refresh_rollups``, every 30 s); the API and the
dashboards read figures through the functions below, never from raw rows. Every function
takes a tenant session first and keyword arguments, and commits nothing.
"""

from core.kpis.executive import (
    ExecutiveComparison,
    ExecutiveKpis,
    Heatmap,
    HeatmapCell,
    compare_periods,
    executive_csv,
    executive_kpis,
    heatmap,
)
from core.kpis.formulas import HandleTime
from core.kpis.periods import Granularity, Period, buckets, tenant_timezone
from core.kpis.queue_health import QueueChannelHealth, QueueHealth, agents_by_state, queue_health
from core.kpis.rollups import RefreshResult, refresh_rollups
from core.kpis.scope import org_subtree
from core.kpis.sla_view import (
    BreachGrouping,
    BreachRatePoint,
    SlaState,
    SlaWatchItem,
    breach_rates,
    sla_watchlist,
)
from core.kpis.totals import Totals, sum_rollups

__all__ = [
    "BreachGrouping",
    "BreachRatePoint",
    "ExecutiveComparison",
    "ExecutiveKpis",
    "Granularity",
    "HandleTime",
    "Heatmap",
    "HeatmapCell",
    "Period",
    "QueueChannelHealth",
    "QueueHealth",
    "RefreshResult",
    "SlaState",
    "SlaWatchItem",
    "Totals",
    "agents_by_state",
    "breach_rates",
    "buckets",
    "compare_periods",
    "executive_csv",
    "executive_kpis",
    "heatmap",
    "org_subtree",
    "queue_health",
    "refresh_rollups",
    "sla_watchlist",
    "sum_rollups",
    "tenant_timezone",
]
