"""Dashboard pages and KPI rollups at contact-center scale, on PostgreSQL over real HTTP.

One tenant's 90 days of history is written with COPY: 1,000,000 conversations with about
5,000,000 messages, their events (~13.5 M), calls, SLA clocks, 200 agents' presence, and three
monitors' social posts. The history ends an hour before the run; that hour brings new events.

- ``rollup_full_build_s``: the tenant's first ``refresh_rollups`` (every bucket of the history).
- ``rollup_refresh_s``: the next refresh, in a tenant unit, after 10,000 new events: the new
  conversations of that hour, and replies, resolutions, escalations and reopenings of older
  ones. Workers refresh every 30 s, so catching up a whole hour at once is conservative.
- ``page_p95_ms``: per page, the p95 of its data callback as the browser calls it
  (``POST /dashboard/_dash-update-component``) for the whole organisation over 7 days, signed
  in as a supervisor; the platform runs in its own process (uvicorn, as ``switchboard serve``).
- ``conversations``, ``messages``: the history's; ``new_events``; ``seed_s``: writing it all.

The tenant's time zone puts the run at 16:00 local time: a busy day so far, agents on shift.
The history is loaded with foreign-key triggers off (``session_replication_role = replica``):
its rows are generated consistent, and checking 20 million references one by one would take
longer than writing them. The new hour is written with every check on, as services write.
Each KPI call's time in this process follows on stderr, with the plan of the slowest statement
when a page misses the 300 ms goal.

    uv run switchboard bench dashboard [--quick]   (or: uv run python -m benchmarks.dashboard)
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from rich.console import Console
from sqlalchemy.orm import Session

from benchmarks._dashboard_history import (
    DAY,
    FULL,
    HOUR,
    QUICK,
    SUPERVISOR,
    Scale,
    add_new_hour,
    seed_history,
    vacuum_analyze,
)
from benchmarks._support import emit, free_port, scratch_database, wait_until_up
from benchmarks.access import percentile, serve, sign_in
from core.clock import utcnow
from core.db import Database
from core.kpis import (
    BreachGrouping,
    Period,
    RefreshResult,
    breach_rates,
    compare_periods,
    heatmap,
    queue_health,
    refresh_rollups,
    sla_watchlist,
)
from core.logs import configure_logging
from core.social.overview import sentiment_overview

console = Console(stderr=True)
GOAL_MS = 300
WARM_UP = 2  # untimed rounds of calls first: connections, caches, the server's lazy imports


def timed_refresh(
    database: Database, tenant_id: uuid.UUID, *, now: datetime
) -> tuple[float, RefreshResult]:
    """Seconds for one refresh in a tenant unit (commit included), and what it did."""
    began = time.perf_counter()
    with database.tenant_unit(tenant_id) as session:
        result = refresh_rollups(session, now=now)
    return time.perf_counter() - began, result


PAGES: dict[str, tuple[str, dict[str, Any]]] = {
    # page: one output of its data callback, and its inputs' values as the browser sends them
    "queue_health": (
        "queue-health-cards.children",
        {"queue-health-org": "", "queue-health-tick": 1},
    ),
    "sla": (
        "sla-cards.children",
        {"sla-org": "", "sla-group": "queue", "sla-period": "7d", "sla-tick": 1},
    ),
    "sentiment": (
        "sentiment-cards.children",
        {"sentiment-period": "7d", "sentiment-tick": 1, "sentiment-action-result": None},
    ),
    "executive": ("executive-cards.children", {"executive-period": "7d", "executive-org": ""}),
}


def callback_bodies(browser: httpx.Client, monitor_id: str) -> dict[str, dict[str, Any]]:
    """Each page's data-callback request, as Dash's renderer builds it from the dependencies."""
    dependencies = browser.get("/dashboard/_dash-dependencies").json()
    bodies = {}
    for page, (output, values) in PAGES.items():
        values = {**values, "sentiment-monitor": monitor_id}
        (spec,) = [d for d in dependencies if output in d["output"].strip(".").split("...")]
        outputs = [o.rsplit(".", 1) for o in spec["output"].strip(".").split("...")]
        inputs = [{**i, "value": values[i["id"]]} for i in spec["inputs"]]
        bodies[page] = {
            "output": spec["output"],
            "outputs": [{"id": element, "property": prop} for element, prop in outputs],
            "inputs": inputs,
            "changedPropIds": [f"{inputs[-1]['id']}.{inputs[-1]['property']}"],
            "state": [{**s, "value": None} for s in spec.get("state", [])],
        }
    return bodies


def measure_pages(base_url: str, monitor_id: str, calls: int) -> dict[str, list[float]]:
    """Milliseconds per data-callback call, per page, round-robin after a warm-up."""
    samples: dict[str, list[float]] = {page: [] for page in PAGES}
    with httpx.Client(base_url=base_url, timeout=120) as browser:
        response = sign_in(browser, SUPERVISOR)
        assert response.status_code == 303, response.text
        browser.cookies.set("sb_session", response.cookies["sb_session"])
        bodies = callback_bodies(browser, monitor_id)
        for round_ in range(WARM_UP + calls):
            for page, body in bodies.items():
                began = time.perf_counter()
                answer = browser.post("/dashboard/_dash-update-component", json=body)
                elapsed = (time.perf_counter() - began) * 1000
                assert answer.status_code == 200, f"{page}: {answer.status_code} {answer.text}"
                if round_ >= WARM_UP:
                    samples[page].append(elapsed)
    return samples


def kpi_probes(monitor_id: str) -> dict[str, Callable[[Session], object]]:
    """The core calls behind the pages' callbacks, made as the callbacks make them."""

    def week() -> Period:
        now = utcnow().replace(second=0, microsecond=0)
        end = now - timedelta(minutes=now.minute % 15)
        return Period(end - 7 * DAY, end)

    def overview(session: Session) -> object:
        now, monitor = utcnow(), uuid.UUID(monitor_id)
        return sentiment_overview(
            session, monitor_id=monitor, since=now - 7 * DAY, until=now, bucket=6 * HOUR
        )

    return {
        "queue_health": lambda s: queue_health(s, now=utcnow()),
        "sla_watchlist": lambda s: sla_watchlist(s, now=utcnow()),
        "breach_rates": lambda s: breach_rates(s, period=week(), group_by=BreachGrouping.QUEUE),
        "compare_periods": lambda s: compare_periods(s, period=week()),
        "heatmap": lambda s: heatmap(s, period=week()),
        "sentiment_overview": overview,
    }


