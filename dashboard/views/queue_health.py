"""Queue health (live, every 5 s): per queue and channel, waiting now and longest wait,
today's service level, speed of answer and abandonment; agents by state and occupancy;
drill-down headquarters → region → site (D4). Data: core.kpis.queue_health."""

from __future__ import annotations

import uuid
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, dcc, html
from sqlmodel import col, select

from core.clock import utcnow
from core.kpis import queue_health
from core.models.org_unit import OrgUnit
from core.permissions import Action
from dashboard import access
from dashboard.formatting import percent, seconds
from dashboard.pages import Page
from dashboard.widgets import card_row, table

REFRESH_MS = 5_000


def org_unit_options() -> list[dict[str, str]]:
    """Every org unit, indented under its parent, for the drill-down."""
    with access.tenant_session() as session:
        units = list(session.execute(select(OrgUnit).order_by(col(OrgUnit.name))).scalars())
    children: dict[uuid.UUID | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    options = [{"label": "All of the organisation", "value": ""}]

    def walk(parent: uuid.UUID | None, depth: int) -> None:
        for unit in children.get(parent, []):
            options.append({"label": "\u2003" * depth + unit.name, "value": str(unit.id)})
            walk(unit.id, depth + 1)

    walk(None, 0)
    return options


def layout(query: dict[str, str]) -> Any:
    return html.Div(
        [
            html.H1("Queue health"),
            dcc.Dropdown(
                id="queue-health-org",
                options=org_unit_options(),
                value=query.get("org", ""),
                clearable=False,
                style={"width": "26rem"},
            ),
            dcc.Interval(id="queue-health-tick", interval=REFRESH_MS),
            html.Div(id="queue-health-cards"),
            html.Div(id="queue-health-table"),
            dcc.Graph(id="queue-health-agents"),
        ]
    )


def register(app: dash.Dash) -> None:
    @app.callback(
        Output("queue-health-cards", "children"),
        Output("queue-health-table", "children"),
        Output("queue-health-agents", "figure"),
        Input("queue-health-org", "value"),
        Input("queue-health-tick", "n_intervals"),
    )
    def refresh(org: str | None, _tick: Any) -> tuple[Any, Any, Any]:
        access.require(Action.QUEUE_HEALTH_READ)
        with access.tenant_session() as session:
            health = queue_health(
                session, now=utcnow(), org_unit_id=uuid.UUID(org) if org else None
            )
        waiting = sum(q.waiting for q in health.queues)
        longest = max((q.longest_wait_seconds or 0 for q in health.queues), default=0)
        offered = sum(q.offered for q in health.queues)
        answered = sum(q.answered for q in health.queues)
        cards = card_row(
            [
                ("Waiting now", str(waiting), "queue-health-waiting"),
                ("Longest wait", seconds(longest), "queue-health-longest"),
                ("Offered today", str(offered), "queue-health-offered"),
                ("Answered today", str(answered), "queue-health-answered"),
                ("Occupancy", percent(health.occupancy), "queue-health-occupancy"),
            ]
        )
        rows = [
            {
                "Queue": q.queue_name,
                "Channel": q.channel,
                "Waiting": q.waiting,
                "Longest wait": seconds(q.longest_wait_seconds),
                "Service level": percent(q.service_level),
                "Threshold": f"{q.service_level_seconds} s",
                "ASA": seconds(q.average_speed_of_answer_seconds),
                "Abandoned": percent(q.abandonment_rate),
                "Offered": q.offered,
            }
            for q in health.queues
        ]
        states = dict(sorted(health.agents_by_state.items()))
        agents = go.Figure(go.Bar(x=list(states), y=list(states.values())))
        agents.update_layout(title="Agents by state", height=300)
        return cards, table(rows, "queue-health-queues"), agents


PAGE = Page(
    path="/queues",
    title="Queue health",
    action=Action.QUEUE_HEALTH_READ,
    layout=layout,
    register=register,
)
