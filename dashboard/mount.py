"""The Dash app inside the platform's server: an ASGI mount at ``/dashboard`` over a2wsgi."""

from __future__ import annotations

from urllib.parse import unquote

from a2wsgi import WSGIMiddleware
from litestar import asgi
from litestar.handlers.asgi_handlers import ASGIRouteHandler
from litestar.types import Receive, Scope, Send

from core.db import Database
from core.settings import Settings
from dashboard.app import create_dashboard

MOUNT = "/dashboard"


def dashboard_mount(database: Database, settings: Settings) -> ASGIRouteHandler:
    """The route handler serving the dashboard (Flask runs in a2wsgi's thread pool)."""
    wsgi = WSGIMiddleware(create_dashboard(database, settings).server)

    @asgi(MOUNT, is_mount=True, copy_scope=True)
    async def dashboard(scope: Scope, receive: Receive, send: Send) -> None:
        # Litestar hands a mount the path below it; Flask wants the whole path with the mount
        # as its script root, so links and Dash's asset URLs come out right.
        raw = scope.get("raw_path") or scope["path"].encode()
        full = unquote(raw.split(b"?", 1)[0].decode("latin-1"))
        await wsgi({**scope, "path": full, "root_path": MOUNT}, receive, send)  # type: ignore[arg-type]

    return dashboard
