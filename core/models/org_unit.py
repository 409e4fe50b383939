"""The three-level organisation tree (D4): headquarters → region → site."""

from __future__ import annotations

import enum
import uuid

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import enum_type


class OrgUnitKind(enum.StrEnum):
    HEADQUARTERS = "headquarters"
    REGION = "region"
    SITE = "site"


PARENT_KIND: dict[OrgUnitKind, OrgUnitKind | None] = {
    OrgUnitKind.HEADQUARTERS: None,
    OrgUnitKind.REGION: OrgUnitKind.HEADQUARTERS,
    OrgUnitKind.SITE: OrgUnitKind.REGION,
}


class OrgUnit(TenantOwned, table=True):
    """A node of a tenant's organisation; reports roll up along parent_id."""

    __tablename__ = "org_unit"
    __table_args__ = (
        tenant_fk("parent_id", "org_unit"),
        sa.UniqueConstraint("tenant_id", "code"),
    )

    name: str = Field(max_length=200)
    code: str = Field(max_length=32)
    kind: OrgUnitKind = Field(sa_type=enum_type(OrgUnitKind))
    parent_id: uuid.UUID | None = Field(default=None)
