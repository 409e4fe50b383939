"""Users and their agent profile (roles, tier, languages, org unit, graded skills)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, EmailStr, Field

from api.schemas.common import (
    INPUT_CONFIG,
    OUTPUT_CONFIG,
    Label,
    LanguageTag,
    Name,
    SkillLevel,
    patch_field,
)
from core.models.user import Role, Tier


class SkillIn(BaseModel):
    model_config = INPUT_CONFIG

    skill: Label
    level: SkillLevel = 1


class SkillOut(BaseModel):
    model_config = OUTPUT_CONFIG

    skill: str
    level: int


class UserCreate(BaseModel):
    model_config = INPUT_CONFIG

    email: EmailStr
    name: Name
    roles: list[Role] = Field(default_factory=list, max_length=len(Role))
    active: bool = True
    tier: Tier | None = None
    languages: list[LanguageTag] = Field(default_factory=list, max_length=20)
    org_unit_id: uuid.UUID | None = None
    skills: list[SkillIn] = Field(default_factory=list, max_length=100)


class UserUpdate(BaseModel):
    """Only the fields sent change; ``skills`` replaces the whole set."""

    model_config = INPUT_CONFIG

    email: EmailStr = patch_field()
    name: Name = patch_field()
    roles: list[Role] = patch_field(max_length=len(Role))
    active: bool = patch_field()
    tier: Tier | None = None
    languages: list[LanguageTag] = patch_field(max_length=20)
    org_unit_id: uuid.UUID | None = None
    skills: list[SkillIn] = patch_field(max_length=100)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class UserOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    email: str
    name: str
    roles: list[Role]
    active: bool
    tier: Tier | None
    languages: list[str]
    org_unit_id: uuid.UUID | None
    skills: list[SkillOut]
    created_at: datetime
