"""Fetching one tenant-owned row by id, the way every service does.

``get_by_id`` is for the object a request acts on (unknown → 404); ``get_referenced`` for an
object a request points at from a field (unknown → 422 on that field).

In a tenant session another tenant's row is simply not there (core.db scopes the query), so
"not yours" and "does not exist" are the same NotFoundError — and the same 404.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import FieldProblem, InvalidInputError, NotFoundError
from core.models.base import TenantOwned

Row = TypeVar("Row", bound=TenantOwned)


def get_by_id(session: Session, model: type[Row], object_id: uuid.UUID, *, noun: str) -> Row:
    """The row with that id; NotFoundError naming ``noun`` if this tenant has none."""
    row = session.execute(sa.select(model).where(col(model.id) == object_id)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"{noun} {object_id} not found")
    return row


def get_referenced(
    session: Session, model: type[Row], object_id: uuid.UUID, *, field: str, noun: str
) -> Row:
    """The row a field points at; an unknown id is bad input on that field, not a 404."""
    try:
        return get_by_id(session, model, object_id, noun=noun)
    except NotFoundError as exc:
        raise InvalidInputError(
            f"unknown {field}", [FieldProblem(field, f"no such {noun} in this tenant")]
        ) from exc
