"""Social intake: raw first, idempotent, edits and deletions, authors, hits, conversations."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.models import (
    Channel,
    Conversation,
    InboundRecord,
    InboundState,
    Message,
    MonitorHit,
    OutboxJob,
    PostKind,
    SentimentLabel,
    SocialPost,
    VolumeBucket,
)
from core.models.contact import ContactIdentity, IdentityKind
from core.social import volume
from core.social.intake import EVALUATE_ACTOR
from tests.conftest import TenantHandle, make_tenant
from tests.social.streams import create_monitor, deliver, post


def _posts(database: Database, tenant: TenantHandle) -> list[SocialPost]:
    with database.tenant_session(tenant.id) as session:
        return list(
            session.execute(sa.select(SocialPost).order_by(col(SocialPost.posted_at))).scalars()
        )


def test_posts_are_stored_once_with_authors_as_contacts(
    database: Database, tenant: TenantHandle
) -> None:
    batch = [
        post("北风通信这个月又乱扣费，太坑了", author="lina88", followers=1200),
        post("Northwind support fixed my router in ten minutes, great service", author="bob"),
    ]
    first = deliver(database, tenant.id, batch)
    again = deliver(database, tenant.id, batch)

    assert (first.stored, first.duplicates) == (2, 0)
    assert (again.stored, again.duplicates) == (0, 2)
    assert again.post_ids == first.post_ids
    posts = _posts(database, tenant)
    assert len(posts) == 2
    by_author = {p.author_handle: p for p in posts}
    assert by_author["lina88"].sentiment_label is SentimentLabel.NEGATIVE
    assert by_author["lina88"].author_followers == 1200
    assert by_author["bob"].sentiment_label is SentimentLabel.POSITIVE
    with database.tenant_session(tenant.id) as session:
        identities = session.execute(
            sa.select(col(ContactIdentity.value), col(ContactIdentity.id)).where(
                col(ContactIdentity.kind) == IdentityKind.SOCIAL
            )
        ).all()
        records = session.execute(sa.select(col(InboundRecord.state))).scalars().all()
    assert {value for value, _ in identities} == {"x:lina88", "x:bob"}
    assert {p.author_identity_id for p in posts} == {i for _, i in identities}
    assert sorted(records) == [InboundState.DUPLICATE, InboundState.INGESTED]


def test_an_edit_is_a_new_version_rescored_and_a_deletion_is_kept_marked(
    database: Database, tenant: TenantHandle
) -> None:
    monitor_id = create_monitor(database, tenant.id, rule="Northwind")
    original = post("Northwind is fine today", external_id="1001", author="carol")
    deliver(database, tenant.id, [original])
    edited = post(
        "Northwind overcharged me again, worst service ever",
        external_id="1001",
        author="carol",
        edited=True,
    )
    summary = deliver(database, tenant.id, [edited])
    assert summary.edited == 1

    [stored] = _posts(database, tenant)
    assert stored.version == 2
    assert stored.text.startswith("Northwind overcharged")
    assert stored.sentiment_label is SentimentLabel.NEGATIVE
    with database.tenant_session(tenant.id) as session:
        hits = session.execute(sa.select(MonitorHit)).scalars().all()
    assert [(h.monitor_id, h.negative) for h in hits] == [(monitor_id, True)]

    removed = deliver(
        database, tenant.id, [post("", external_id="1001", author="carol", deleted=True)]
    )
    assert removed.deleted == 1
    [stored] = _posts(database, tenant)
    assert stored.deleted_at is not None
    assert stored.text.startswith("Northwind overcharged"), "the record keeps what was said"


def test_monitor_hits_and_five_minute_volumes(database: Database, tenant: TenantHandle) -> None:
    monitor_id = create_monitor(
        database, tenant.id, rule="(北风 OR Northwind) AND (扣费 OR 断网 OR outage) NOT 招聘"
    )
    zh_only = create_monitor(database, tenant.id, rule="北风 OR Northwind", languages=["zh"])
    now = utcnow()
    deliver(
        database,
        tenant.id,
        [
            post("北风又断网了，一整天没信号", posted_at=now),
            post("Northwind outage again in Shenzhen", posted_at=now),
            post("北风通信招聘客服，扣费系统工程师", posted_at=now),  # NOT 招聘
            post("Nothing to do with us", posted_at=now),
        ],
    )
    with database.tenant_session(tenant.id) as session:
        hits = session.execute(sa.select(col(MonitorHit.monitor_id))).scalars().all()
        buckets = session.execute(sa.select(VolumeBucket)).scalars().all()
    assert sorted(map(str, hits)) == sorted(
        [str(monitor_id), str(monitor_id), str(zh_only), str(zh_only)]
    )
    totals = {b.series: (b.total, b.negative, b.bucket_start) for b in buckets}
    assert totals[volume.monitor_series(monitor_id)][:2] == (2, 2)
    assert totals[volume.monitor_series(monitor_id)][2] == volume.bucket_start(now)


def test_a_batch_with_hits_queues_one_evaluation_with_evidence(
    database: Database, tenant: TenantHandle
) -> None:
    monitor_id = create_monitor(database, tenant.id, rule="Northwind", watch_terms=["lawsuit"])
    summary = deliver(
        database,
        tenant.id,
        [
            post("Northwind billing is a scam, class action lawsuit coming"),
            post("Northwind is ok"),
            post("unrelated"),
        ],
    )
    with database.tenant_session(tenant.id) as session:
        jobs = (
            session.execute(
                sa.select(col(OutboxJob.payload)).where(col(OutboxJob.actor) == EVALUATE_ACTOR)
            )
            .scalars()
            .all()
        )
        flagged = (
            session.execute(
                sa.select(col(MonitorHit.watch_terms)).where(col(MonitorHit.has_watch_term))
            )
            .scalars()
            .all()
        )
    assert summary.monitor_ids == [monitor_id]
    [payload] = jobs
    details = payload["monitors"][str(monitor_id)]
    assert len(details["evidence"]) == 2
    assert len(details["flagged"]) == 1
    assert flagged == [["lawsuit"]]


def test_posts_that_address_us_open_and_thread_conversations(
    database: Database, tenant: TenantHandle
) -> None:
    now = utcnow()
    first = post(
        "@northwind my bill doubled this month?",
        author="dave",
        kind=PostKind.MENTION,
        posted_at=now - timedelta(minutes=3),
    )
    second = post(
        "@northwind still waiting for an answer",
        author="dave",
        kind=PostKind.MENTION,
        posted_at=now,
    )
    public = post("northwind ads are everywhere", author="erin")
    summary = deliver(database, tenant.id, [first, public])
    follow_up = deliver(database, tenant.id, [second])

    assert summary.conversations == 1
    assert follow_up.conversations == 1
    posts = {p.external_id: p for p in _posts(database, tenant)}
    conversation_id = posts[first.external_id].conversation_id
    assert conversation_id is not None
    assert posts[second.external_id].conversation_id == conversation_id
    assert posts[public.external_id].conversation_id is None
    with database.tenant_session(tenant.id) as session:
        conversation = session.execute(
            sa.select(Conversation).where(col(Conversation.id) == conversation_id)
        ).scalar_one()
        messages = (
            session.execute(
                sa.select(col(Message.external_id)).where(
                    col(Message.conversation_id) == conversation_id
                )
            )
            .scalars()
            .all()
        )
    assert conversation.channel is Channel.SOCIAL
    assert sorted(messages) == sorted([f"x:{first.external_id}", f"x:{second.external_id}"])


def test_a_complaint_rule_opens_conversations_for_matching_public_posts(
    database: Database, tenant: TenantHandle
) -> None:
    create_monitor(
        database, tenant.id, rule="Northwind AND 扣费", opens_conversations=True, category="billing"
    )
    summary = deliver(
        database, tenant.id, [post("Northwind 又扣费了，怎么回事"), post("Northwind 5G")]
    )
    assert summary.conversations == 1
    [conversation] = [p for p in _posts(database, tenant) if p.conversation_id]
    with database.tenant_session(tenant.id) as session:
        category = session.execute(
            sa.select(col(Conversation.category)).where(
                col(Conversation.id) == conversation.conversation_id
            )
        ).scalar_one()
    assert category == "billing"


def test_tenants_never_see_each_others_posts(database: Database, tenant: TenantHandle) -> None:
    other = make_tenant(database, prefix="other")
    shared = post("Northwind outage", external_id="777", author="same")
    deliver(database, tenant.id, [shared])
    deliver(database, other.id, [shared])
    assert len(_posts(database, tenant)) == 1
    assert len(_posts(database, other)) == 1
    assert _posts(database, tenant)[0].id != _posts(database, other)[0].id


@pytest.mark.postgres_only
def test_concurrent_twin_batches_store_each_post_once(
    database: Database, tenant: TenantHandle
) -> None:
    batch = [post(f"Northwind outage report {i}", author=f"twin{i % 3}") for i in range(30)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            deliver(database, tenant.id, batch)
        except BaseException as exc:  # pragma: no cover - the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_posts(database, tenant)) == 30
    with database.tenant_session(tenant.id) as session:
        authors = session.execute(
            sa.select(sa.func.count()).select_from(ContactIdentity)
        ).scalar_one()
    assert authors == 3
