"""The one permission check of the API, run before every /api/v1 handler.

Routes declare what they need, beside the controller: a controller names its ``resource``
in ``opt`` and each route's action follows from its HTTP method (core.permissions
.action_for); a route that does something else names its ``action`` outright, and a route
on a user's own record names the path parameter that holds the user (``owner_param``).
A route that declares nothing is refused: forgetting is a 403, not an open door.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from api.auth import Principal
from core.errors import AuthenticationError, PermissionDeniedError
from core.permissions import action_for, allows


def route_action(handler: BaseRouteHandler, method: str) -> str | None:
    """The action a route takes when called with ``method``, or None if it declares none."""
    action = handler.opt.get("action")
    if action:
        return str(action)
    resource = handler.opt.get("resource")
    return action_for(str(resource), method) if resource else None


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """PermissionDeniedError unless the caller's permissions cover this route's action."""
    if connection.scope.get("method") == "OPTIONS":
        return  # Litestar's own answer: which methods the path has, and no data
    principal = connection.scope.get("auth")
    if not isinstance(principal, Principal):
        raise AuthenticationError("not authenticated")
    action = route_action(handler, str(connection.scope.get("method", "GET")))
    if action is None:
        raise PermissionDeniedError("this route declares no permission")
    owner_param = handler.opt.get("owner_param")
    own = (
        owner_param is not None
        and principal.user_id is not None
        and str(connection.path_params.get(owner_param)) == str(principal.user_id)
    )
    if not allows(principal.permissions, action, own=own):
        raise PermissionDeniedError(f"this needs the permission {action}")
