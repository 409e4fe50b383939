"""Drill-down along the org tree (D4): an org unit's figures include all units below it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.models.org_unit import OrgUnit
from core.org_units import get_org_unit

org_unit_t: sa.Table = OrgUnit.__table__  # type: ignore[attr-defined]


def org_subtree(session: Session, *, org_unit_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """The unit and its descendants (headquarters → regions → sites); NotFoundError if the
    tenant has no such unit."""
    get_org_unit(session, org_unit_id=org_unit_id)
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    rows = st.run(
        session,
        sa.select(org_unit_t.c.id, org_unit_t.c.parent_id).where(
            org_unit_t.c.tenant_id == st.TENANT
        ),
    )
    for unit_id, parent_id in rows:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id)
    found, frontier = {org_unit_id}, [org_unit_id]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found.add(child)
                frontier.append(child)
    return frozenset(found)


def scope_of(session: Session, org_unit_id: uuid.UUID | None) -> frozenset[uuid.UUID] | None:
    """The org units a drill-down covers; None (no filter) for the whole tenant."""
    return None if org_unit_id is None else org_subtree(session, org_unit_id=org_unit_id)
