"""The writes of one social batch, in bulk: a few statements per batch, not per post.

Every function runs in the caller's tenant transaction and does not commit.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import statements as st
from core.clock import utcnow
from core.db import TENANT_ROLE, TenantScopeError, session_tenant
from core.errors import InvalidInputError
from core.identities import normalize_identity
from core.ids import new_id
from core.inbound import InboundMessage
from core.ingest import ingest
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.conversation import Conversation
from core.models.social import MonitorHit, SocialPost
from core.social import volume
from core.social.analysis import AnalysedPost
from core.social.incoming import IncomingPost
from core.social.monitor_set import MonitorSet

post_t: sa.Table = SocialPost.__table__  # type: ignore[attr-defined]
hit_t: sa.Table = MonitorHit.__table__  # type: ignore[attr-defined]
conversation_t: sa.Table = Conversation.__table__  # type: ignore[attr-defined]
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class KnownPost:
    id: uuid.UUID
    text: str
    version: int
    deleted: bool


@dataclass(frozen=True, slots=True)
class Author:
    identity_id: uuid.UUID
    contact_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class WrittenPost:
    item: AnalysedPost
    post_id: uuid.UUID
    posted_at: datetime
    author: Author | None


def insert_many(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows in bulk in the session's transaction: COPY on PostgreSQL (a batch of posts
    and their hits is thousands of rows, and COPY streams them for a fraction of what binding
    a statement per row costs), executemany elsewhere. Values are as the columns store them."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(sa.insert(table), rows)
        return
    tenant_id = session_tenant(session)
    if any(row["tenant_id"] != tenant_id for row in rows):
        raise TenantScopeError("bulk rows for another tenant")
    columns = list(rows[0])
    json_columns = {c for c in columns if isinstance(table.c[c].type, sa.JSON | JSONB)}
    names = ", ".join(f'"{c}"' for c in columns)
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    # COPY refuses tables under row-level security, so it runs as the owner for a moment;
    # the check above is the tenant wall for these rows instead.
    connection.exec_driver_sql("SELECT set_config('role', 'none', true)")
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in columns])
    except psycopg.IntegrityError as exc:  # a racing twin: the caller retries, as for any insert
        raise IntegrityError(statement, None, exc) from exc  # (the rollback restores the role)
    connection.exec_driver_sql("SELECT set_config('role', %s, true)", (TENANT_ROLE,))


def identity_value(post: IncomingPost) -> str | None:
    """The author's contact identity (``network:handle``), or None for an unusable handle."""
    try:
        return normalize_identity(IdentityKind.SOCIAL, f"{post.network.value}:{post.author_handle}")
    except InvalidInputError:
        return None


def existing_posts(
    session: Session, posts: Sequence[IncomingPost]
) -> dict[tuple[str, str], KnownPost]:
    """The posts of this batch we already have, by (network, external id)."""
    if not posts:
        return {}
    wanted = {(p.network.value, p.external_id) for p in posts}
    rows = session.connection().execute(
        sa.select(
            post_t.c.id,
            post_t.c.network,
            post_t.c.external_id,
            post_t.c.text,
            post_t.c.version,
            post_t.c.deleted_at,
        ).where(
            post_t.c.tenant_id == session_tenant(session),
            post_t.c.network.in_(sorted({n for n, _ in wanted})),
            post_t.c.external_id.in_(sorted({e for _, e in wanted})),
        )
    )
    found: dict[tuple[str, str], KnownPost] = {}
    for row in rows:
        key = (str(row.network), row.external_id)
        if key in wanted:
            found[key] = KnownPost(row.id, row.text, row.version, row.deleted_at is not None)
    return found


def mark_deleted(session: Session, known: KnownPost) -> int:
    """Keep the post for the record and mark it deleted; 1 if this changed anything."""
    if known.deleted:
        return 0
    session.connection().execute(
        sa.update(post_t)
        .where(post_t.c.tenant_id == session_tenant(session), post_t.c.id == known.id)
        .values(deleted_at=utcnow())
    )
    return 1


