"""Work orders on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG
from core.models.work_order import WorkOrderStatus

Title = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")
]
LongText = Annotated[str, StringConstraints(max_length=8000, pattern=NO_NUL)]


class WorkOrderCreate(BaseModel):
    model_config = INPUT_CONFIG

    queue_id: uuid.UUID
    title: Title
    details: LongText = ""
    due_at: AwareDatetime | None = None
    assignee_id: uuid.UUID | None = None


class WorkOrderComplete(BaseModel):
    model_config = INPUT_CONFIG

    result: LongText = ""


class WorkOrderCancel(BaseModel):
    model_config = INPUT_CONFIG

    reason: Annotated[str, StringConstraints(min_length=1, max_length=8000, pattern=NO_NUL)]


class WorkOrderOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    conversation_id: uuid.UUID
    queue_id: uuid.UUID
    title: str
    details: str
    status: WorkOrderStatus
    due_at: datetime | None
    assignee_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    completed_at: datetime | None
    completed_by_id: uuid.UUID | None
    result: str
