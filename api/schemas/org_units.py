"""Org units (the D4 tree) on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints

from api.schemas.common import INPUT_CONFIG, OUTPUT_CONFIG, Name, patch_field
from core.models.org_unit import OrgUnitKind

OrgUnitCode = Annotated[
    str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]


class OrgUnitCreate(BaseModel):
    """A headquarters has no parent; a region's parent is a headquarters; a site's a region."""

    model_config = INPUT_CONFIG

    name: Name
    code: OrgUnitCode
    kind: OrgUnitKind
    parent_id: uuid.UUID | None = None


class OrgUnitUpdate(BaseModel):
    model_config = INPUT_CONFIG

    name: Name = patch_field()
    code: OrgUnitCode = patch_field()
    kind: OrgUnitKind = patch_field()
    parent_id: uuid.UUID | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class OrgUnitOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    code: str
    kind: OrgUnitKind
    parent_id: uuid.UUID | None
    created_at: datetime
