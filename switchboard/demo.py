"""The demo tenant: seeded once, a fresh API key per start, credentials written to var/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from core import api_keys, tenants
from core.db import Database
from core.seed import SeedPlan, seed_tenant

DEMO_SLUG = "demo"


def prepare_demo_tenant(
    database: Database,
    *,
    plan: SeedPlan,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[str, bool]:
    """Seed the demo tenant if missing; returns (a new API key, whether it was seeded now)."""
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, DEMO_SLUG)
    seeded = tenant is None
    tenant_id = (
        seed_tenant(database, slug=DEMO_SLUG, plan=plan, progress=progress).tenant_id
        if tenant is None
        else tenant.id
    )
    with database.tenant_unit(tenant_id) as session:
        issued = api_keys.issue_key(session, name="demo")
    return issued.secret, seeded


def write_credentials(path: Path, credentials: dict[str, object]) -> None:
    """Credentials for the person running the demo; readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)
