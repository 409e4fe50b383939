"""Reading social posts: the filtered feed, one post, and who wrote it.

Posts are written by intake only (``core.social.intake``); here they are read, newest posted
first, with each author's contact (through the author's ``network:handle`` identity).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import FieldProblem, InvalidInputError
from core.lookup import get_by_id
from core.models.contact import ContactIdentity
from core.models.social import MonitorHit, SentimentLabel, SocialNetwork, SocialPost
from core.pagination import Page, paginate_by_time


@dataclass(frozen=True, slots=True)
class PostFilter:
    monitor_id: uuid.UUID | None = None
    network: SocialNetwork | None = None
    sentiment: SentimentLabel | None = None
    addresses_us: bool | None = None
    since: datetime | None = None  # posted at or after
    until: datetime | None = None  # posted before
    include_deleted: bool = False


@dataclass(frozen=True, slots=True)
class PostView:
    """A post and its author's contact, when the author is one."""

    post: SocialPost
    contact_id: uuid.UUID | None


def get_post(session: Session, *, post_id: uuid.UUID) -> PostView:
    """The post (deleted ones too); NotFoundError if this tenant has none with that id."""
    post = get_by_id(session, SocialPost, post_id, noun="social post")
    return PostView(post, author_contacts(session, [post]).get(post.id))


def list_posts(
    session: Session, *, filters: PostFilter, limit: int = 50, cursor: str | None = None
) -> Page[PostView]:
    """Newest posted first; every filter narrows. Deleted posts only with include_deleted."""
    _check_period(filters.since, filters.until)
    query = sa.select(SocialPost)
    if filters.monitor_id is not None:
        hits = sa.select(col(MonitorHit.post_id)).where(
            col(MonitorHit.monitor_id) == filters.monitor_id
        )
        query = query.where(col(SocialPost.id).in_(hits))
    conditions = {
        col(SocialPost.network): filters.network,
        col(SocialPost.sentiment_label): filters.sentiment,
        col(SocialPost.addresses_us): filters.addresses_us,
    }
    for column, value in conditions.items():
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(col(SocialPost.posted_at) >= filters.since)
    if filters.until is not None:
        query = query.where(col(SocialPost.posted_at) < filters.until)
    if not filters.include_deleted:
        query = query.where(col(SocialPost.deleted_at).is_(None))
    page = paginate_by_time(
        session, query, SocialPost, col(SocialPost.posted_at), limit=limit, cursor=cursor
    )
    contacts = author_contacts(session, page.items)
    return Page([PostView(p, contacts.get(p.id)) for p in page.items], page.next_cursor)


def author_contacts(session: Session, posts: Iterable[SocialPost]) -> dict[uuid.UUID, uuid.UUID]:
    """The contact of each post's author, by post id (authors without an identity left out)."""
    identities = {p.author_identity_id: p.id for p in posts if p.author_identity_id}
    by_post: dict[uuid.UUID, uuid.UUID] = {}
    if not identities:
        return by_post
    rows = session.execute(
        sa.select(col(ContactIdentity.id), col(ContactIdentity.contact_id)).where(
            col(ContactIdentity.id).in_(list(identities))
        )
    )
    contact_of = {identity_id: contact_id for identity_id, contact_id in rows}
    for post in posts:
        if post.author_identity_id in contact_of:
            by_post[post.id] = contact_of[post.author_identity_id]
    return by_post


def _check_period(since: datetime | None, until: datetime | None) -> None:
    """Instants need a UTC offset; a naive one is bad input, not a guess."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.utcoffset() is None:
            raise InvalidInputError(
                "time without offset",
                [FieldProblem(name, "give an offset, like 2026-03-09T08:00Z")],
            )
