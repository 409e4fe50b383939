"""SLA test fixtures: the API's live server and clients, PostgreSQL-only tests."""

from __future__ import annotations

import pytest

from core.db import Database
from tests.api.conftest import api, client_for, live_server, other_api

__all__ = ["api", "client_for", "live_server", "other_api"]


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    """Tests marked postgres_only are about PostgreSQL behaviour; SQLite runs skip them."""
    if request.node.get_closest_marker("postgres_only") is None:
        return
    database: Database = request.getfixturevalue("database")
    if database.backend != "postgresql":
        pytest.skip("PostgreSQL only")
