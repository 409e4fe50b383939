"""API fixtures for the social API tests: the live server and per-tenant clients.

Imported by each test module (the directory's conftest serves the intake and worker tests).
"""

from __future__ import annotations

from tests.api.conftest import api, client_for, live_server, other_api

__all__ = ["api", "client_for", "live_server", "other_api"]
