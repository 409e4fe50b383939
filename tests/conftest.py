"""Shared fixtures: every database-backed test runs on SQLite and on PostgreSQL.

Each backend gets one freshly migrated database per test session; each test gets its own
tenant in it, which tenant isolation makes as good as a fresh database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy.engine import make_url

from core import api_keys, tenants
from core.db import Database
from core.logs import configure_logging
from core.migrate import upgrade

configure_logging(level="INFO")

CHROMIUM = Path("/usr/bin/chromium")
POSTGRES_ADMIN_URL = os.environ.get(
    "SWITCHBOARD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [
    b.strip() for b in os.environ.get("SWITCHBOARD_TEST_BACKENDS", "sqlite,postgres").split(",")
]


@dataclass(frozen=True)
class TenantHandle:
    """A tenant made for one test, with a working API key."""

    id: uuid.UUID
    slug: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


def create_postgres_database() -> str:
    """A new empty PostgreSQL database; its URL. Fails loudly if the server is not there."""
    name = f"sb_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        pytest.exit(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL} ({exc.orig}); start it "
            "(.ci/run does) or set SWITCHBOARD_TEST_BACKENDS=sqlite",
            returncode=3,
        )
    finally:
        admin.dispose()
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database URL for the backend under test."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "switchboard.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    url = create_postgres_database()
    upgrade(url)
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url, pool_size=5)
    yield db
    db.dispose()


def make_tenant(database: Database, *, prefix: str = "t") -> TenantHandle:
    """A fresh tenant with one API key (a factory, so tests can make several)."""
    slug = f"{prefix}-{uuid.uuid4().hex[:10]}"
    with database.system_unit() as session:
        tenant = tenants.create_tenant(session, slug=slug, name=f"Tenant {slug}")
        tenant_id = tenant.id
    with database.tenant_unit(tenant_id) as session:
        issued = api_keys.issue_key(session, name="tests")
    return TenantHandle(id=tenant_id, slug=slug, api_key=issued.secret)


@pytest.fixture
def tenant(database: Database) -> TenantHandle:
    return make_tenant(database)


@pytest.fixture
def other_tenant(database: Database) -> TenantHandle:
    return make_tenant(database, prefix="other")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium under Playwright, for page tests; skipped where it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium is not installed at /usr/bin/chromium (apt install chromium)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    """Tests marked postgres_only are about PostgreSQL behaviour; SQLite runs skip them."""
    if request.node.get_closest_marker("postgres_only") is None:
        return
    database: Database = request.getfixturevalue("database")
    if database.backend != "postgresql":
        pytest.skip("PostgreSQL only")
