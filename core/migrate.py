"""Schema migrations (Alembic), callable from the CLI, the server and tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to the given revision; safe to run on every start."""
    command.upgrade(alembic_config(url), revision)


def autogenerate(url: str, message: str) -> None:
    """Write a new revision from the difference between models and database (developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
