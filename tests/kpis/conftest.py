"""KPI test fixtures: a frozen clock for the services, and the replayed day refreshed at 17:00."""

from __future__ import annotations

import sys

import pytest

import core.calls.bridging
import core.calls.conversation
import core.calls.ending
import core.calls.lifecycle
import core.conversation_updates
import core.handoffs
import core.ingest
import core.replies
import core.routing.presence
import core.sla.hooks  # noqa: F401  (loaded now, so that their clocks are frozen too)
from core import clock, kpis
from core.db import Database
from tests.conftest import TenantHandle
from tests.kpis.clock import FrozenClock
from tests.kpis.day import DAY_END, DayIds, build_day


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    """Replace ``utcnow`` in every loaded core module that imported it."""
    frozen, real = FrozenClock(), clock.utcnow
    for name, module in list(sys.modules.items()):
        if name.startswith("core.") and getattr(module, "utcnow", None) is real:
            monkeypatch.setattr(module, "utcnow", frozen)
    return frozen


@pytest.fixture
def day(database: Database, tenant: TenantHandle, frozen_clock: FrozenClock) -> DayIds:
    """tests/kpis/day.py replayed for the tenant, its rollups refreshed at 17:00."""
    ids = build_day(database, tenant.id, frozen_clock)
    frozen_clock.set(DAY_END)
    with database.tenant_unit(tenant.id) as session:
        kpis.refresh_rollups(session, now=DAY_END)
    return ids
