"""Web forms on the wire: the admin API's bodies, and the public JSON endpoint's answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, Label, patch_field
from channels.webform.definition import FormDefinition, Slug
from core.forms.service import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, MAX_ORIGINS, MAX_PER_HOUR

Language = Literal["zh", "en"]
Title = Annotated[
    dict[Language, Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]],
    Field(min_length=1, description="the form's title per language (zh, en)"),
]
Origin = Annotated[
    str,
    StringConstraints(max_length=200, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*://[^/\s?#@]+/?$"),
    Field(description="scheme://host[:port], as a browser sends it in Origin"),
]
MediaType = Annotated[
    str,
    StringConstraints(
        max_length=127, pattern=r"^[A-Za-z0-9][\w!#$&^.+-]*/[A-Za-z0-9][\w!#$&^.+-]*$"
    ),
]
AttachmentBytes = Annotated[int, Field(ge=1, le=MAX_ATTACHMENT_BYTES)]
AttachmentCount = Annotated[int, Field(ge=0, le=MAX_ATTACHMENTS)]
PerHour = Annotated[int, Field(ge=1, le=MAX_PER_HOUR)]
Origins = Annotated[list[Origin], Field(max_length=MAX_ORIGINS)]
MediaTypes = Annotated[list[MediaType], Field(max_length=20)]


class FormCreate(BaseModel):
    """A new form. Without ``attachment_types`` it takes no attachments; an empty
    ``allowed_origins`` means the embed works on no other site (the hosted page always does)."""

    model_config = INPUT_CONFIG

    slug: Slug
    title: Title
    definition: FormDefinition
    category: Label | None = None
    queue_id: uuid.UUID | None = None
    default_language: Language = "zh"
    allowed_origins: Origins = Field(default_factory=list)
    thread_into_open: bool = False
    max_attachment_bytes: AttachmentBytes = 5 * 1024 * 1024
    max_attachments: AttachmentCount = 3
    attachment_types: MediaTypes = Field(default_factory=list)
    per_ip_per_hour: PerHour = 20
    per_identity_per_hour: PerHour = 5
    captcha: bool = False
    active: bool = True

    def settings(self) -> dict[str, Any]:
        """Everything but slug, title and definition, as the service takes it."""
        return self.model_dump(exclude={"slug", "title", "definition"})


class FormUpdate(BaseModel):
    model_config = INPUT_CONFIG

    slug: Slug = patch_field()
    title: Title = patch_field()
    definition: FormDefinition = patch_field()
    category: Label | None = None
    queue_id: uuid.UUID | None = None
    default_language: Language = patch_field()
    allowed_origins: Origins = patch_field()
    thread_into_open: bool = patch_field()
    max_attachment_bytes: AttachmentBytes = patch_field()
    max_attachments: AttachmentCount = patch_field()
    attachment_types: MediaTypes = patch_field()
    per_ip_per_hour: PerHour = patch_field()
    per_identity_per_hour: PerHour = patch_field()
    captcha: bool = patch_field()
    active: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class FormOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    slug: str
    title: dict[str, str]
    definition: dict[str, Any]
    category: str | None
    queue_id: uuid.UUID | None
    default_language: str
    allowed_origins: list[str]
    thread_into_open: bool
    max_attachment_bytes: int
    max_attachments: int
    attachment_types: list[str]
    per_ip_per_hour: int
    per_identity_per_hour: int
    captcha: bool
    active: bool
    created_at: datetime


class SubmissionAccepted(BaseModel):
    """The public JSON endpoint's 201 (200 for a replay of an accepted submission)."""

    reference: str = Field(description="#SB-<number>, as the acknowledgement email says it")
    number: int
    duplicate: bool = False
    message: str = Field(description="the thank-you text in the submission's language")
