"""Stored business-hours calendars; ``core.sla.business_hours`` does the arithmetic."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned
from core.models.types import JSONType


class BusinessCalendarRecord(TenantOwned, table=True):
    """Weekly hours as ``{"0": [["09:00", "18:00"]], ...}`` (0 = Monday), holidays as ISO dates.

    The tenant's default calendar (``is_default``) applies where a queue names none.
    """

    __tablename__ = "business_calendar"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    name: str = Field(max_length=100)
    timezone: str = Field(max_length=64)
    weekly: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    holidays: list[str] = Field(default_factory=list, sa_type=JSONType)
    is_default: bool = Field(default=False)