def apply_edit(session: Session, known: KnownPost, item: AnalysedPost) -> None:
    """A new version of the text, re-scored and re-matched; volumes already counted it."""
    tenant_id = session_tenant(session)
    connection = session.connection()
    connection.execute(
        sa.update(post_t)
        .where(post_t.c.tenant_id == tenant_id, post_t.c.id == known.id)
        .values(
            text=item.post.text[:MAX_TEXT],
            version=known.version + 1,
            edited_at=utcnow(),
            sentiment_score=item.sentiment_score,
            sentiment_label=item.sentiment_label,
            monitor_ids=[str(m.monitor_id) for m in item.matches],
            matched_terms=item.matched_terms,
            metrics=item.post.metrics,
            shares=item.post.shares,
        )
    )
    connection.execute(
        sa.delete(hit_t).where(hit_t.c.tenant_id == tenant_id, hit_t.c.post_id == known.id)
    )
    posted_at = connection.execute(
        sa.select(post_t.c.posted_at).where(
            post_t.c.tenant_id == tenant_id, post_t.c.id == known.id
        )
    ).scalar_one()
    insert_hits(session, [WrittenPost(item, known.id, posted_at, None)])


def author_identities(session: Session, posts: Sequence[IncomingPost]) -> dict[str, Author]:
    """Each author's contact identity, creating contact and identity for new authors.

    New identities are inserted in value order with ON CONFLICT DO NOTHING, so two batches
    racing for the same new authors wait for each other in one order (no deadlock) and the
    loser adopts the winner's identity, dropping the contact it made for nothing.
    """
    names: dict[str, IncomingPost] = {}
    for post in posts:
        value = identity_value(post)
        if value is not None:
            names.setdefault(value, post)
    if not names:
        return {}
    authors = _known_authors(session, sorted(names))
    missing = sorted(set(names) - set(authors))
    if not missing:
        return authors
    tenant_id = session_tenant(session)
    now = utcnow()
    made = {value: Author(identity_id=new_id(), contact_id=new_id()) for value in missing}
    insert_many(
        session,
        st.contact_t,
        [
            {
                "tenant_id": tenant_id,
                "id": made[value].contact_id,
                "created_at": now,
                "updated_at": now,
                "name": (names[value].author_name or names[value].author_handle)[:200],
                "value_tier": "standard",
                "segment": None,
                "language": names[value].language,
                "attributes": {},
                "merged_into_id": None,
            }
            for value in missing
        ],
    )
    connection = session.connection()
    insert: Any = (
        postgresql.insert(st.identity_t)
        if connection.dialect.name == "postgresql"
        else sqlite.insert(st.identity_t)
    )
    inserted = set(
        connection.execute(
            insert.on_conflict_do_nothing().returning(st.identity_t.c.value),
            [
                {
                    "tenant_id": tenant_id,
                    "id": made[value].identity_id,
                    "created_at": now,
                    "contact_id": made[value].contact_id,
                    "kind": IdentityKind.SOCIAL,
                    "value": value,
                    "display": f"@{names[value].author_handle}"[:320],
                    "verified": False,
                }
                for value in missing
            ],
        ).scalars()
    )
    authors.update({value: made[value] for value in inserted})
    lost = [value for value in missing if value not in inserted]
    if lost:
        connection.execute(
            sa.delete(st.contact_t).where(
                st.contact_t.c.tenant_id == tenant_id,
                st.contact_t.c.id.in_([made[value].contact_id for value in lost]),
            )
        )
        authors.update(_known_authors(session, lost))
    return authors


def _known_authors(session: Session, values: list[str]) -> dict[str, Author]:
    rows = session.connection().execute(
        sa.select(st.identity_t.c.id, st.identity_t.c.contact_id, st.identity_t.c.value).where(
            st.identity_t.c.tenant_id == session_tenant(session),
            st.identity_t.c.kind == IdentityKind.SOCIAL,
            st.identity_t.c.value.in_(values),
        )
    )
    return {row.value: Author(row.id, row.contact_id) for row in rows}


