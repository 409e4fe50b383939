"""Seeding one tenant: the tenant row, then each stage in the order that fixes the output."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col

from core.clock import as_utc, utcnow
from core.db import Database
from core.errors import ConflictError
from core.ids import new_id
from core.models import Tenant
from core.seed.conversations import seed_conversations
from core.seed.customers import ContactBook
from core.seed.live import bring_to_life
from core.seed.plan import Progress, SeedPlan, SeedResult
from core.seed.rows import RowWriter, model_defaults
from core.seed.run import LOCAL_TZ, SeedRun
from core.seed.social import seed_social
from core.seed.staff import seed_staff


def seed_tenant(
    db: Database,
    *,
    slug: str = "demo",
    name: str = "Northwind Telecom",
    plan: SeedPlan = SeedPlan(),
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SeedResult:
    """Create a tenant full of demo data in one committed transaction.

    Raises ConflictError, writing nothing, if the slug is taken. The same plan and `now` give
    the same data apart from ids, so demos and tests are reproducible.
    """
    with db.system_unit() as session:
        taken = session.execute(sa.select(col(Tenant.id)).where(col(Tenant.slug) == slug)).first()
        if taken is not None:
            raise ConflictError(f"a tenant with slug {slug!r} already exists")
        rows = RowWriter(session, tenant_id=new_id())
        run = SeedRun(plan, as_utc(now or utcnow()), progress or (lambda *_: None), rows)
        tenant = model_defaults(Tenant) | {"id": rows.tenant_id, "slug": slug, "name": name}
        tenant |= {"timezone": LOCAL_TZ.key, "locale": "zh-CN", "created_at": run.founded}
        try:
            session.execute(sa.insert(Tenant), [tenant])
        except sa.exc.IntegrityError as exc:  # a concurrent seed took the slug first
            raise ConflictError(f"a tenant with slug {slug!r} already exists") from exc
        staff = seed_staff(run)
        contacts = ContactBook(run)
        contacts.seed()
        numbered = seed_conversations(run, staff, contacts)
        session.execute(
            sa.update(Tenant)
            .where(col(Tenant.id) == rows.tenant_id)
            .values(conversation_seq=numbered)
        )
        counts = dict(rows.counts)
    counts["events"] += bring_to_life(
        db, tenant_id=rows.tenant_id, now=run.now, progress=run.progress
    )
    social = seed_social(
        db,
        tenant_id=rows.tenant_id,
        now=run.now,
        days=plan.days,
        seed=plan.seed,
        progress=run.progress,
    )
    for name, added in social.added.items():
        counts[name] += added
    counts |= {
        "social_posts": social.posts,
        "social_alerts": social.alerts,
        "social_authors": social.added["contacts"],
    }
    return SeedResult(tenant_id=rows.tenant_id, **counts)
