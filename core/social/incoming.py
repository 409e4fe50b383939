"""The normalized social post: what every social connector hands to ``core.social.intake``."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.models.social import ADDRESSING_KINDS, PostKind, SocialNetwork


@dataclass(frozen=True, slots=True)
class IncomingPost:
    """One post as a network showed it, network-neutral.

    ``external_id`` is the network's own post id (unique per network): seeing it again is a
    no-op unless ``edited`` (the text changed: stored as a new version and re-scored) or
    ``deleted`` (the author removed it: kept for the record, marked deleted, no longer counted
    as new evidence). ``author_handle`` is the network's handle without ``@``; the author's
    contact identity is ``network:handle``. ``kind`` says whether the post addresses us (a
    mention, a reply to our post, a direct message, a comment on our page); those open or
    thread into conversations.
    """

    network: SocialNetwork
    external_id: str
    author_handle: str
    text: str = ""
    kind: PostKind = PostKind.POST
    author_name: str | None = None
    author_followers: int = 0
    language: str | None = None
    url: str | None = None
    posted_at: datetime | None = None
    in_reply_to: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    shares: int = 0
    edited: bool = False
    deleted: bool = False

    @property
    def addresses_us(self) -> bool:
        return self.kind in ADDRESSING_KINDS


@dataclass(frozen=True, slots=True)
class AccountView:
    """What a connector may know of a social account: detached, safe to pass to threads."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    network: SocialNetwork
    name: str
    handle: str | None
    api_base_url: str | None
    credentials: dict[str, Any]
    settings: dict[str, Any]
    cursor: dict[str, Any]
