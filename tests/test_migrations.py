"""Migrations and models agree, on both backends, and the schema can be rebuilt from nothing."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from core.migrate import alembic_config, upgrade


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    # alembic check raises if autogenerate would emit any operation
    command.check(alembic_config(database_url))


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/roundtrip.db"
    upgrade(url)
    command.downgrade(alembic_config(url), "base")
    upgrade(url)
    command.check(alembic_config(url))
