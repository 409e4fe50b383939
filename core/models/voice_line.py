"""Phone numbers customers call, each with its IVR (menu tree, prompts, after-hours rule)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType


class VoiceLine(TenantOwned, table=True):
    """A dialled number (E.164). ``ivr`` is the menu tree as data (see channels/phone/ivr.py);
    ``calendar_id`` decides after hours (voicemail), else the default queue's, else the tenant's."""

    __tablename__ = "voice_line"
    __table_args__ = (
        tenant_fk("default_queue_id", "queue"),
        tenant_fk("calendar_id", "business_calendar"),
        sa.UniqueConstraint("tenant_id", "number"),
    )

    number: str = Field(max_length=32)
    name: str = Field(default="", max_length=200)
    language: str = Field(default="zh-CN", max_length=16, description="first prompt language")
    ivr: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    default_queue_id: uuid.UUID | None = Field(default=None)
    calendar_id: uuid.UUID | None = Field(default=None)
    voicemail: bool = Field(default=True, description="after hours: record a message")
    active: bool = Field(default=True)
