"""The Dash app: one shell (navigation, the page area), a router, and the pages' callbacks.

Pages are plain modules listed in ``PAGES`` and routed here, not ``dash.register_page``:
that registry is global to the process, and tests build many apps side by side. The app
runs on its own Flask server, mounted under ``/dashboard/`` in the platform's server
(dashboard.mount), signed-in users only (dashboard.access).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import dash
import flask
from dash import Input, Output, dcc, html

from core.db import Database
from core.settings import Settings
from dashboard import access
from dashboard.pages import Page
from dashboard.views import executive, queue_health, sentiment, sla

PREFIX = "/dashboard/"
PAGES: tuple[Page, ...] = (queue_health.PAGE, sla.PAGE, sentiment.PAGE, executive.PAGE)
PAGES_BY_PATH = {page.path: page for page in PAGES}
STYLES = {
    "shell": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif", "margin": "0"},
    "nav": {"display": "flex", "gap": "1.25rem", "padding": ".8rem 1.5rem",
            "background": "#1d2330", "alignItems": "center"},
    "link": {"color": "#e6e9f0", "textDecoration": "none"},
    "who": {"marginLeft": "auto", "color": "#aab2c5", "fontSize": ".9rem"},
    "main": {"padding": "1rem 1.5rem"},
}  # fmt: skip


def create_dashboard(database: Database, settings: Settings) -> dash.Dash:
    server = flask.Flask(__name__)
    access.install(server, database, settings)
    app = dash.Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash's stubs say bool; a Flask app is documented
        requests_pathname_prefix=PREFIX,
        routes_pathname_prefix="/",
        title="Switchboard",
        update_title="",
        suppress_callback_exceptions=True,
        serve_locally=True,
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Nav(id="nav", style=STYLES["nav"]),
            html.Main(id="page", style=STYLES["main"]),
        ],
        style=STYLES["shell"],
    )

    @app.callback(
        Output("page", "children"),
        Output("nav", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
    )
    def route(pathname: str | None, search: str | None) -> tuple[Any, Any]:
        viewer = access.viewer()
        path = "/" + (pathname or PREFIX).removeprefix(PREFIX).strip("/")
        allowed = [page for page in PAGES if viewer.may(page.action)]
        nav = _nav(allowed, viewer)
        page = PAGES_BY_PATH.get(path) or (allowed[0] if path == "/" and allowed else None)
        if page is None:
            return html.P("There is no such page.", id="page-missing"), nav
        if not viewer.may(page.action):
            return html.P(
                f"Your roles do not let you open {page.title} (it needs {page.action}).",
                id="page-forbidden",
            ), nav
        return page.layout(dict(parse_qsl((search or "").lstrip("?")))), nav

    for page in PAGES:
        page.register(app)
    _refuse_unknown_callbacks(server, app)
    _content_security_policy(server, app)
    return app


def _refuse_unknown_callbacks(server: flask.Flask, app: dash.Dash) -> None:
    """A callback request naming no callback of ours is bad input (400), not a crash."""

    @server.before_request
    def _known() -> flask.Response | None:
        if flask.request.path != "/_dash-update-component" or flask.request.method != "POST":
            return None
        body = flask.request.get_json(silent=True)
        output = body.get("output") if isinstance(body, dict) else None
        if not isinstance(output, str) or output not in app.callback_map:
            return flask.Response(
                '{"detail": "no such callback"}', 400, mimetype="application/json"
            )
        return None


def _nav(pages: list[Page], viewer: access.Viewer) -> list[Any]:
    links: list[Any] = [html.Strong("Switchboard", style={"color": "#fff"})]
    links += [
        dcc.Link(
            page.title,
            href=PREFIX.rstrip("/") + page.path,
            id=f"nav{page.path.replace('/', '-')}",
            style=STYLES["link"],
        )
        for page in pages
    ]
    links.append(
        html.Span(f"{viewer.email} · {', '.join(viewer.roles) or 'no role'}", style=STYLES["who"])
    )
    return links


def _content_security_policy(server: flask.Flask, app: dash.Dash) -> None:
    """Scripts only from us and the renderer's own inline ones (by hash); no framing."""

    @server.after_request
    def _policy(response: flask.Response) -> flask.Response:
        hashes = " ".join(app.csp_hashes())  # each already quoted
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        )
        response.headers.setdefault("Cache-Control", "no-store")
        return response
