"""Per-tenant web forms, defined in data: fields, labels per language, limits, origins."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType


class WebForm(TenantOwned, table=True):
    """``definition`` holds the fields (see channels/webform/definition.py for its schema);
    ``allowed_origins`` is the CORS allow-list of the embeddable script and JSON endpoint."""

    __tablename__ = "web_form"
    __table_args__ = (
        tenant_fk("queue_id", "queue"),
        sa.UniqueConstraint("tenant_id", "slug"),
    )

    slug: str = Field(max_length=63)
    title: dict[str, str] = Field(default_factory=dict, sa_type=JSONType, description="lang→text")
    definition: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    category: str | None = Field(default=None, max_length=64)
    queue_id: uuid.UUID | None = Field(default=None)
    default_language: str = Field(default="zh", max_length=16)
    allowed_origins: list[str] = Field(default_factory=list, sa_type=JSONType)
    thread_into_open: bool = Field(default=False)
    max_attachment_bytes: int = Field(default=5 * 1024 * 1024)
    max_attachments: int = Field(default=3)
    attachment_types: list[str] = Field(default_factory=list, sa_type=JSONType)
    per_ip_per_hour: int = Field(default=20)
    per_identity_per_hour: int = Field(default=5)
    captcha: bool = Field(default=False, description="call the tenant's captcha hook")
    active: bool = Field(default=True)
