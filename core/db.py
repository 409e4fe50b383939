"""Engine, sessions, and tenant scoping — the one place where scoping is enforced.

A session is either bound to one tenant (``tenant_session``) or explicitly a system session
(``system_session``, for migrations, seeding, the outbox relay). In a tenant session every ORM
query on a tenant-owned table gets ``tenant_id = :tenant`` added, and every row flushed is
stamped with, or checked against, that tenant. A session that is neither refuses to touch
tenant-owned tables at all, so forgetting to choose is an error rather than a leak.

On PostgreSQL a second wall stands behind this one: row-level security (see
``_enter_tenant_wall``), so even a query that escapes the ORM's scoping sees one tenant.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import ORMExecuteState, sessionmaker, with_loader_criteria
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from core.models.base import TenantOwned
from core.settings import get_settings

TENANT_KEY = "tenant_id"
SYSTEM_KEY = "system"
TENANT_ROLE = "switchboard_tenant"
"""PostgreSQL role of tenant transactions; row-level security (migration 0008) binds it."""


class TenantScopeError(RuntimeError):
    """Code tried to read or write tenant-owned rows without a tenant, or across tenants."""


POSTGRES_OPTIONS = "-c jit=off"
"""JIT compiles big aggregates for 100-200 ms; the dashboard's sums over a week of rollups
run in less than that interpreted, so the compile is pure cost for what this service asks."""


def create_db_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine tuned for its backend: SQLite in WAL mode with immediate write locks."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine)
        return engine
    return sa.create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": POSTGRES_OPTIONS},
    )


def _configure_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so two writers never deadlock on upgrade."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; one per process (tests make their own)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_db_engine(url, pool_size=pool_size)
        self._sessions = sessionmaker(self.engine, class_=Session, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def tenant_session(self, tenant_id: uuid.UUID) -> Session:
        """A session that can see and write only this tenant's rows."""
        return self._sessions(info={TENANT_KEY: tenant_id})

    def system_session(self) -> Session:
        """A session across tenants, for platform tasks that are not a tenant's request."""
        return self._sessions(info={SYSTEM_KEY: True})

    @contextmanager
    def tenant_unit(self, tenant_id: uuid.UUID) -> Iterator[Session]:
        """A tenant session that commits on success and rolls back on any error."""
        with self.tenant_session(tenant_id) as session, session.begin():
            yield session

    @contextmanager
    def system_unit(self) -> Iterator[Session]:
        """A system session that commits on success and rolls back on any error."""
        with self.system_session() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def session_tenant(session: OrmSession) -> uuid.UUID:
    """The tenant a session is bound to; raises for system and unbound sessions."""
    tenant_id = session.info.get(TENANT_KEY)
    if tenant_id is None:
        raise TenantScopeError("this operation needs a tenant session")
    return cast(uuid.UUID, tenant_id)


def _tenant_column(entity: Any) -> Any:
    """The tenant column of a mapped class; a placeholder when probed with the unmapped mixin."""
    table = getattr(entity, "__table__", None)
    return table.c.tenant_id if table is not None else sa.literal_column("tenant_id")


def _touches_tenant_tables(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantOwned) for mapper in state.all_mappers)


@event.listens_for(OrmSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return
    tenant_id = state.session.info.get(TENANT_KEY)
    if tenant_id is None:
        if not state.session.info.get(SYSTEM_KEY) and _touches_tenant_tables(state):
            raise TenantScopeError("tenant-owned tables need a tenant or system session")
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantOwned,
                lambda cls: _tenant_column(cls) == tenant_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )


@event.listens_for(OrmSession, "after_begin")
def _enter_tenant_wall(session: OrmSession, _transaction: Any, connection: sa.Connection) -> None:
    """On PostgreSQL, a tenant transaction runs as TENANT_ROLE with its tenant named, so
    row-level security holds it to that tenant even if a query escaped the scoping above."""
    tenant_id = session.info.get(TENANT_KEY)
    if tenant_id is not None and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT set_config('role', %s, true), set_config('switchboard.tenant_id', %s, true)",
            (TENANT_ROLE, str(tenant_id)),
        )


@event.listens_for(OrmSession, "before_flush")
def _stamp_tenant(session: OrmSession, _context: Any, _instances: Any) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    if tenant_id is None:
        if session.info.get(SYSTEM_KEY):
            return
        if any(isinstance(o, TenantOwned) for o in (*session.new, *session.dirty)):
            raise TenantScopeError("tenant-owned rows need a tenant or system session")
        return
    for obj in session.new:
        if isinstance(obj, TenantOwned):
            if obj.tenant_id is None:
                obj.tenant_id = tenant_id
            elif obj.tenant_id != tenant_id:
                raise TenantScopeError("row belongs to another tenant")
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, TenantOwned) and obj.tenant_id != tenant_id:
            raise TenantScopeError("row belongs to another tenant")


_database: Database | None = None


def get_database() -> Database:
    """The process's database, from settings on first use."""
    global _database
    if _database is None:
        settings = get_settings()
        _database = Database(settings.database_url, pool_size=settings.db_pool_size)
    return _database


def use_database(database: Database | None) -> None:
    """Install a database as the process's (tests, the CLI after parsing options)."""
    global _database
    _database = database


def defer_commit_flush(session: OrmSession) -> None:
    """Let this transaction's commit return before its log record is on disk (PostgreSQL).

    For writes that a later synchronous commit in the same flow makes durable anyway
    (PostgreSQL flushes its log in order), or that can be redone: a raw record stored before
    its ingest, derived figures a sweep recomputes. Nothing may be acknowledged to a sender on
    the strength of such a commit alone. No effect on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
