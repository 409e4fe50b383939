"""Who is looking at the dashboard, and what they may see: the platform session, one check.

Every request to the Dash app resolves the browser's ``sb_session`` cookie to the signed-in
user (the same server-side sessions as the API, api.auth); no session, no dashboard. Each
page names the permission action it needs (core.permissions), and ``require`` is the one
check: page layouts and data callbacks both call it, so a page an agent may not open also
answers no data to a hand-made callback request. Data is read in a session scoped to the
user's tenant, so another tenant's rows cannot appear.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import flask
from sqlalchemy.orm import Session

from core import audit, browser_sessions
from core.db import Database
from core.permissions import allows, permissions_for
from core.settings import Settings

SESSION_COOKIE = "sb_session"  # api.auth's; the dashboard does not import the API


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person behind this request."""

    tenant_id: Any
    user_id: Any
    email: str
    roles: tuple[str, ...]
    permissions: frozenset[str]

    def may(self, action: str) -> bool:
        return allows(self.permissions, action)


def install(server: flask.Flask, database: Database, settings: Settings) -> None:
    """Resolve the session before every request; refuse cross-site posts."""
    idle = timedelta(minutes=settings.session_idle_minutes)

    @server.before_request
    def _identify() -> flask.Response | None:
        if flask.request.method == "POST" and not _same_origin(flask.request):
            return flask.Response("cross-site request refused", status=403)
        token = flask.request.cookies.get(SESSION_COOKIE)
        active = None
        if token:
            with database.system_unit() as session:
                active = browser_sessions.resolve(session, token=token, idle=idle)
        if active is None:
            return _not_signed_in()
        flask.g.viewer = Viewer(
            tenant_id=active.tenant_id,
            user_id=active.user_id,
            email=active.email,
            roles=active.roles,
            permissions=permissions_for(active.roles),
        )
        flask.g.database = database
        return None


def viewer() -> Viewer:
    found = flask.g.get("viewer")
    if not isinstance(found, Viewer):
        flask.abort(401)
    return found


def require(action: str) -> Viewer:
    """The viewer, if their roles allow ``action``; a 403 for this request otherwise."""
    current = viewer()
    if not current.may(action):
        flask.abort(403, description=f"this needs the permission {action}")
    return current


@contextmanager
def tenant_session() -> Iterator[Session]:
    """A unit scoped to the viewer's tenant (commits on success); what it audits is the
    viewer's doing."""
    database: Database = flask.g.database
    current = viewer()
    with database.tenant_unit(current.tenant_id) as session:
        audit.bind_actor(
            session,
            audit.AuditActor(
                user_id=current.user_id,
                label=current.email,
                ip=flask.request.remote_addr,
                user_agent=flask.request.headers.get("User-Agent"),
            ),
        )
        yield session


def _same_origin(request: flask.Request) -> bool:
    origin = request.headers.get("Origin")
    if not origin:
        return True  # not a browser's cross-site request: browsers send Origin on POSTs
    return urlsplit(origin).netloc == request.host


def _not_signed_in() -> flask.Response:
    if flask.request.path.startswith("/_dash"):
        return flask.Response(
            '{"detail": "sign in first"}', status=401, mimetype="application/json"
        )
    body = (
        "<!doctype html><title>Sign in · Switchboard</title>"
        "<p>Sign in first, at your organisation's sign-in page (<code>/auth/&lt;organisation&gt;"
        "/login</code>); the dashboard opens after.</p>"
    )
    return flask.Response(body, status=401, mimetype="text/html")
