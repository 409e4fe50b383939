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
