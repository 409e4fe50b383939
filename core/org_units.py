"""The organisation tree (D4): headquarters → region → site, kept valid on every change.

The tree rule lives in ``PARENT_KIND``: a unit's parent must be of exactly the kind above it, so
levels can never be skipped and cycles cannot form. Services flush but never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id, get_referenced
from core.models.org_unit import PARENT_KIND, OrgUnit, OrgUnitKind
from core.models.queue import Queue
from core.models.user import User
from core.pagination import Page, paginate

UPDATABLE_FIELDS = frozenset({"name", "code", "kind", "parent_id"})


def get_org_unit(session: Session, *, org_unit_id: uuid.UUID) -> OrgUnit:
    """The unit; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, OrgUnit, org_unit_id, noun="org unit")


def require_org_unit(session: Session, *, org_unit_id: uuid.UUID, field: str) -> OrgUnit:
    """The unit another object points at; an unknown id is bad input on that field, not a 404."""
    return get_referenced(session, OrgUnit, org_unit_id, field=field, noun="org unit")


def list_org_units(
    session: Session,
    *,
    kind: OrgUnitKind | None = None,
    parent_id: uuid.UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[OrgUnit]:
    """Units newest first, optionally one kind or the children of one parent."""
    query = sa.select(OrgUnit)
    if kind is not None:
        query = query.where(col(OrgUnit.kind) == kind)
    if parent_id is not None:
        query = query.where(col(OrgUnit.parent_id) == parent_id)
    return paginate(session, query, col(OrgUnit.id), limit=limit, cursor=cursor)


def create_org_unit(
    session: Session,
    *,
    name: str,
    code: str,
    kind: OrgUnitKind,
    parent_id: uuid.UUID | None = None,
) -> OrgUnit:
    """A new unit in the tree; InvalidInputError if the parent breaks the level rule."""
    _check_parent(session, kind=kind, parent_id=parent_id)
    _check_code_free(session, code=code)
    unit = OrgUnit(name=name, code=code, kind=kind, parent_id=parent_id)
    session.add(unit)
    session.flush()
    return unit


def update_org_unit(
    session: Session, *, org_unit_id: uuid.UUID, changes: Mapping[str, Any]
) -> OrgUnit:
    """Rename, recode or move a unit; its kind changes only while no child depends on it."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    unit = get_org_unit(session, org_unit_id=org_unit_id)
    kind = OrgUnitKind(changes.get("kind", unit.kind))
    parent_id = changes.get("parent_id", unit.parent_id)
    if kind is not unit.kind or parent_id != unit.parent_id:
        _check_parent(session, kind=kind, parent_id=parent_id)
    if kind is not unit.kind and _has_children(session, unit.id):
        raise ConflictError("a unit with child units cannot change kind; move the children first")
    if "code" in changes and changes["code"] != unit.code:
        _check_code_free(session, code=changes["code"])
    for field_name, value in changes.items():
        setattr(unit, field_name, value)
    session.flush()
    return unit


def delete_org_unit(session: Session, *, org_unit_id: uuid.UUID) -> None:
    """Delete a unit nothing points at; ConflictError names what still does."""
    unit = get_org_unit(session, org_unit_id=org_unit_id)
    dependents = {
        "child units": sa.select(col(OrgUnit.id)).where(col(OrgUnit.parent_id) == org_unit_id),
        "queues": sa.select(col(Queue.id)).where(col(Queue.org_unit_id) == org_unit_id),
        "users": sa.select(col(User.id)).where(col(User.org_unit_id) == org_unit_id),
    }
    used_by = [
        name for name, query in dependents.items() if session.execute(query.limit(1)).first()
    ]
    if used_by:
        raise ConflictError(f"org unit is still used by {', '.join(used_by)}")
    session.delete(unit)
    session.flush()


def _check_parent(session: Session, *, kind: OrgUnitKind, parent_id: uuid.UUID | None) -> None:
    required = PARENT_KIND[kind]
    if required is None:
        if parent_id is not None:
            raise InvalidInputError(
                "invalid parent", [FieldProblem("parent_id", f"a {kind.value} has no parent")]
            )
        return
    if parent_id is None:
        raise InvalidInputError(
            "missing parent",
            [FieldProblem("parent_id", f"a {kind.value} needs a {required.value} as parent")],
        )
    parent = require_org_unit(session, org_unit_id=parent_id, field="parent_id")
    if parent.kind is not required:
        raise InvalidInputError(
            "invalid parent",
            [
                FieldProblem(
                    "parent_id",
                    f"a {kind.value}'s parent must be a {required.value}, not a {parent.kind.value}",
                )
            ],
        )


def _check_code_free(session: Session, *, code: str) -> None:
    taken = session.execute(sa.select(col(OrgUnit.id)).where(col(OrgUnit.code) == code)).first()
    if taken is not None:
        raise ConflictError(f"org unit code {code!r} is taken")


def _has_children(session: Session, org_unit_id: uuid.UUID) -> bool:
    query = sa.select(col(OrgUnit.id)).where(col(OrgUnit.parent_id) == org_unit_id).limit(1)
    return session.execute(query).first() is not None
