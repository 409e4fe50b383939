"""Keyset pagination over time-ordered ids: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.errors import FieldProblem, InvalidInputError

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(last_id.bytes).decode().rstrip("=")


def decode_cursor(cursor: str) -> uuid.UUID:
    """The id a cursor stands for; InvalidInputError for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return uuid.UUID(bytes=raw)
    except (ValueError, binascii.Error) as exc:
        raise InvalidInputError("invalid cursor", [FieldProblem("cursor", "not a cursor")]) from exc


def paginate(
    session: Session, query: sa.Select[Any], id_column: Any, *, limit: int, cursor: str | None
) -> Page[Any]:
    """Newest first; fetches one extra row to know whether there is a next page."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInputError(
            "invalid limit", [FieldProblem("limit", f"must be between 1 and {MAX_PAGE_SIZE}")]
        )
    if cursor:
        query = query.where(id_column < decode_cursor(cursor))
    rows: Sequence[Any] = (
        session.execute(query.order_by(id_column.desc()).limit(limit + 1)).scalars().all()
    )
    items = list(rows[:limit])
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def paginate_by_time(
    session: Session,
    query: sa.Select[Any],
    model: Any,
    time_column: Any,
    *,
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    """Latest ``time_column`` first (ties by id), with core's cursors: a cursor names the last
    row seen, and the next page starts after that row's time as it is now."""
    id_column = model.id
    if cursor:
        last_id = decode_cursor(cursor)
        last_time = session.execute(
            sa.select(time_column).where(id_column == last_id)
        ).scalar_one_or_none()
        if last_time is None:
            raise InvalidInputError("invalid cursor", [FieldProblem("cursor", "not a cursor")])
        query = query.where(
            sa.or_(time_column < last_time, sa.and_(time_column == last_time, id_column < last_id))
        )
    ordered = query.order_by(time_column.desc())
    return paginate(session, ordered, id_column, limit=limit, cursor=None)
