"""Operational endpoints outside /api/v1 and without auth: health and the docs entry point."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
import structlog
from litestar import Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from api.schemas.system import CheckStatus, HealthOut
from core.db import Database

log = structlog.get_logger(__name__)

HealthCheck = Callable[[], bool]
DOCS_UI_PATH = "/api/schema/swagger"


def database_check(database: Database) -> HealthCheck:
    """A check that the database answers a trivial query."""

    def check() -> bool:
        with database.engine.connect() as connection:
            return connection.execute(sa.text("SELECT 1")).scalar_one() == 1

    return check


def run_check(name: str, check: HealthCheck) -> CheckStatus:
    """A check's outcome; one that raises has failed (and is logged), never crashes /health."""
    try:
        return "ok" if check() else "failed"
    except Exception:
        log.warning("health.check_failed", check=name, exc_info=True)
        return "failed"


@get(
    "/health",
    sync_to_thread=True,
    tags=["system"],
    summary="Health of the process and what it depends on",
    responses={503: ResponseSpec(HealthOut, description="a check failed")},
)
def health(request: Request[Any, Any, Any]) -> Response[HealthOut]:
    checks: Mapping[str, HealthCheck] = request.app.state.health_checks
    results = {name: run_check(name, check) for name, check in checks.items()}
    ok = all(result == "ok" for result in results.values())
    return Response(
        HealthOut(status="ok" if ok else "failed", checks=results),
        status_code=200 if ok else 503,
    )


@get("/api/docs", include_in_schema=False, sync_to_thread=False)
def docs() -> Redirect:
    """The interactive API docs live with the schema; this is the short address."""
    return Redirect(DOCS_UI_PATH)
