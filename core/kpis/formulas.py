"""The KPI formulas, each written once over summed rollup counters (docs/kpis.md).

Every ratio is None when its denominator is zero: "no calls were offered" is not a service
level of 0 % nor of 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.kpis.totals import Totals
from core.models.kpi_rollup import RESOLUTION_EDGES, RESOLVED_WITHIN


def ratio(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def service_level(t: Totals) -> float | None:
    """Share of offered contacts answered within the queue's threshold."""
    return ratio(t.answered_in_threshold, t.offered)


def average_speed_of_answer(t: Totals) -> float | None:
    """Mean seconds answered contacts waited."""
    return ratio(t.answer_wait_seconds, t.answered)


def abandonment_rate(t: Totals) -> float | None:
    """Share of offered calls the caller hung up on while waiting (short abandons excluded)."""
    return ratio(t.abandoned, t.offered)


def occupancy(t: Totals) -> float | None:
    """Handle time over staffed time, at most 1 (handle time is booked when work ends)."""
    share = ratio(t.agent_handle_seconds, t.staffed_seconds)
    return None if share is None else min(1.0, share)


@dataclass(frozen=True, slots=True)
class HandleTime:
    """Average handle time and its parts, in seconds per handled (timed) contact."""

    average: float
    talk: float
    hold: float
    wrap_up: float


def handle_time(t: Totals) -> HandleTime | None:
    """AHT = (talk + hold + after-call work) / handled contacts with measured time."""
    n = t.timed_handled
    if n == 0:
        return None
    return HandleTime(
        average=(t.talk_seconds + t.hold_seconds + t.wrap_up_seconds) / n,
        talk=t.talk_seconds / n,
        hold=t.hold_seconds / n,
        wrap_up=t.wrap_up_seconds / n,
    )


def first_contact_resolution(t: Totals) -> float | None:
    return ratio(t.first_contact_resolved, t.resolved)


def transfer_rate(t: Totals) -> float | None:
    """Transfers per handled contact."""
    return ratio(t.transfers, t.handled)


def escalation_rate(t: Totals) -> float | None:
    """Escalations per handled contact."""
    return ratio(t.escalations, t.handled)


def resolution_mean_seconds(t: Totals) -> float | None:
    """Mean calendar seconds from creation to resolution, pending time included."""
    return ratio(t.resolution_seconds, t.resolved)


def resolution_mean_seconds_excluding_pending(t: Totals) -> float | None:
    return ratio(t.resolution_seconds - t.pending_seconds, t.resolved)


def resolution_median_seconds(t: Totals) -> float | None:
    """The grouped-data median of resolution time, from the cumulative histogram.

    Finds the first bin by whose upper edge half the resolutions were done and interpolates
    linearly inside it (L + (n/2 − F) / f × w), so the estimate lies in the same bin as the
    true median. When more than half took over 7 days it is reported as 7 days.
    """
    n = t.resolved
    if n == 0:
        return None
    half = n / 2
    lower, below = 0, 0
    for name, (_, edge) in zip(RESOLVED_WITHIN, RESOLUTION_EDGES, strict=True):
        within = getattr(t, name)
        if within >= half:
            return lower + (half - below) / (within - below) * (edge - lower)
        lower, below = edge, within
    return float(RESOLUTION_EDGES[-1][1])


def sla_attainment(t: Totals) -> float | None:
    """Share of SLA clocks that ended met, of those that ended met or breached."""
    return ratio(t.sla_met, t.sla_met + t.sla_breached)


def breach_rate(t: Totals) -> float | None:
    return ratio(t.sla_breached, t.sla_met + t.sla_breached)


def complaints_per_thousand(t: Totals) -> float | None:
    """Complaints per 1,000 contacts."""
    share = ratio(t.complaints, t.contacts)
    return None if share is None else share * 1000


def csat(t: Totals) -> float | None:
    """Share of survey answers scoring 4 or 5 of 5 (top-two box); None with no answers."""
    return ratio(t.csat_satisfied, t.csat_responses)


def reopen_rate(t: Totals) -> float | None:
    """Reopenings per resolution."""
    return ratio(t.reopened, t.resolved)
