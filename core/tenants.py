"""Creating and finding tenants (platform-level: these run in system sessions)."""

from __future__ import annotations

import re
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.models.tenant import Tenant

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def create_tenant(
    session: Session, *, slug: str, name: str, timezone: str = "UTC", locale: str = "en-US"
) -> Tenant:
    """A new tenant (no commit); the slug appears in URLs, so it is checked strictly."""
    if not SLUG_PATTERN.match(slug):
        raise InvalidInputError(
            "invalid slug", [FieldProblem("slug", "lower-case letters, digits and hyphens")]
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInputError(
            "invalid timezone", [FieldProblem("timezone", f"unknown time zone {timezone!r}")]
        ) from exc
    if get_by_slug(session, slug) is not None:
        raise ConflictError(f"tenant {slug!r} exists")
    tenant = Tenant(slug=slug, name=name, timezone=timezone, locale=locale)
    session.add(tenant)
    session.flush()
    return tenant


def get_by_slug(session: Session, slug: str) -> Tenant | None:
    return session.execute(sa.select(Tenant).where(col(Tenant.slug) == slug)).scalar_one_or_none()


def get(session: Session, tenant_id: uuid.UUID) -> Tenant | None:
    return session.get(Tenant, tenant_id)