def insert_posts(
    session: Session,
    items: Sequence[AnalysedPost],
    authors: dict[str, Author],
    account_id: uuid.UUID | None,
) -> list[WrittenPost]:
    """Insert the new posts in one statement; what was written, with ids."""
    tenant_id = session_tenant(session)
    now = utcnow()
    written: list[WrittenPost] = []
    rows = []
    for item in items:
        post = item.post
        value = identity_value(post)
        author = authors.get(value) if value is not None else None
        posted_at = post.posted_at or now
        written.append(WrittenPost(item, new_id(), posted_at, author))
        rows.append(
            {
                "tenant_id": tenant_id,
                "id": written[-1].post_id,
                "created_at": now,
                "account_id": account_id,
                "network": post.network,
                "external_id": post.external_id[:200],
                "kind": post.kind,
                "author_handle": post.author_handle[:200],
                "author_name": (post.author_name or None) and post.author_name[:200],
                "author_followers": max(0, post.author_followers),
                "author_identity_id": author.identity_id if author else None,
                "text": post.text[:MAX_TEXT],
                "language": item.language[:16],
                "url": post.url[:1000] if post.url else None,
                "posted_at": posted_at,
                "in_reply_to": post.in_reply_to[:200] if post.in_reply_to else None,
                "metrics": post.metrics,
                "shares": max(0, post.shares),
                "addresses_us": post.addresses_us,
                "monitor_ids": [str(m.monitor_id) for m in item.matches],
                "matched_terms": item.matched_terms,
                "sentiment_score": item.sentiment_score,
                "sentiment_label": item.sentiment_label,
                "conversation_id": None,
                "message_id": None,
                "version": 1,
                "edited_at": None,
                "deleted_at": None,
            }
        )
    insert_many(session, post_t, rows)
    return written


def insert_hits(session: Session, written: Sequence[WrittenPost]) -> None:
    """One row per (post, monitor) it matched."""
    tenant_id = session_tenant(session)
    now = utcnow()
    rows = [
        {
            "tenant_id": tenant_id,
            "id": new_id(),
            "created_at": now,
            "monitor_id": match.monitor_id,
            "post_id": w.post_id,
            "posted_at": w.posted_at,
            "sentiment_score": w.item.sentiment_score,
            "negative": w.item.negative,
            "author_followers": max(0, w.item.post.author_followers),
            "shares": max(0, w.item.post.shares),
            "watch_terms": list(match.watch_terms),
            "has_watch_term": bool(match.watch_terms),
            "influential": match.influential,
        }
        for w in written
        for match in w.item.matches
    ]
    insert_many(session, hit_t, rows)


def add_volumes(session: Session, written: Sequence[WrittenPost]) -> None:
    """Count the batch into its monitors' five-minute buckets."""
    counts: dict[tuple[str, datetime], volume.Tally] = defaultdict(volume.Tally)
    for w in written:
        start = volume.bucket_start(w.posted_at)
        for match in w.item.matches:
            tally = counts[(volume.monitor_series(match.monitor_id), start)]
            tally.total += 1
            tally.negative += int(w.item.negative)
    volume.add_counts(session, counts)


def open_conversations(
    session: Session,
    written: Sequence[WrittenPost],
    monitors: MonitorSet,
    queue_id: uuid.UUID | None,
) -> int:
    """Posts that address us (or match a complaint rule) open or thread into conversations."""
    opened = 0
    tenant_id = session_tenant(session)
    for w in written:
        post = w.item.post
        complaint = [
            monitors.specs[m.monitor_id]
            for m in w.item.matches
            if monitors.specs[m.monitor_id].opens_conversations
        ]
        if w.author is None or not (post.addresses_us or complaint):
            continue
        network = post.network.value
        result = ingest(
            session,
            InboundMessage(
                tenant_id=tenant_id,
                channel=Channel.SOCIAL,
                sender_kind=IdentityKind.SOCIAL,
                sender=f"{network}:{post.author_handle}",
                external_id=message_external_id(post),
                text=post.text[:MAX_TEXT],
                subject=post.text[:80],
                sender_name=post.author_name,
                sent_at=post.posted_at,
                references=(f"{network}:{post.in_reply_to}",) if post.in_reply_to else (),
                language=w.item.language if w.item.language in ("zh", "en") else None,
                category=next((s.category for s in complaint if s.category), None),
                metadata={"post_kind": post.kind.value},
            ),
        )
        target_queue = queue_id or next((s.queue_id for s in complaint if s.queue_id), None)
        if result.created_conversation and target_queue is not None:
            session.connection().execute(
                sa.update(conversation_t)
                .where(
                    conversation_t.c.tenant_id == tenant_id,
                    conversation_t.c.id == result.conversation_id,
                    conversation_t.c.queue_id.is_(None),
                )
                .values(queue_id=target_queue)
            )
        session.connection().execute(
            sa.update(post_t)
            .where(post_t.c.tenant_id == tenant_id, post_t.c.id == w.post_id)
            .values(conversation_id=result.conversation_id, message_id=result.message_id)
        )
        opened += 1
    return opened


def message_external_id(post: IncomingPost) -> str:
    """The message id a post gets in its conversation: ``network:post id`` (replies go there)."""
    return f"{post.network.value}:{post.external_id}"