def explain_kpis(
    database: Database, tenant_id: uuid.UUID, monitor_id: str, *, runs: int, plan: bool
) -> None:
    """On stderr: each KPI call's median time in this process, and its slowest statement;
    with ``plan``, EXPLAIN ANALYZE of the slowest statement of all."""
    statements: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cursor: Any, _sql: str, _params: Any, _ctx: Any, _many: bool) -> None:
        conn.info["began"] = time.perf_counter()

    def after(conn: Any, _cursor: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        statements.append((time.perf_counter() - conn.info["began"], sql, params))

    sa.event.listen(database.engine, "before_cursor_execute", before)
    sa.event.listen(database.engine, "after_cursor_execute", after)
    slowest: tuple[float, str, Any] = (0.0, "", None)
    try:
        for name, probe in kpi_probes(monitor_id).items():
            times = []
            for _ in range(runs):
                statements.clear()
                began = time.perf_counter()
                with database.tenant_unit(tenant_id) as session:
                    probe(session)
                times.append((time.perf_counter() - began) * 1000)
            worst = max(statements, key=lambda s: s[0])
            slowest = max(slowest, worst, key=lambda s: s[0])
            console.print(
                f"  {name}: {statistics.median(times):.0f} ms, slowest statement "
                f"{worst[0] * 1000:.0f} ms of {len(statements)}"
            )
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", before)
        sa.event.remove(database.engine, "after_cursor_execute", after)
    if plan and slowest[1]:
        with database.tenant_unit(tenant_id) as session:
            explain = "EXPLAIN (ANALYZE, BUFFERS) " + slowest[1]
            rows = session.connection().exec_driver_sql(explain, slowest[2])
            console.print(slowest[1], *(row[0] for row in rows), sep="\n", highlight=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    configure_logging(level="WARNING")
    cut = utcnow().replace(microsecond=0) - HOUR
    with scratch_database("postgresql") as database:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(database.url, port), daemon=True
        )
        server.start()  # its imports overlap the seeding; it serves nothing until the pages
        try:
            figures = run(database, scale, cut, base_url)
        finally:
            server.terminate()
            server.join()
    emit(figures)


def run(database: Database, scale: Scale, cut: datetime, base_url: str) -> dict[str, Any]:
    """Seed, build, add the new hour and refresh, then time the pages: the figures."""
    began = time.perf_counter()
    seeded = seed_history(database, scale, cut)
    vacuum_analyze(database)
    seed_s = time.perf_counter() - began
    history_rows = dict(seeded.rows)
    console.print(f"seeded in {seed_s:.0f} s (vacuum and analyze included)")
    full_build_s, built = timed_refresh(database, seeded.tenant_id, now=cut)
    console.print(
        f"first rollup build: {full_build_s:.1f} s, {built.buckets:,} buckets, {built.rows:,} rows"
    )
    vacuum_analyze(database, ["kpi_rollup"])
    new_events = add_new_hour(database, seeded, scale, cut)
    refresh_s, refreshed = timed_refresh(database, seeded.tenant_id, now=utcnow())
    console.print(
        f"refresh after {new_events:,} new events: {refresh_s:.2f} s, "
        f"{refreshed.buckets} buckets, {refreshed.rows:,} rows"
    )
    wait_until_up(base_url)
    console.print(f"{scale.calls} timed data-callback calls per page")
    samples = measure_pages(base_url, seeded.monitor_id, scale.calls)
    p95 = {page: round(percentile(ms, 0.95), 1) for page, ms in samples.items()}
    console.print(f"page p95 ms: {p95}")
    if scale.probe_runs:
        console.print("in-process KPI calls:")
        over = any(ms > GOAL_MS for ms in p95.values())
        explain_kpis(
            database, seeded.tenant_id, seeded.monitor_id, runs=scale.probe_runs, plan=over
        )
    return {
        "page_p95_ms": p95,
        "rollup_refresh_s": round(refresh_s, 2),
        "rollup_full_build_s": round(full_build_s, 1),
        "conversations": history_rows["conversation"],
        "messages": history_rows["message"],
        "new_events": new_events,
        "seed_s": round(seed_s, 1),
    }


if __name__ == "__main__":
    main()
