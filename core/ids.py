"""Identifiers: UUIDv7, so keys sort by creation time (index locality, cursor pagination)."""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    """A new time-ordered UUID."""
    return uuid7()
