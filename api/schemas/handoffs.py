"""Transfers, escalations and their hand-over notes on the wire."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG
from core.handoffs import MAX_NOTE_CHARS, HandoffNote
from core.models.conversation import ConversationStatus
from core.models.handoff import HandoffKind
from core.models.user import Tier

Summary = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_NOTE_CHARS, pattern=r"^[^\x00]*\S[^\x00]*$"),
    Field(description="the problem, so the receiving agent need not ask the customer again"),
]
Tried = Annotated[
    str,
    StringConstraints(max_length=MAX_NOTE_CHARS, pattern=NO_NUL),
    Field(description="what was already tried"),
]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000, pattern=NO_NUL)]


class HandoffNoteIn(BaseModel):
    model_config = INPUT_CONFIG

    summary: Summary
    tried: Tried = ""
    identity_verified: bool = False

    def note(self) -> HandoffNote:
        return HandoffNote(
            summary=self.summary, tried=self.tried, identity_verified=self.identity_verified
        )


class TransferIn(HandoffNoteIn):
    """Exactly one of ``to_agent_id`` and ``to_queue_id``."""

    to_agent_id: uuid.UUID | None = None
    to_queue_id: uuid.UUID | None = None


class EscalationTarget(enum.StrEnum):
    TIER = "tier"  # L1 -> L2 -> L3
    ORG = "org"  # site -> region -> headquarters


class EscalationIn(HandoffNoteIn):
    target: EscalationTarget


class HandoffOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    conversation_id: uuid.UUID
    kind: HandoffKind
    summary: str
    tried: str
    identity_verified: bool
    from_agent_id: uuid.UUID | None
    to_agent_id: uuid.UUID | None
    from_queue_id: uuid.UUID | None
    to_queue_id: uuid.UUID | None
    from_tier: Tier | None
    to_tier: Tier | None
    from_org_unit_id: uuid.UUID | None
    to_org_unit_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    created_at: datetime
    read_at: datetime | None


class ResolveIn(BaseModel):
    model_config = INPUT_CONFIG

    close: bool = Field(default=False, description="close instead of resolve")
    override_reason: Reason | None = Field(
        default=None, description="required to resolve over open work orders"
    )


class ResolvedOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    status: ConversationStatus
    resolved_at: datetime | None
    closed_at: datetime | None
    owner_id: uuid.UUID | None
