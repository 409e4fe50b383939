"""Social intake: raw delivery first, then posts, hits, volumes, conversations, alert jobs.

``store_raw`` commits what the network sent before anything else happens to it.
``receive_posts`` then scores and matches the posts outside any transaction and writes the
batch in one: new posts (a redelivered id is a no-op), edits (a new version, re-scored and
re-matched), deletions (kept, marked), authors as contact identities, monitor hits, five-minute
volumes, conversations for the posts that address us, and one alert-evaluation job. A batch
that loses a race with a twin (same post or same new author) is retried once and then finds
the winner's rows.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from core import outbox
from core.clock import utcnow
from core.db import Database, defer_commit_flush
from core.intake import finish_record, mark_record
from core.metrics import INBOUND_MESSAGES, SOCIAL_POSTS
from core.models.channel import Channel
from core.models.inbound_record import InboundRecord, InboundState
from core.models.social import SocialAccount
from core.social import post_writes
from core.social.analysis import AnalysedPost, analyse
from core.social.incoming import IncomingPost
from core.social.monitor_set import MonitorSet, monitor_set

log = structlog.get_logger(__name__)

EVALUATE_ACTOR = "evaluate_social_alerts"
EVIDENCE_PER_MONITOR = 5


@dataclass(slots=True)
class IntakeSummary:
    """What one batch did; ``post_ids`` maps each network id to our post id."""

    record_id: uuid.UUID
    stored: int = 0
    duplicates: int = 0
    edited: int = 0
    deleted: int = 0
    conversations: int = 0
    post_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    monitor_ids: list[uuid.UUID] = field(default_factory=list)


def store_raw(
    database: Database, *, tenant_id: uuid.UUID, payload: bytes, content_type: str, source: str
) -> uuid.UUID:
    """Commit the delivery byte for byte; its record id. Nothing a network sent is lost: the
    commit is flushed to disk with the ``receive_posts`` or ``reject_raw`` commit that follows,
    before any sender is told that it was received."""
    with database.tenant_unit(tenant_id) as session:
        defer_commit_flush(session)  # made durable by the ingest or rejection commit after it
        record = InboundRecord(
            channel=Channel.SOCIAL, content_type=content_type[:200], payload=payload, source=source
        )
        session.add(record)
    return record.id


def reject_raw(
    database: Database, *, tenant_id: uuid.UUID, record_id: uuid.UUID, reason: str
) -> None:
    """Mark a stored delivery rejected with the reason, for a person to read; logged."""
    log.warning(
        "social.rejected", tenant_id=str(tenant_id), record_id=str(record_id), reason=reason
    )
    INBOUND_MESSAGES.labels(Channel.SOCIAL.value, "rejected").inc()
    finish_record(database, tenant_id, record_id, InboundState.REJECTED, reason=reason[:1000])


def receive_posts(
    database: Database,
    *,
    tenant_id: uuid.UUID,
    record_id: uuid.UUID,
    posts: Sequence[IncomingPost],
    account_id: uuid.UUID | None = None,
) -> IntakeSummary:
    """Ingest a batch already stored raw under ``record_id``; commits; safe under concurrency."""
    with database.tenant_session(tenant_id) as session:
        monitors = monitor_set(session)
    analysed = [analyse(post, monitors) for post in _dedupe_batch(posts)]
    for attempt in (1, 2):
        try:
            with database.tenant_unit(tenant_id) as session:
                summary = _write(session, record_id, analysed, account_id, monitors)
                stored = summary.stored or summary.edited or summary.deleted
                state = InboundState.INGESTED if stored else InboundState.DUPLICATE
                mark_record(session, record_id, state)  # with the posts, or not at all
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("social.retry_after_race", record_id=str(record_id))
            continue
        break
    if summary.monitor_ids or summary.conversations:
        outbox.notify_relay()
    network = posts[0].network.value if posts else "none"
    outcomes = {
        "stored": summary.stored,
        "duplicate": summary.duplicates,
        "edited": summary.edited,
        "deleted": summary.deleted,
    }
    for outcome, count in outcomes.items():
        SOCIAL_POSTS.labels(network, outcome).inc(count)
    log.debug(
        "social.batch",
        tenant_id=str(tenant_id),
        stored=summary.stored,
        duplicates=summary.duplicates,
        edited=summary.edited,
        deleted=summary.deleted,
    )
    return summary


def _dedupe_batch(posts: Sequence[IncomingPost]) -> list[IncomingPost]:
    """One entry per (network, id) in a batch; the last word wins (an edit after the post)."""
    latest: dict[tuple[str, str], IncomingPost] = {}
    for post in posts:
        latest[(post.network.value, post.external_id)] = post
    return list(latest.values())


def _write(
    session: Session,
    record_id: uuid.UUID,
    analysed: list[AnalysedPost],
    account_id: uuid.UUID | None,
    monitors: MonitorSet,
) -> IntakeSummary:
    summary = IntakeSummary(record_id=record_id)
    existing = post_writes.existing_posts(session, [a.post for a in analysed])
    fresh: list[AnalysedPost] = []
    for item in analysed:
        key = (item.post.network.value, item.post.external_id)
        known = existing.get(key)
        if known is None:
            if item.post.deleted:
                summary.duplicates += 1  # a deletion of something we never saw: nothing to keep
                continue
            fresh.append(item)
        elif item.post.deleted:
            summary.deleted += post_writes.mark_deleted(session, known)
            summary.post_ids[item.post.external_id] = known.id
        elif item.post.edited and item.post.text != known.text:
            post_writes.apply_edit(session, known, item)
            summary.edited += 1
            summary.post_ids[item.post.external_id] = known.id
        else:
            summary.duplicates += 1
            summary.post_ids[item.post.external_id] = known.id
    if not fresh:
        return summary

    identities = post_writes.author_identities(session, [a.post for a in fresh])
    written = post_writes.insert_posts(session, fresh, identities, account_id)
    summary.stored = len(written)
    summary.post_ids.update({w.item.post.external_id: w.post_id for w in written})
    post_writes.insert_hits(session, written)
    post_writes.add_volumes(session, written)
    summary.conversations = post_writes.open_conversations(
        session, written, monitors, _account_queue(session, account_id)
    )
    summary.monitor_ids = _queue_evaluation(session, written)
    return summary


def _queue_evaluation(session: Session, written: list[post_writes.WrittenPost]) -> list[uuid.UUID]:
    """One job for the monitors this batch touched, with its strongest evidence per monitor."""
    evidence: dict[uuid.UUID, list[tuple[float, int, uuid.UUID]]] = defaultdict(list)
    flagged: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for w in written:
        for match in w.item.matches:
            weight = (w.item.sentiment_score, -w.item.post.shares - w.item.post.author_followers)
            evidence[match.monitor_id].append((*weight, w.post_id))
            if match.influential or match.watch_terms:
                flagged[match.monitor_id].append(w.post_id)
    if not evidence:
        return []
    payload = {
        "monitors": {
            str(monitor_id): {
                "evidence": [str(p) for _, _, p in sorted(items)[:EVIDENCE_PER_MONITOR]],
                "flagged": [str(p) for p in flagged.get(monitor_id, [])][:50],
            }
            for monitor_id, items in evidence.items()
        },
        "queued_at": utcnow().isoformat(),
    }
    outbox.enqueue(session, actor=EVALUATE_ACTOR, payload=payload)
    return sorted(evidence)


def _account_queue(session: Session, account_id: uuid.UUID | None) -> uuid.UUID | None:
    if account_id is None:
        return None
    queue_id: uuid.UUID | None = session.execute(
        sa.select(col(SocialAccount.queue_id)).where(col(SocialAccount.id) == account_id)
    ).scalar_one_or_none()
    return queue_id
