"""SLA: conversations breached and at risk (time to breach), sortable, linked to the
conversation; breach rate over time by queue, tier, category, customer value tier or org
unit, with escalations. Data: core.kpis (sla_watchlist, breach_rates)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, dash_table, dcc, html
from sqlmodel import col, select

from core.clock import utcnow
from core.kpis import BreachGrouping, Granularity, breach_rates, sla_watchlist
from core.models.org_unit import OrgUnit
from core.models.queue import Queue
from core.permissions import Action
from dashboard import access
from dashboard.formatting import seconds
from dashboard.pages import Page
from dashboard.views.executive import PERIODS, period_for
from dashboard.views.queue_health import org_unit_options
from dashboard.widgets import card_row, period_picker

REFRESH_MS = 15_000


def layout(query: dict[str, str]) -> Any:
    return html.Div(
        [
            html.H1("SLA"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="sla-org",
                        options=org_unit_options(),
                        value=query.get("org", ""),
                        clearable=False,
                        style={"width": "24rem"},
                    ),
                    dcc.Dropdown(
                        id="sla-group",
                        options=[{"label": g.value.replace("_", " "), "value": g.value} for g in BreachGrouping],
                        value=query.get("group", BreachGrouping.QUEUE.value),
                        clearable=False,
                        style={"width": "14rem"},
                    ),
                    period_picker("sla-period", PERIODS, default=query.get("period", "7d")),
                ],
                style={"display": "flex", "gap": "1rem", "alignItems": "center"},
            ),
            dcc.Interval(id="sla-tick", interval=REFRESH_MS),
            html.Div(id="sla-cards"),
            dash_table.DataTable(  # type: ignore[attr-defined]  # generated at import
                id="sla-watchlist",
                columns=[
                    {"name": "#", "id": "number_link", "presentation": "markdown"},
                    {"name": "Subject", "id": "subject"},
                    {"name": "State", "id": "state"},
                    {"name": "Metric", "id": "metric"},
                    {"name": "Queue", "id": "queue"},
                    {"name": "Priority", "id": "priority"},
                    {"name": "Time to breach", "id": "to_breach"},
                    {"name": "s", "id": "seconds_to_breach"},
                ],
                sort_action="native",
                page_size=15,
                markdown_options={"link_target": "_self"},
                hidden_columns=["seconds_to_breach"],
                css=[{"selector": ".show-hide", "rule": "display: none"}],
                style_cell={"textAlign": "left", "fontFamily": "inherit", "padding": "4px 8px"},
            ),
            dcc.Graph(id="sla-breach-rate"),
            dcc.Graph(id="sla-escalations"),
        ]
    )  # fmt: skip


def register(app: dash.Dash) -> None:
    @app.callback(
        Output("sla-cards", "children"),
        Output("sla-watchlist", "data"),
        Output("sla-breach-rate", "figure"),
        Output("sla-escalations", "figure"),
        Input("sla-org", "value"),
        Input("sla-group", "value"),
        Input("sla-period", "value"),
        Input("sla-tick", "n_intervals"),
    )
    def refresh(org: str | None, group: str, period_name: str, _tick: Any) -> tuple[Any, ...]:
        access.require(Action.SLA_READ)
        org_unit_id = uuid.UUID(org) if org else None
        grouping = BreachGrouping(group) if group in set(BreachGrouping) else BreachGrouping.QUEUE
        period = period_for(period_name)
        with access.tenant_session() as session:
            watch = sla_watchlist(session, now=utcnow(), org_unit_id=org_unit_id)
            points = breach_rates(
                session,
                period=period,
                group_by=grouping,
                granularity=Granularity.DAY,
                org_unit_id=org_unit_id,
            )
            names = _group_names(session, grouping)
        breached = [w for w in watch if w.state.value == "breached"]
        cards = card_row(
            [
                ("Breached now", str(len(breached)), "sla-breached"),
                ("At risk", str(len(watch) - len(breached)), "sla-at-risk"),
            ]
        )
        rows = [
            {
                "number_link": f"[SB-{w.number}](/api/v1/conversations/{w.conversation_id})",
                "subject": w.subject,
                "state": w.state.value.replace("_", " "),
                "metric": w.metric.replace("_", " "),
                "queue": w.queue_name or "",
                "priority": w.priority,
                "to_breach": seconds(abs(w.seconds_to_breach)) + (" ago" if (w.seconds_to_breach or 0) < 0 else "")
                if w.seconds_to_breach is not None else "paused",
                "seconds_to_breach": w.seconds_to_breach,
            }
            for w in watch
        ]  # fmt: skip
        series: dict[str, list[tuple[Any, float | None, int]]] = defaultdict(list)
        for point in points:
            label = names.get(point.group or "", point.group or "none")
            series[label].append((point.start, point.breach_rate, point.escalations))
        rate = go.Figure()
        escalations = go.Figure()
        for label, values in sorted(series.items()):
            rate.add_scatter(
                x=[v[0] for v in values], y=[v[1] for v in values], name=label, mode="lines+markers"
            )
            escalations.add_bar(x=[v[0] for v in values], y=[v[2] for v in values], name=label)
        rate.update_layout(
            title=f"Breach rate by {grouping.value.replace('_', ' ')}",
            yaxis_tickformat=".0%",
            height=320,
        )
        escalations.update_layout(title="Escalations", barmode="stack", height=280)
        return cards, rows, rate, escalations  # fmt: skip


def _group_names(session: Any, grouping: BreachGrouping) -> dict[str, str]:
    """Readable names for queue and org-unit ids; other groupings are their own names."""
    if grouping is BreachGrouping.QUEUE:
        rows = session.execute(select(col(Queue.id), col(Queue.name))).all()
    elif grouping is BreachGrouping.ORG_UNIT:
        rows = session.execute(select(col(OrgUnit.id), col(OrgUnit.name))).all()
    else:
        return {}
    return {str(row[0]): row[1] for row in rows}


PAGE = Page(
    path="/sla",
    title="SLA",
    action=Action.SLA_READ,
    layout=layout,
    register=register,
)
