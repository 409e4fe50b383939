"""Queues on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, SkillLevels, patch_field
from core.models.channel import Channel
from core.models.user import Tier

QueueName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
ServiceLevelSeconds = Annotated[
    int, Field(ge=1, le=86_400, description="answer-within threshold in seconds")
]

AgentCapacity = Annotated[
    dict[Channel, Annotated[int, Field(ge=0, le=50)]],
    Field(description="per-channel cap on an agent's load while working this queue"),
]


class QueueCreate(BaseModel):
    model_config = INPUT_CONFIG

    name: QueueName
    org_unit_id: uuid.UUID | None = None
    tier: Tier = Tier.L1
    channels: list[Channel] = Field(default_factory=list, max_length=len(Channel))
    required_skills: SkillLevels = Field(default_factory=dict)
    service_level_seconds: ServiceLevelSeconds = 20
    active: bool = True
    agent_capacity: AgentCapacity = Field(default_factory=dict)
    calendar_id: uuid.UUID | None = None


class QueueUpdate(BaseModel):
    model_config = INPUT_CONFIG

    name: QueueName = patch_field()
    org_unit_id: uuid.UUID | None = None
    tier: Tier = patch_field()
    channels: list[Channel] = patch_field(max_length=len(Channel))
    required_skills: SkillLevels = patch_field()
    service_level_seconds: ServiceLevelSeconds = patch_field()
    active: bool = patch_field()
    agent_capacity: AgentCapacity = patch_field()
    calendar_id: uuid.UUID | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class QueueOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    org_unit_id: uuid.UUID | None
    tier: Tier
    channels: list[Channel]
    required_skills: dict[str, int]
    service_level_seconds: int
    active: bool
    agent_capacity: dict[Channel, int]
    calendar_id: uuid.UUID | None
    created_at: datetime
