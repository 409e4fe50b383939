"""Cursor pagination on the wire: ``limit`` and an opaque ``cursor`` in, a page object out.

Cursors are issued by core (keyset on time-ordered ids); a cursor we did not issue is a 422
problem on the ``cursor`` field, never a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from litestar.params import QueryParameter
from pydantic import BaseModel, Field

from core.pagination import MAX_PAGE_SIZE, Page

T = TypeVar("T")
S = TypeVar("S")

DEFAULT_PAGE_SIZE = 50

Limit = Annotated[
    int,
    QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"page size, 1 to {MAX_PAGE_SIZE}"),
]
Cursor = Annotated[
    str | None,
    QueryParameter(max_length=64, description="the next_cursor of the previous page"),
]


class PageOut(BaseModel, Generic[T]):
    """One page of a list, newest first; ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page")


def page_out(page: Page[S], convert: Callable[[S], T]) -> PageOut[T]:
    """A core page shaped for the wire."""
    return PageOut[T](items=[convert(item) for item in page.items], next_cursor=page.next_cursor)
