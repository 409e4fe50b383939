"""The demo tenant's public-opinion desk: monitors, accounts, a month of posts, two storms.

Posts go through the real intake (``core.social.intake``), so their sentiment, monitor hits
and volumes are what the platform itself computes. They are public posts only: the social
conversations of the demo are seeded with the other channels' (core.seed.conversations), on the
seed's own clock. A billing storm nine days ago was raised,
answered with an incident (statement, call-backs, review) and resolved; a network outage
storm is breaking now, so the running demo's workers raise its alerts within seconds.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from core import outbox
from core.db import Database
from core.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    Message,
    OutboxJob,
    Queue,
    User,
)
from core.models.social import Monitor, PostKind, SocialAccount, SocialNetwork
from core.models.social_alert import (
    AlertStatus,
    Incident,
    IncidentLink,
    IncidentLinkKind,
    IncidentSeverity,
    IncidentStatus,
    SocialAlert,
)
from core.seed.plan import Progress
from core.seed.social_texts import MONITORS, PostText, PostWriter
from core.seed.staff import SOCIAL_CARE
from core.social.alerts import NOTIFY_ALERT_ACTOR
from core.social.evaluation import evaluate_monitors
from core.social.incoming import IncomingPost
from core.social.intake import EVALUATE_ACTOR, receive_posts, store_raw

DEMO_VENDOR_SECRET = "demo-vendor-secret"
DEMO_META_VERIFY_TOKEN = "demo-verify-token"
DEMO_META_APP_SECRET = "demo-meta-app-secret"
POSTS_PER_HOUR = (
    2,
    1,
    1,
    1,
    1,
    2,
    4,
    8,
    14,
    18,
    20,
    18,
    16,
    18,
    18,
    16,
    15,
    16,
    20,
    26,
    28,
    24,
    12,
    5,
)
BATCH = 250
HISTORY_STORM = timedelta(days=9)


@dataclass(frozen=True, slots=True)
class SocialSeed:
    posts: int
    monitors: int
    alerts: int
    added: dict[str, int]  # rows intake added: authors as contacts, mentions as conversations


def seed_social(
    database: Database,
    *,
    tenant_id: uuid.UUID,
    now: datetime,
    days: int,
    seed: int,
    progress: Progress,
) -> SocialSeed:
    """Install the desk and feed its history through intake (commits as it goes)."""
    rng = random.Random(seed)
    before = _row_counts(database, tenant_id)
    with database.tenant_unit(tenant_id) as session:
        queue_id = session.execute(
            sa.select(col(Queue.id)).where(col(Queue.name) == SOCIAL_CARE)
        ).scalar_one_or_none()
        monitors = [
            Monitor(
                name=name,
                rule=rule,
                category=category,
                watch_terms=list(terms),
                queue_id=queue_id,
                created_at=now - timedelta(days=days + 1),
            )
            for name, rule, category, terms in MONITORS
        ]
        session.add_all(monitors)
        vendor = SocialAccount(
            network=SocialNetwork.WEBHOOK,
            name="Weibo & WeChat (listening vendor)",
            credentials={"secret": DEMO_VENDOR_SECRET},
            queue_id=queue_id,
        )
        page = SocialAccount(
            network=SocialNetwork.FACEBOOK,
            name="Northwind Facebook page",
            handle="100000000000001",
            credentials={
                "verify_token": DEMO_META_VERIFY_TOKEN,
                "app_secret": DEMO_META_APP_SECRET,
            },
            queue_id=queue_id,
        )
        session.add_all([vendor, page])
    writer = PostWriter(rng)
    stream = list(_history(writer, rng, now=now, days=days))
    stream += _storm(writer, rng, at=now - HISTORY_STORM, minutes=150, count=360, mood_topic="扣费")
    stream += _storm(
        writer, rng, at=now - timedelta(minutes=40), minutes=40, count=220, mood_topic="断网"
    )
    stream.sort(key=lambda p: p.posted_at or now)
    for done in range(0, len(stream), BATCH):
        batch = stream[done : done + BATCH]
        record_id = store_raw(
            database,
            tenant_id=tenant_id,
            payload=b"demo seed",
            content_type="text/plain",
            source="seed",
        )
        receive_posts(
            database, tenant_id=tenant_id, record_id=record_id, posts=batch, account_id=vendor.id
        )
        progress("social posts", min(done + BATCH, len(stream)), len(stream))
    alerts = _answer_the_past_storm(database, tenant_id, now=now)
    _evaluate_on_start(database, tenant_id, monitor_ids=[m.id for m in monitors])
    after = _row_counts(database, tenant_id)
    added = {name: after[name] - before[name] for name in after}
    return SocialSeed(posts=len(stream), monitors=len(monitors), alerts=alerts, added=added)


COUNTED = {
    "contacts": Contact,
    "identities": ContactIdentity,
    "conversations": Conversation,
    "messages": Message,
    "events": ConversationEvent,
}


def _row_counts(database: Database, tenant_id: uuid.UUID) -> dict[str, int]:
    with database.tenant_session(tenant_id) as session:
        return {
            name: int(session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one())
            for name, model in COUNTED.items()
        }


def _history(
    writer: PostWriter, rng: random.Random, *, now: datetime, days: int
) -> list[IncomingPost]:
    posts = []
    start = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    hour = start
    while hour < now - timedelta(hours=1):
        local_hour = (hour.hour + 8) % 24  # the desk watches Beijing time
        weekend = hour.weekday() >= 5
        count = POSTS_PER_HOUR[local_hour] * (0.6 if weekend else 1.0)
        for _ in range(_poisson(rng, count)):
            at = hour + timedelta(seconds=rng.uniform(0, 3600))
            posts.append(_post(writer.draw(), rng, at=at))
        hour += timedelta(hours=1)
    return posts


def _storm(
    writer: PostWriter,
    rng: random.Random,
    *,
    at: datetime,
    minutes: int,
    count: int,
    mood_topic: str,
) -> list[IncomingPost]:
    posts = []
    for _ in range(count):
        drawn = writer.draw(mood="negative")
        text = (
            drawn.text
            if mood_topic in drawn.text or rng.random() < 0.5
            else f"{drawn.text} {mood_topic}"
        )
        posted = at + timedelta(seconds=rng.uniform(0, minutes * 60))
        posts.append(_post(PostText(text, drawn.language, "negative", True), rng, at=posted))
    loud = writer.draw(mood="negative", language="zh")
    posts.append(
        _post(
            loud,
            rng,
            at=at + timedelta(minutes=minutes / 2),
            followers=1_800_000,
            handle="科技大V老王",
        )
    )
    return posts


def _post(
    drawn: PostText,
    rng: random.Random,
    *,
    at: datetime,
    address: bool = False,
    followers: int | None = None,
    handle: str | None = None,
) -> IncomingPost:
    return IncomingPost(
        network=SocialNetwork.WEBHOOK,
        external_id=f"weibo:{rng.getrandbits(60)}",
        author_handle=f"weibo/{handle or 'user' + str(rng.randrange(4000))}",
        author_followers=followers if followers is not None else int(rng.paretovariate(1.1) * 80),
        text=drawn.text,
        kind=PostKind.POST,
        posted_at=at,
        shares=int(rng.paretovariate(1.5)) - 1,
        metrics={"source": "weibo"},
    )


def _evaluate_on_start(
    database: Database, tenant_id: uuid.UUID, *, monitor_ids: list[uuid.UUID]
) -> None:
    """The history's own evaluation jobs and the past storm's notices belong to their time:
    drop them, and leave one evaluation for the demo's workers to raise today's storm with."""
    with database.tenant_unit(tenant_id) as session:
        session.execute(
            sa.delete(OutboxJob).where(
                col(OutboxJob.actor).in_([EVALUATE_ACTOR, NOTIFY_ALERT_ACTOR]),
                col(OutboxJob.dispatched_at).is_(None),
            )
        )
        outbox.enqueue(
            session,
            actor=EVALUATE_ACTOR,
            payload={"monitors": {str(m): {"evidence": [], "flagged": []} for m in monitor_ids}},
        )


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _answer_the_past_storm(database: Database, tenant_id: uuid.UUID, *, now: datetime) -> int:
    """Raise the billing storm's alerts as they were raised then, and close them with an incident."""
    storm_peak = now - HISTORY_STORM + timedelta(minutes=100)
    with database.tenant_unit(tenant_id) as session:
        monitors = session.execute(sa.select(Monitor).order_by(col(Monitor.name))).scalars().all()
        evaluate_monitors(session, monitors, now=storm_peak)
        raised = session.execute(sa.select(SocialAlert)).scalars().all()
        lead = session.execute(
            sa.select(col(User.id))
            .where(col(User.active).is_(True))
            .order_by(col(User.email))
            .limit(1)
        ).scalar_one_or_none()
        incident = Incident(
            title="Billing system change double-charged prepaid customers",
            severity=IncidentSeverity.MAJOR,
            status=IncidentStatus.CLOSED,
            summary="A billing release charged monthly plans twice; posts, calls and mail surged.",
            opened_by_id=lead,
            statement_text="我们已修复计费问题，多扣费用将在3个工作日内退回。We have fixed the billing "
            "error; double charges will be refunded within 3 working days.",
            statement_requested_at=storm_peak + timedelta(minutes=30),
            review="Root cause: a rating rule deployed without a dry run. Refunds completed in 2 days.",
            closed_at=storm_peak + timedelta(days=2),
            created_at=storm_peak,
        )
        session.add(incident)
        session.flush()
        for alert in raised:
            alert.status = AlertStatus.RESOLVED
            alert.owner_id = lead
            alert.acknowledged_at = storm_peak + timedelta(minutes=6)
            alert.resolved_at = storm_peak + timedelta(days=1)
            alert.incident_id = incident.id
            alert.notes = [
                {
                    "at": (storm_peak + timedelta(minutes=6)).isoformat(),
                    "author_id": str(lead),
                    "text": "计费系统变更导致重复扣费，已通知计费团队。",
                },
            ]
            session.add(
                IncidentLink(
                    incident_id=incident.id, kind=IncidentLinkKind.ALERT, target_id=alert.id
                )
            )
        return len(raised)
