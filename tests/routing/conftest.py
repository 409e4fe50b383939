"""Routing test fixtures: a contact centre per test, the API server."""

from __future__ import annotations

import pytest

from core.db import Database
from tests.api.conftest import api, client_for, live_server, other_api
from tests.conftest import TenantHandle
from tests.routing.routing_support import Centre
from tests.workers.conftest import embedded, installed_database, outbound_dir

__all__ = [
    "api",
    "client_for",
    "embedded",
    "installed_database",
    "live_server",
    "other_api",
    "outbound_dir",
]


@pytest.fixture
def centre(database: Database, tenant: TenantHandle) -> Centre:
    return Centre(database, tenant.id)
