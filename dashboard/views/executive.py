"""Executive KPIs: contacts by channel, the who/why/when heatmap (D20), handle time with its
talk/hold/after-call split, FCR, CSAT, transfer and escalation rates, resolution time, SLA
attainment, complaint rate; this period against the last; per org unit; CSV export.
Data: core.kpis (executive_kpis, compare_periods, heatmap, executive_csv)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import dash
import plotly.graph_objects as go
from dash import Input, Output, State, dcc, html

from core import audit
from core.clock import utcnow
from core.kpis import ExecutiveKpis, Period, compare_periods, executive_csv, heatmap
from core.kpis.periods import QUARTER_HOUR
from core.permissions import Action
from dashboard import access
from dashboard.formatting import number, percent, seconds
from dashboard.pages import Page
from dashboard.views.queue_health import org_unit_options
from dashboard.widgets import card_row, period_picker

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def period_for(name: str | None) -> Period:
    """The last 24 hours, 7 or 30 days, ending at the latest quarter hour (rollups are exact
    on quarter hours)."""
    now = utcnow()
    end = now - (now - now.replace(minute=0, second=0, microsecond=0)) % QUARTER_HOUR
    return Period(end - PERIODS.get(name or "7d", PERIODS["7d"]), end)


def layout(query: dict[str, str]) -> Any:
    return html.Div(
        [
            html.H1("Executive KPIs"),
            html.Div(
                [
                    period_picker("executive-period", PERIODS, default=query.get("period", "7d")),
                    dcc.Dropdown(
                        id="executive-org",
                        options=org_unit_options(),
                        value=query.get("org", ""),
                        clearable=False,
                        style={"width": "24rem"},
                    ),
                    html.Button("Export CSV", id="executive-export"),
                    dcc.Download(id="executive-download"),
                ],
                style={"display": "flex", "gap": "1rem", "alignItems": "center"},
            ),
            html.Div(id="executive-cards"),
            html.Div(
                [dcc.Graph(id="executive-channels"), dcc.Graph(id="executive-handle-time")],
                style={"display": "grid", "gridTemplateColumns": "1fr 1fr", "gap": "1rem"},
            ),
            dcc.Graph(id="executive-heatmap"),
        ]
    )


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    delta = now - before
    return f" ({'+' if delta >= 0 else ''}{delta:.1%} vs last)"


def cards(current: ExecutiveKpis, previous: ExecutiveKpis) -> Any:
    aht = current.handle_time
    return card_row(
        [
            ("Contacts", number(current.contacts), "executive-contacts"),
            ("Handled", number(current.handled), "executive-handled"),
            ("AHT", seconds(aht.average if aht else None), "executive-aht"),
            ("FCR", percent(current.first_contact_resolution), "executive-fcr"),
            ("CSAT", percent(current.csat) + _change(current.csat, previous.csat), "executive-csat"),
            ("Survey answers", number(current.csat_responses), "executive-csat-answers"),
            ("Service level", percent(current.service_level), "executive-service-level"),
            ("Abandoned", percent(current.abandonment_rate), "executive-abandoned"),
            ("Transfers", percent(current.transfer_rate), "executive-transfers"),
            ("Escalations", percent(current.escalation_rate), "executive-escalations"),
            ("Resolution (median)", seconds(current.resolution_median_seconds), "executive-resolution"),
            (
                "SLA attainment",
                percent(current.sla_attainment) + _change(current.sla_attainment, previous.sla_attainment),
                "executive-sla",
            ),
            ("Complaints / 1,000", number(current.complaints_per_thousand, 1), "executive-complaints"),
            ("Contacts last period", number(previous.contacts), "executive-previous-contacts"),
        ]
    )  # fmt: skip


def register(app: dash.Dash) -> None:
    @app.callback(
        Output("executive-cards", "children"),
        Output("executive-channels", "figure"),
        Output("executive-handle-time", "figure"),
        Output("executive-heatmap", "figure"),
        Input("executive-period", "value"),
        Input("executive-org", "value"),
    )
    def refresh(period_name: str, org: str | None) -> tuple[Any, ...]:
        access.require(Action.KPIS_READ)
        period = period_for(period_name)
        org_unit_id = uuid.UUID(org) if org else None
        with access.tenant_session() as session:
            comparison = compare_periods(session, period=period, org_unit_id=org_unit_id)
            heat = heatmap(session, period=period, org_unit_id=org_unit_id)
        current, previous = comparison.current, comparison.previous
        channels = go.Figure()
        names = sorted(set(current.contacts_by_channel) | set(previous.contacts_by_channel))
        channels.add_bar(
            x=names, y=[current.contacts_by_channel.get(n, 0) for n in names], name="this period"
        )
        channels.add_bar(
            x=names, y=[previous.contacts_by_channel.get(n, 0) for n in names], name="last period"
        )
        channels.update_layout(title="Contacts by channel", height=320)
        split = go.Figure()
        aht = current.handle_time
        for part in ("talk", "hold", "wrap_up"):
            split.add_bar(
                x=["handle time"], y=[getattr(aht, part) if aht else 0], name=part.replace("_", " ")
            )
        split.update_layout(barmode="stack", title="Average handle time (s)", height=320)
        grid = [[0] * 24 for _ in WEEKDAYS]
        for cell in heat.cells:
            grid[cell.weekday][cell.hour] += cell.contacts
        heat_figure = go.Figure(
            go.Heatmap(z=grid, x=list(range(24)), y=WEEKDAYS, colorscale="Blues")
        )
        heat_figure.update_layout(
            title=f"Contacts by weekday and hour ({heat.timezone})", height=340
        )
        return cards(current, previous), channels, split, heat_figure  # fmt: skip

    @app.callback(
        Output("executive-download", "data"),
        Input("executive-export", "n_clicks"),
        State("executive-period", "value"),
        State("executive-org", "value"),
        prevent_initial_call=True,
    )
    def export(_clicks: Any, period_name: str, org: str | None) -> dict[str, str]:
        access.require(Action.KPIS_READ)
        period = period_for(period_name)
        with access.tenant_session() as session:
            text = executive_csv(
                session, period=period, org_unit_id=uuid.UUID(org) if org else None
            )
            audit.record(
                session,
                action="kpis.exported",
                detail={"period": [period.start.isoformat(), period.end.isoformat()], "org": org},
            )
        return {"content": text, "filename": f"kpis-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"}


PAGE = Page(
    path="/executive",
    title="Executive KPIs",
    action=Action.KPIS_READ,
    layout=layout,
    register=register,
)
