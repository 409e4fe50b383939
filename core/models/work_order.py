"""Work orders (D13): a task a conversation dispatches to a department, with its own deadline."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime, enum_type


class WorkOrderStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class WorkOrder(TenantOwned, table=True):
    __tablename__ = "work_order"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        tenant_fk("queue_id", "queue"),
        tenant_fk("assignee_id", "user"),
        tenant_fk("created_by_id", "user"),
        tenant_fk("completed_by_id", "user"),
        sa.Index("ix_work_order_conversation", "tenant_id", "conversation_id", "status"),
        sa.Index("ix_work_order_queue_status", "tenant_id", "queue_id", "status", "due_at"),
    )

    conversation_id: uuid.UUID
    queue_id: uuid.UUID = Field(description="the department the task is dispatched to")
    title: str = Field(max_length=200)
    details: str = Field(default="", max_length=8000)
    status: WorkOrderStatus = Field(
        default=WorkOrderStatus.OPEN, sa_type=enum_type(WorkOrderStatus)
    )
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    assignee_id: uuid.UUID | None = Field(default=None)
    created_by_id: uuid.UUID | None = Field(default=None)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by_id: uuid.UUID | None = Field(default=None)
    result: str = Field(default="", max_length=8000)
