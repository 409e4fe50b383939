"""Per-request dependencies: the session every /api/v1 handler works in.

This is where the one-place tenant rule meets the API: the session is bound to the caller's
tenant by core.db, so handlers and services never pass a tenant id to a query. It is also
bound to the caller for the audit log, and it records the audited kinds of request itself:
every deletion, and every route that names an ``audit`` action (exports), in the same
transaction as the request's own effect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeAlias

from anyio import CancelScope, to_thread
from litestar import Request
from litestar.di import NamedDependency
from sqlmodel import Session

from api.auth import Caller
from core import audit, outbox
from core.db import Database

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

TenantSession: TypeAlias = NamedDependency[Session]
"""Handler parameter ``session``: scoped to the caller's tenant, committed after success."""


async def provide_session(
    request: Request[Any, Any, Any], principal: Caller
) -> AsyncIterator[Session]:
    """A session scoped to the caller's tenant; commits if the handler succeeded, else rolls back.

    The commit runs before the response is sent, so a failing commit still becomes an error
    answer; after a write it wakes the outbox relay for the jobs it committed. Blocking
    database work happens in a worker thread, never on the event loop.
    """
    database: Database = request.app.state.database
    session = database.tenant_session(principal.tenant_id)
    audit.bind_actor(session, principal.audit_actor(request))
    try:
        yield session
        _audit_request(session, request)
    except BaseException:
        with CancelScope(shield=True):  # a cancelled request still releases its transaction
            await to_thread.run_sync(session.rollback)
        raise
    else:
        await to_thread.run_sync(session.commit)
        if request.method not in READ_METHODS:
            outbox.notify_relay()
    finally:
        with CancelScope(shield=True):
            await to_thread.run_sync(session.close)


def _audit_request(session: Session, request: Request[Any, Any, Any]) -> None:
    opt = request.route_handler.opt
    action = opt.get("audit")
    if action is False:  # the service records it, with more to say
        return
    if action is None and request.method == "DELETE":
        action = f"{opt.get('resource', 'object')}.deleted"
    if action is None:
        return
    params = request.path_params
    target = str(next(reversed(params.values()))) if params else None
    audit.record(
        session,
        action=str(action),
        target_type=str(opt.get("resource")) if opt.get("resource") else None,
        target_id=target,
        detail={
            "method": request.method,
            "path": request.url.path,
            "query": dict(request.query_params),
        },
    )
