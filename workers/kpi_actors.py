"""KPI work in workers: every tenant's rollups refreshed every 30 seconds.

Each tenant is refreshed in its own transaction, so one tenant's failure costs only its own
figures this round. Several worker processes may run this at once: a tenant's refresh locks
its watermark row, so a second process waits and then finds little left to do.
"""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from sqlmodel import col

from core.clock import utcnow
from core.db import Database, defer_commit_flush
from core.kpis import refresh_rollups
from core.models.tenant import Tenant
from workers.periodic import PeriodicTask

log = structlog.get_logger(__name__)

REFRESH_EVERY_SECONDS = 30


def refresh_all_rollups(database: Database) -> int:
    """Bring every tenant's rollups up to now; returns how many tenants were refreshed."""
    with database.system_session() as session:
        tenant_ids = list(
            session.execute(sa.select(col(Tenant.id)).order_by(col(Tenant.id))).scalars()
        )
    refreshed = 0
    for tenant_id in tenant_ids:
        try:
            with database.tenant_unit(tenant_id) as session:
                defer_commit_flush(session)  # derived figures: the next round redoes them
                refresh_rollups(session, now=utcnow())
            refreshed += 1
        except Exception:
            log.exception("kpi.refresh_failed", tenant_id=str(tenant_id))
    return refreshed


PERIODIC: tuple[PeriodicTask, ...] = (
    PeriodicTask(name="kpi_rollups", every_seconds=REFRESH_EVERY_SECONDS, run=refresh_all_rollups),
)
