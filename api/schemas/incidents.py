"""Incidents on the wire: what they cover, the public statement, call-backs, the review."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, OUTPUT_CONFIG, patch_field
from core.models.social_alert import IncidentSeverity, IncidentStatus

NOT_BLANK = r"^[^\x00]*\S[^\x00]*$"
Title = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=NOT_BLANK)]
LongText = Annotated[str, StringConstraints(max_length=20_000, pattern=r"^[^\x00]*$")]
Review = Annotated[str, StringConstraints(min_length=1, max_length=20_000, pattern=NOT_BLANK)]
StatementText = Annotated[str, StringConstraints(min_length=1, max_length=5000, pattern=NOT_BLANK)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=NOT_BLANK)]
Ids = Annotated[list[uuid.UUID], Field(max_length=500)]


class IncidentCreate(BaseModel):
    model_config = INPUT_CONFIG

    title: Title
    severity: IncidentSeverity = IncidentSeverity.GENERAL
    summary: LongText = ""
    alert_ids: Ids = Field(
        default_factory=list, description="linked with their evidence posts and conversations"
    )


class IncidentUpdate(BaseModel):
    """Only the fields sent change; close with POST …/close (it needs the review)."""

    model_config = INPUT_CONFIG

    title: Title = patch_field()
    severity: IncidentSeverity = patch_field()
    status: IncidentStatus = patch_field(description="open or monitoring")
    summary: LongText = patch_field()
    review: Review = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class LinksIn(BaseModel):
    """More of what the incident covers; alerts bring their evidence posts, posts their
    conversations. Linking something twice changes nothing."""

    model_config = INPUT_CONFIG

    alert_ids: Ids = Field(default_factory=list)
    post_ids: Ids = Field(default_factory=list)
    conversation_ids: Ids = Field(default_factory=list)


class StatementIn(BaseModel):
    model_config = INPUT_CONFIG

    text: StatementText
    account_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=20, description="active accounts on x, mastodon or facebook"
    )


class CallbacksIn(BaseModel):
    model_config = INPUT_CONFIG

    reason: Reason = Field(description="noted on the customer's conversation")


class CloseIn(BaseModel):
    model_config = INPUT_CONFIG

    review: Review = Field(description="the post-incident review")


class LinksOut(BaseModel):
    alerts: list[uuid.UUID]
    posts: list[uuid.UUID]
    conversations: list[uuid.UUID]


class IncidentOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    title: str
    severity: IncidentSeverity
    status: IncidentStatus
    summary: str
    opened_by_id: uuid.UUID | None
    statement_text: str | None
    statement_account_ids: list[uuid.UUID]
    statement_results: dict[str, dict[str, Any]] = Field(
        description="per account id, what publishing gave (missing: not yet reported)"
    )
    statement_requested_at: datetime | None
    callbacks_queued: int
    review: str | None
    closed_at: datetime | None
    created_at: datetime


class IncidentDetailOut(IncidentOut):
    links: LinksOut


class CallbacksQueuedOut(BaseModel):
    queued: int = Field(description="call-backs asked for by this request")
    callbacks_queued: int = Field(description="all the incident's call-backs so far")
