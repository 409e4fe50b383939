"""Contacts and their identities on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import (
    INPUT_CONFIG,
    NO_NUL,
    OUTPUT_CONFIG,
    Attributes,
    Label,
    LanguageTag,
    Name,
    patch_field,
)
from core.models.contact import IdentityKind, ValueTier

IdentityValue = Annotated[str, StringConstraints(min_length=1, max_length=320, pattern=NO_NUL)]


class IdentityIn(BaseModel):
    """An address: phone numbers in any common format, emails, ``network:handle``, web ids."""

    model_config = INPUT_CONFIG

    kind: IdentityKind
    value: IdentityValue


class IdentityOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    kind: IdentityKind
    value: str = Field(description="normalised form used for lookup")
    display: str | None = Field(description="as it was written")
    verified: bool
    created_at: datetime


class ContactCreate(BaseModel):
    model_config = INPUT_CONFIG

    name: Name
    value_tier: ValueTier = ValueTier.STANDARD
    segment: Label | None = None
    language: LanguageTag | None = None
    attributes: Attributes = Field(default_factory=dict)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=20)


class ContactUpdate(BaseModel):
    """Only the fields sent change; ``segment`` and ``language`` may be set to null."""

    model_config = INPUT_CONFIG

    name: Name = patch_field()
    value_tier: ValueTier = patch_field()
    segment: Label | None = None
    language: LanguageTag | None = None
    attributes: Attributes = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ContactOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    value_tier: ValueTier
    segment: str | None
    language: str | None
    attributes: dict[str, Any]
    merged_into_id: uuid.UUID | None = Field(description="the survivor, once merged away")
    created_at: datetime
    updated_at: datetime | None


class ContactDetailOut(ContactOut):
    identities: list[IdentityOut]


class MergeIn(BaseModel):
    model_config = INPUT_CONFIG

    merge_contact_id: uuid.UUID = Field(description="the contact folded into this one")
