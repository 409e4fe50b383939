"""Social media: the accounts we poll or receive from, the posts they bring, and monitors.

A ``SocialPost`` is every public or private post any connector brought in, whether or not it
became a conversation; posts that address the company also open or thread into one.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import JSONType, UTCDateTime, enum_type


class SocialNetwork(enum.StrEnum):
    X = "x"
    MASTODON = "mastodon"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    RSS = "rss"
    WEBHOOK = "webhook"  # a social-listening vendor's feed (Weibo, WeChat, forums ...)


class PostKind(enum.StrEnum):
    POST = "post"  # a public post that merely matched a monitor
    MENTION = "mention"  # names our account
    REPLY = "reply"  # answers one of our posts
    MESSAGE = "message"  # a private/direct message to our account
    COMMENT = "comment"  # a comment under one of our page's posts
    ARTICLE = "article"  # a news or forum item from a feed


ADDRESSING_KINDS = frozenset({PostKind.MENTION, PostKind.REPLY, PostKind.MESSAGE, PostKind.COMMENT})


class SentimentLabel(enum.StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class SocialAccount(TenantOwned, table=True):
    """One connection to a network: our handle there, credentials, cursors and backoff.

    ``credentials`` are write-only through the API. ``cursor`` is the connector's own state
    (``since_id`` per stream, a feed's ETag and Last-Modified) and is saved only after the
    posts it covers are stored, so a crash re-reads rather than loses.
    """

    __tablename__ = "social_account"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "network", "name"),
        sa.Index("ix_social_account_due", "active", "next_poll_at"),
    )

    network: SocialNetwork = Field(sa_type=enum_type(SocialNetwork))
    name: str = Field(max_length=200)
    handle: str | None = Field(
        default=None, max_length=200, description="our own account: handle, page id or user id"
    )
    api_base_url: str | None = Field(default=None, max_length=500)
    credentials: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    cursor: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    queue_id: uuid.UUID | None = Field(default=None, description="where its conversations go")
    poll_interval_seconds: int = Field(default=60)
    next_poll_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    backoff_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    consecutive_failures: int = Field(default=0)
    last_polled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=1000)
    active: bool = Field(default=True)


class SocialPost(TenantOwned, table=True):
    """One post, unique per (network, external id); edits update it, deletions mark it."""

    __tablename__ = "social_post"
    __table_args__ = (
        tenant_fk("account_id", "social_account"),
        tenant_fk("author_identity_id", "contact_identity"),
        tenant_fk("conversation_id", "conversation"),
        sa.UniqueConstraint("tenant_id", "network", "external_id"),
        sa.Index("ix_social_post_time", "tenant_id", "posted_at"),
        sa.Index("ix_social_post_conversation", "tenant_id", "conversation_id"),
    )

    account_id: uuid.UUID | None = Field(default=None)
    network: SocialNetwork = Field(sa_type=enum_type(SocialNetwork))
    external_id: str = Field(max_length=200)
    kind: PostKind = Field(default=PostKind.POST, sa_type=enum_type(PostKind))
    author_handle: str = Field(max_length=200)
    author_name: str | None = Field(default=None, max_length=200)
    author_followers: int = Field(default=0, sa_type=sa.BigInteger)
    author_identity_id: uuid.UUID | None = Field(default=None)
    text: str = Field(default="", sa_type=sa.Text)
    language: str | None = Field(default=None, max_length=16)
    url: str | None = Field(default=None, max_length=1000)
    posted_at: datetime = Field(sa_type=UTCDateTime)
    in_reply_to: str | None = Field(default=None, max_length=200)
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    shares: int = Field(default=0, sa_type=sa.BigInteger, description="reposts + quotes")
    addresses_us: bool = Field(default=False)
    monitor_ids: list[str] = Field(default_factory=list, sa_type=JSONType)
    matched_terms: list[str] = Field(default_factory=list, sa_type=JSONType)
    sentiment_score: float = Field(default=0.0)
    sentiment_label: SentimentLabel = Field(
        default=SentimentLabel.NEUTRAL, sa_type=enum_type(SentimentLabel)
    )
    conversation_id: uuid.UUID | None = Field(default=None)
    message_id: uuid.UUID | None = Field(default=None)
    version: int = Field(default=1)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Monitor(TenantOwned, table=True):
    """A watchlist: a boolean keyword rule, its filters, and when it should raise alerts."""

    __table_args__ = (
        tenant_fk("queue_id", "queue"),
        sa.UniqueConstraint("tenant_id", "name"),
    )

    name: str = Field(max_length=200)
    rule: str = Field(max_length=2000)
    category: str | None = Field(
        default=None, max_length=64, description="counts its posts toward a cross-channel surge"
    )
    languages: list[str] = Field(default_factory=list, sa_type=JSONType)
    networks: list[str] = Field(default_factory=list, sa_type=JSONType)
    opens_conversations: bool = Field(
        default=False, description="a complaint rule: matched posts become conversations"
    )
    queue_id: uuid.UUID | None = Field(default=None)
    watch_terms: list[str] = Field(default_factory=list, sa_type=JSONType)
    window_minutes: int = Field(default=60)
    negative_share_threshold: float = Field(default=0.5)
    negative_share_min_posts: int = Field(default=20)
    spike_threshold: float = Field(default=4.0, description="robust z-score")
    spike_min_volume: int = Field(default=20)
    influencer_followers: int = Field(default=50_000, sa_type=sa.BigInteger)
    notify_emails: list[str] = Field(default_factory=list, sa_type=JSONType)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=200)
    active: bool = Field(default=True)
    updated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class MonitorHit(TenantOwned, table=True):
    """A post that matched a monitor: what alerts and the sentiment pages read."""

    __tablename__ = "monitor_hit"
    __table_args__ = (
        tenant_fk("monitor_id", "monitor", ondelete="CASCADE"),
        tenant_fk("post_id", "social_post", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "monitor_id", "post_id"),
        sa.Index("ix_monitor_hit_time", "tenant_id", "monitor_id", "posted_at"),
        sa.Index(
            "ix_monitor_hit_flagged",
            "tenant_id",
            "monitor_id",
            "posted_at",
            sqlite_where=sa.text("influential OR has_watch_term"),
            postgresql_where=sa.text("influential OR has_watch_term"),
        ),
    )

    monitor_id: uuid.UUID
    post_id: uuid.UUID
    posted_at: datetime = Field(sa_type=UTCDateTime)
    sentiment_score: float = Field(default=0.0)
    negative: bool = Field(default=False)
    author_followers: int = Field(default=0, sa_type=sa.BigInteger)
    shares: int = Field(default=0, sa_type=sa.BigInteger)
    watch_terms: list[str] = Field(default_factory=list, sa_type=JSONType)
    has_watch_term: bool = Field(default=False)
    influential: bool = Field(
        default=False, description="negative, by an author over the monitor's follower mark"
    )


class VolumeBucket(TenantOwned, table=True):
    """Counts per series and five minutes: a monitor's posts, or a category's inbound contacts
    over every channel. Spike detection reads these, never the posts themselves."""

    __tablename__ = "volume_bucket"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "series", "bucket_start"),)

    series: str = Field(max_length=100, description="monitor:<id> or category:<name>")
    bucket_start: datetime = Field(sa_type=UTCDateTime)
    total: int = Field(default=0)
    negative: int = Field(default=0)
    by_channel: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
