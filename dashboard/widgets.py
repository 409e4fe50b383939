"""Components every page uses: KPI cards, a period picker, plain tables, an empty chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

CARD = {
    "border": "1px solid #d8dce5",
    "borderRadius": "6px",
    "padding": ".6rem 1rem",
    "minWidth": "9rem",
    "background": "#fff",
}
CELL = {"borderBottom": "1px solid #e4e7ee", "padding": ".35rem .6rem", "textAlign": "left"}


def card_row(cards: Sequence[tuple[str, str, str]]) -> Any:
    """(label, value, element id) per card; the id lets tests read the number shown."""
    return html.Div(
        [
            html.Div(
                [html.Div(label, style={"color": "#5b6475", "fontSize": ".85rem"}),
                 html.Div(value, id=element_id, style={"fontSize": "1.5rem", "fontWeight": 600})],
                style=CARD,
            )
            for label, value, element_id in cards
        ],
        style={"display": "flex", "gap": ".8rem", "flexWrap": "wrap", "margin": "1rem 0"},
    )  # fmt: skip


def period_picker(element_id: str, periods: Mapping[str, Any], *, default: str) -> Any:
    return dcc.RadioItems(
        id=element_id,
        options=[{"label": name, "value": name} for name in periods],
        value=default,
        inline=True,
        inputStyle={"marginRight": ".3rem", "marginLeft": ".8rem"},
    )


def table(rows: Sequence[Mapping[str, Any]], element_id: str) -> Any:
    """A plain HTML table (components allowed in cells, unlike DataTable)."""
    if not rows:
        return html.P("Nothing to show.")
    columns = list(rows[0])
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(c, style=CELL) for c in columns])),
            html.Tbody([html.Tr([html.Td(row[c], style=CELL) for c in columns]) for row in rows]),
        ],
        id=element_id,
        style={"borderCollapse": "collapse", "width": "100%"},
    )


def empty_figure(message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, height=240)
    return figure
