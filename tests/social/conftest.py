"""Social fixtures: the shared database fixtures, embedded workers and loopback outbound."""

from __future__ import annotations

from tests.workers.conftest import embedded, installed_database, outbound_dir

__all__ = ["embedded", "installed_database", "outbound_dir"]
