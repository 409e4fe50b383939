"""Social accounts and posts on the wire.

Account credentials are write-only: sent in, stored, and shown back only as their names.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, Attributes, Name, patch_field
from core.models.social import PostKind, SentimentLabel, SocialNetwork

Handle = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_NUL)]
BaseUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x00]+$")]
PollInterval = Annotated[
    int, Field(ge=15, le=86_400, description="seconds between polls (polled networks)")
]
MAX_CREDENTIALS = 50


def _few_credentials(credentials: dict[str, Any]) -> dict[str, Any]:
    if len(credentials) > MAX_CREDENTIALS:
        raise ValueError(f"at most {MAX_CREDENTIALS} credentials")
    return credentials


Credentials = Annotated[
    Attributes,
    AfterValidator(_few_credentials),
    Field(description="tokens and secrets the connector needs; write-only, never returned"),
]


class SocialAccountCreate(BaseModel):
    model_config = INPUT_CONFIG

    network: SocialNetwork
    name: Name = Field(description="unique per network")
    handle: Handle | None = Field(default=None, description="our handle, page id or user id")
    api_base_url: BaseUrl | None = Field(default=None, description="default: the network's")
    credentials: Credentials = Field(default_factory=dict)
    settings: Attributes = Field(default_factory=dict)
    queue_id: uuid.UUID | None = Field(default=None, description="where its conversations go")
    poll_interval_seconds: PollInterval = 60
    active: bool = True

    def settings_fields(self) -> dict[str, Any]:
        """Everything but network and name, as the service takes it."""
        return self.model_dump(exclude={"network", "name"})


class SocialAccountUpdate(BaseModel):
    """Only the fields sent change; ``credentials`` replaces the stored set whole."""

    model_config = INPUT_CONFIG

    name: Name = patch_field()
    handle: Handle | None = None
    api_base_url: BaseUrl | None = None
    credentials: Credentials = patch_field()
    settings: Attributes = patch_field()
    queue_id: uuid.UUID | None = None
    poll_interval_seconds: PollInterval = patch_field()
    active: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class SocialAccountOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    network: SocialNetwork
    name: str
    handle: str | None
    api_base_url: str | None
    credential_keys: list[str] = Field(description="the names of the stored credentials")
    settings: dict[str, Any]
    queue_id: uuid.UUID | None
    poll_interval_seconds: int
    active: bool
    cursor: dict[str, Any] = Field(description="the connector's position; read-only")
    last_polled_at: datetime | None
    next_poll_at: datetime | None = Field(description="null: due now (polled networks)")
    backoff_until: datetime | None
    consecutive_failures: int
    last_error: str | None
    webhook_path: str | None = Field(
        description="where the network pushes to (facebook, instagram, webhook); else null"
    )
    created_at: datetime


class AuthorOut(BaseModel):
    handle: str
    name: str | None
    followers: int
    identity_id: uuid.UUID | None = Field(description="the author's contact identity")
    contact_id: uuid.UUID | None


class SentimentOut(BaseModel):
    score: float = Field(description="-1 (negative) to 1 (positive)")
    label: SentimentLabel


class PostOut(BaseModel):
    """A post as intake stored it; ``version`` counts its edits, deleted posts are kept."""

    id: uuid.UUID
    account_id: uuid.UUID | None
    network: SocialNetwork
    external_id: str
    kind: PostKind
    author: AuthorOut
    text: str
    language: str | None
    url: str | None
    posted_at: datetime
    in_reply_to: str | None
    metrics: dict[str, Any]
    shares: int
    addresses_us: bool
    monitor_ids: list[uuid.UUID]
    matched_terms: list[str]
    sentiment: SentimentOut
    conversation_id: uuid.UUID | None
    version: int
    edited_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime
