"""The periodic task keeps every tenant's rollups current, each tenant on its own."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from core import kpis
from core.clock import utcnow
from core.db import Database
from core.inbound import InboundMessage
from core.ingest import ingest
from core.kpis import Period
from core.migrate import upgrade
from core.models import Channel, IdentityKind
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    make_tenant,
)
from workers import kpi_actors


@pytest.fixture
def own_database(database: Database, tmp_path: Path) -> Iterator[Database]:
    """A database of this backend holding only this test's tenants (the task visits all)."""
    if database.backend == "sqlite":
        url = f"sqlite:///{tmp_path}/kpi-worker.db"
        upgrade(url)
    else:
        url = create_postgres_database()
        upgrade(url)
    fresh = Database(url, pool_size=2)
    yield fresh
    fresh.dispose()
    if database.backend != "sqlite":
        drop_postgres_database(url)


def test_every_tenant_is_refreshed_every_thirty_seconds(own_database: Database) -> None:
    database = own_database
    tenant, other_tenant = make_tenant(database), make_tenant(database, prefix="other")
    (task,) = kpi_actors.PERIODIC
    assert task.every_seconds == 30
    for handle, count in ((tenant, 2), (other_tenant, 1)):
        with database.tenant_unit(handle.id) as session:
            for n in range(count):
                ingest(
                    session,
                    InboundMessage(
                        tenant_id=handle.id, channel=Channel.EMAIL,
                        sender_kind=IdentityKind.EMAIL, sender=f"c{n}@example.com",
                        external_id=f"<{handle.slug}-{n}@example.com>", text="Hi",
                    ),
                )  # fmt: skip

    assert task.run(database) == 2

    today = Period(utcnow() - timedelta(hours=1), utcnow() + timedelta(hours=1))
    for handle, count in ((tenant, 2), (other_tenant, 1)):
        with database.tenant_session(handle.id) as session:
            assert kpis.executive_kpis(session, period=today).contacts == count
