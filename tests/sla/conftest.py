"""SLA test fixtures: the API's live server and clients."""

from __future__ import annotations

from tests.api.conftest import api, client_for, live_server, other_api

__all__ = ["api", "client_for", "live_server", "other_api"]
