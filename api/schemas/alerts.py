"""Public-opinion alerts on the wire: the alert, its trail of notes, its evidence posts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, OUTPUT_CONFIG
from api.schemas.social import SentimentOut
from core.models.social_alert import AlertKind, AlertStatus, Severity

NoteText = Annotated[
    str, StringConstraints(min_length=1, max_length=5000, pattern=r"^[^\x00]*\S[^\x00]*$")
]


class AcknowledgeIn(BaseModel):
    model_config = INPUT_CONFIG

    owner_id: uuid.UUID | None = Field(
        default=None, description="default: the current owner, else the caller"
    )
    note: NoteText | None = None


class ResolveIn(BaseModel):
    model_config = INPUT_CONFIG

    note: NoteText = Field(description="how the storm ended")
    owner_id: uuid.UUID | None = None


class AlertNoteIn(BaseModel):
    model_config = INPUT_CONFIG

    text: NoteText


class AlertUpdate(BaseModel):
    model_config = INPUT_CONFIG

    owner_id: uuid.UUID | None = Field(description="a user of this tenant; null: nobody")


class AlertNoteOut(BaseModel):
    """One entry of the alert's trail: a note, or who acknowledged, resolved or reassigned it."""

    at: datetime
    author_id: uuid.UUID | None
    text: str
    action: str = Field(default="note", description="note, acknowledged, resolved or owner_changed")


class AlertOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    monitor_id: uuid.UUID | None
    kind: AlertKind
    status: AlertStatus
    severity: Severity
    title: str
    figures: dict[str, Any] = Field(description="what the detector measured last")
    peak: dict[str, Any] = Field(description="the figures at the storm's height")
    evidence_post_ids: list[uuid.UUID]
    post_count: int
    evaluations: int
    first_seen_at: datetime
    last_seen_at: datetime
    owner_id: uuid.UUID | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    notes: list[AlertNoteOut]
    incident_id: uuid.UUID | None
    created_at: datetime


class EvidencePostOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    text: str
    author_handle: str
    author_name: str | None
    followers: int
    sentiment: SentimentOut
    url: str | None
    posted_at: datetime
    deleted: bool = Field(description="the author deleted it since")


class AlertDetailOut(AlertOut):
    evidence: list[EvidencePostOut] = Field(description="the evidence posts, expanded")
