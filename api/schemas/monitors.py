"""Monitors on the wire: the rule, its filters, the alerting thresholds, and rule trials.

The webhook secret is write-only: shown back only as ``webhook_secret_set``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, Label, Name, patch_field
from core.models.social import SocialNetwork
from core.monitors.rules import MAX_RULE_LENGTH
from core.monitors.service import (
    MAX_COUNT,
    MAX_EMAILS,
    MAX_FOLLOWERS,
    MAX_LANGUAGES,
    MAX_WATCH_TERM_LENGTH,
    MAX_WATCH_TERMS,
)

RuleText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_RULE_LENGTH, pattern=NO_NUL),
    Field(description='boolean keywords: `brand AND (outage OR "no signal") NOT test`'),
]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
WatchTerm = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_WATCH_TERM_LENGTH, pattern=NO_NUL)
]
WebhookUrl = Annotated[str, StringConstraints(max_length=500, pattern=r"^https?://[^\s\x00]+$")]
WebhookSecret = Annotated[str, StringConstraints(min_length=8, max_length=200, pattern=NO_NUL)]
Languages = Annotated[
    list[LanguageCode], Field(max_length=MAX_LANGUAGES, description="empty: every language")
]
Networks = Annotated[
    list[SocialNetwork], Field(max_length=len(SocialNetwork), description="empty: every network")
]
WatchTerms = Annotated[
    list[WatchTerm],
    Field(max_length=MAX_WATCH_TERMS, description="a post using one is flagged at once"),
]
Emails = Annotated[list[EmailStr], Field(max_length=MAX_EMAILS)]
PostText = Annotated[str, StringConstraints(max_length=20_000, pattern=NO_NUL)]


class Thresholds(BaseModel):
    """When the monitor's posts raise an alert; the window is counted in five-minute buckets."""

    model_config = INPUT_CONFIG

    window_minutes: int = Field(default=60, ge=5, le=1440, multiple_of=5)
    negative_share_threshold: float = Field(
        default=0.5, ge=0, le=1, description="share of negative posts in the window"
    )
    negative_share_min_posts: int = Field(default=20, ge=1, le=MAX_COUNT)
    spike_threshold: float = Field(
        default=4.0, gt=0, le=1000, description="robust z-score of the window's volume"
    )
    spike_min_volume: int = Field(default=20, ge=1, le=MAX_COUNT)
    influencer_followers: int = Field(
        default=50_000, ge=0, le=MAX_FOLLOWERS, description="a negative post from this many"
    )


class ThresholdsUpdate(BaseModel):
    """Only the thresholds sent change."""

    model_config = INPUT_CONFIG

    window_minutes: int = patch_field(ge=5, le=1440, multiple_of=5)
    negative_share_threshold: float = patch_field(ge=0, le=1)
    negative_share_min_posts: int = patch_field(ge=1, le=MAX_COUNT)
    spike_threshold: float = patch_field(gt=0, le=1000)
    spike_min_volume: int = patch_field(ge=1, le=MAX_COUNT)
    influencer_followers: int = patch_field(ge=0, le=MAX_FOLLOWERS)


class MonitorCreate(BaseModel):
    model_config = INPUT_CONFIG

    name: Name = Field(description="unique in the tenant")
    rule: RuleText
    category: Label | None = Field(default=None, description="counts toward a category surge")
    languages: Languages = Field(default_factory=list)
    networks: Networks = Field(default_factory=list)
    opens_conversations: bool = Field(
        default=False, description="a complaint rule: matched posts become conversations"
    )
    queue_id: uuid.UUID | None = None
    watch_terms: WatchTerms = Field(default_factory=list)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    notify_emails: Emails = Field(default_factory=list)
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = Field(
        default=None, description="signs the alert webhook; write-only"
    )
    active: bool = True

    def settings(self) -> dict[str, Any]:
        """Everything but name and rule, as the service's flat columns."""
        fields = self.model_dump(exclude={"name", "rule", "thresholds"})
        return {**fields, **self.thresholds.model_dump()}


class MonitorUpdate(BaseModel):
    """Only the fields sent change; within ``thresholds``, only those sent."""

    model_config = INPUT_CONFIG

    name: Name = patch_field()
    rule: RuleText = patch_field()
    category: Label | None = None
    languages: Languages = patch_field()
    networks: Networks = patch_field()
    opens_conversations: bool = patch_field()
    queue_id: uuid.UUID | None = None
    watch_terms: WatchTerms = patch_field()
    thresholds: ThresholdsUpdate = patch_field()
    notify_emails: Emails = patch_field()
    webhook_url: WebhookUrl | None = None
    webhook_secret: WebhookSecret | None = None
    active: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        fields = self.model_dump(exclude_unset=True, exclude={"thresholds"})
        if self.thresholds is not None:
            fields.update(self.thresholds.model_dump(exclude_unset=True))
        return fields


class ThresholdsOut(BaseModel):
    model_config = OUTPUT_CONFIG

    window_minutes: int
    negative_share_threshold: float
    negative_share_min_posts: int
    spike_threshold: float
    spike_min_volume: int
    influencer_followers: int


class MonitorOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    rule: str
    category: str | None
    languages: list[str]
    networks: list[SocialNetwork]
    opens_conversations: bool
    queue_id: uuid.UUID | None
    watch_terms: list[str]
    thresholds: ThresholdsOut
    notify_emails: list[str]
    webhook_url: str | None
    webhook_secret_set: bool
    active: bool
    created_at: datetime
    updated_at: datetime | None


class RuleTrialIn(BaseModel):
    model_config = INPUT_CONFIG

    rule: RuleText
    texts: list[PostText] = Field(min_length=1, max_length=100, description="sample posts")


class RuleTrialOut(BaseModel):
    model_config = OUTPUT_CONFIG

    match: bool
    terms: list[str] = Field(description="the rule's non-negated terms found (its evidence)")
