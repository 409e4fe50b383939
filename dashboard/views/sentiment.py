"""Public sentiment (D26, D27): per monitor, sentiment and volume over time with spikes
marked, open alerts to acknowledge or resolve, the most negative and most shared posts, and
the top terms. Data: core.social.overview and core.social.alert_lifecycle."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html
from sqlmodel import col, select

from core.clock import utcnow
from core.errors import DomainError
from core.models.social import Monitor
from core.models.social_alert import AlertStatus
from core.permissions import Action
from core.social import alert_lifecycle
from core.social.alert_lifecycle import AlertFilter
from core.social.overview import PostLine, sentiment_overview
from dashboard import access
from dashboard.formatting import percent
from dashboard.pages import Page
from dashboard.widgets import card_row, empty_figure, period_picker, table

PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
BUCKETS = {"24h": timedelta(hours=1), "7d": timedelta(hours=6), "30d": timedelta(days=1)}


def layout(query: dict[str, str]) -> Any:
    with access.tenant_session() as session:
        monitors = list(session.execute(select(Monitor).order_by(col(Monitor.name))).scalars())
    options = [{"label": m.name, "value": str(m.id)} for m in monitors]
    chosen = query.get("monitor") or (options[0]["value"] if options else None)
    return html.Div(
        [
            html.H1("Public sentiment"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="sentiment-monitor",
                        options=options,
                        value=chosen,
                        clearable=False,
                        style={"width": "22rem"},
                    ),
                    period_picker("sentiment-period", PERIODS, default="7d"),
                ],
                style={"display": "flex", "gap": "1rem", "alignItems": "center"},
            ),
            dcc.Interval(id="sentiment-tick", interval=30_000),
            html.Div(id="sentiment-cards"),
            dcc.Graph(id="sentiment-volume"),
            html.H2("Open alerts"),
            html.Div(id="sentiment-alerts"),
            html.Div(id="sentiment-action-result", role="status"),
            html.Div(
                [
                    html.Div([html.H2("Most negative"), html.Div(id="sentiment-negative")]),
                    html.Div([html.H2("Most shared"), html.Div(id="sentiment-shared")]),
                ],
                style={"display": "grid", "gridTemplateColumns": "1fr 1fr", "gap": "1.5rem"},
            ),
            dcc.Graph(id="sentiment-terms"),
        ]
    )


def register(app: dash.Dash) -> None:
    @app.callback(
        Output("sentiment-cards", "children"),
        Output("sentiment-volume", "figure"),
        Output("sentiment-negative", "children"),
        Output("sentiment-shared", "children"),
        Output("sentiment-terms", "figure"),
        Output("sentiment-alerts", "children"),
        Input("sentiment-monitor", "value"),
        Input("sentiment-period", "value"),
        Input("sentiment-tick", "n_intervals"),
        Input("sentiment-action-result", "children"),
    )
    def refresh(monitor: str | None, period: str, _tick: Any, _acted: Any) -> tuple[Any, ...]:
        access.require(Action.SENTIMENT_READ)
        if not monitor:
            empty = empty_figure("No monitors yet")
            return html.P("No monitors are set up."), empty, None, None, empty, None
        until = utcnow()
        since = until - PERIODS.get(period, PERIODS["7d"])
        with access.tenant_session() as session:
            view = sentiment_overview(
                session,
                monitor_id=uuid.UUID(monitor),
                since=since,
                until=until,
                bucket=BUCKETS.get(period, BUCKETS["7d"]),
            )
            alerts = alert_lifecycle.list_alerts(
                session,
                filters=AlertFilter(
                    statuses=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
                    monitor_id=uuid.UUID(monitor),
                ),
                limit=50,
            ).items
        share = percent(view.negative / view.total if view.total else None)
        cards = card_row(
            [
                ("Posts", f"{view.total:,}", "sentiment-posts"),
                ("Negative", f"{view.negative:,}", "sentiment-negatives"),
                ("Negative share", share, "sentiment-share"),
                ("Spikes", str(len(view.spikes)), "sentiment-spikes"),
            ]
        )
        figure = go.Figure()
        figure.add_bar(
            x=[p.bucket_start for p in view.points], y=[p.total for p in view.points], name="posts"
        )
        figure.add_bar(
            x=[p.bucket_start for p in view.points],
            y=[p.negative for p in view.points],
            name="negative",
        )
        for spike in view.spikes:
            figure.add_vline(x=spike.at, line_dash="dash", line_color="#b42318")
        figure.update_layout(
            barmode="overlay", title="Volume, with negative posts and spikes", height=320
        )
        terms = go.Figure(
            go.Bar(
                x=[c for _, c in view.top_terms], y=[t for t, _ in view.top_terms], orientation="h"
            )
        )
        terms.update_layout(title="Top terms", height=360, yaxis={"autorange": "reversed"})
        alert_rows = [
            {
                "Alert": a.title,
                "Severity": a.severity.value,
                "Status": a.status.value,
                "Posts": a.post_count,
                "Actions": _alert_actions(str(a.id), a.status),
            }
            for a in alerts
        ]
        return (
            cards,
            figure,
            _posts(view.most_negative, "sentiment-negative-list"),
            _posts(view.most_shared, "sentiment-shared-list"),
            terms,
            table(alert_rows, "sentiment-alert-table") if alert_rows else html.P("No open alerts."),
        )

    @app.callback(
        Output("sentiment-action-result", "children"),
        Input({"type": "sentiment-ack", "alert": ALL}, "n_clicks"),
        Input({"type": "sentiment-resolve", "alert": ALL}, "n_clicks"),
        State("sentiment-monitor", "value"),
        prevent_initial_call=True,
    )
    def act(_acks: list[Any], _resolves: list[Any], _monitor: str | None) -> str:
        viewer = access.require(Action.ALERTS_WRITE)
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(t["value"] for t in ctx.triggered):
            raise dash.exceptions.PreventUpdate
        alert_id = uuid.UUID(str(trigger["alert"]))
        try:
            with access.tenant_session() as session:
                if trigger["type"] == "sentiment-ack":
                    alert_lifecycle.acknowledge_alert(
                        session, alert_id=alert_id, actor_user_id=viewer.user_id
                    )
                    return "Alert acknowledged."
                alert_lifecycle.resolve_alert(
                    session,
                    alert_id=alert_id,
                    actor_user_id=viewer.user_id,
                    note="resolved from the dashboard",
                )
                return "Alert resolved."
        except DomainError as exc:
            return f"Not done: {exc.detail}"


def _alert_actions(alert_id: str, status: AlertStatus) -> Any:
    buttons = []
    if status is AlertStatus.OPEN:
        buttons.append(
            html.Button(
                "Acknowledge", id={"type": "sentiment-ack", "alert": alert_id}, className="sb-ack"
            )
        )
    buttons.append(
        html.Button(
            "Resolve", id={"type": "sentiment-resolve", "alert": alert_id}, className="sb-resolve"
        )
    )
    return html.Span(buttons, style={"display": "flex", "gap": ".4rem"})


def _posts(lines: list[PostLine], element_id: str) -> Any:
    if not lines:
        return html.P("No posts in this period.")
    return html.Ol(
        [
            html.Li(
                [
                    html.Strong(f"{line.author} ({line.network}) "),
                    html.Span(f"score {line.sentiment_score:+.2f} · {line.shares} shares · "),
                    html.Span(line.text),
                ]
            )
            for line in lines
        ],
        id=element_id,
    )


PAGE = Page(
    path="/sentiment",
    title="Public sentiment",
    action=Action.SENTIMENT_READ,
    layout=layout,
    register=register,
)
