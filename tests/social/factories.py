"""Small factories for the social API tests: accounts and monitors over HTTP, and the rows
only intake and the detector write (posts, hits, alerts) straight into a tenant's database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from core.db import Database
from core.models.social import MonitorHit, SentimentLabel, SocialNetwork, SocialPost
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from tests.api.factories import API, create_contact, created, unique


def create_account(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"network": "x", "name": unique("brand"), "credentials": {"bearer_token": "t0k3n"}}
    return created(api.post(f"{API}/social/accounts", json={**body, **fields}))


def create_monitor(api: httpx.Client, **fields: Any) -> dict[str, Any]:
    body = {"name": unique("monitor"), "rule": "northwind AND (outage OR 断网)"}
    return created(api.post(f"{API}/monitors", json={**body, **fields}))


def social_customer(
    api: httpx.Client, handle: str | None = None, *, phone: str | None = None
) -> dict[str, Any]:
    """A contact who posts as x:<handle>, with an email (and a phone, if given); its JSON plus
    ``social_identity_id``."""
    handle = handle or unique("fan")
    identities = [
        {"kind": "email", "value": f"{handle}@example.com"},
        {"kind": "social", "value": f"x:{handle}"},
        *([{"kind": "phone", "value": phone}] if phone else []),
    ]
    contact = create_contact(api, name=handle, identities=identities)
    social = next(i for i in contact["identities"] if i["kind"] == "social")
    return {**contact, "handle": handle, "social_identity_id": social["id"]}


def add_post(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    text: str = "northwind outage again",
    author: dict[str, Any] | None = None,
    conversation_id: str | None = None,
    monitor_ids: Sequence[str] = (),
    sentiment: SentimentLabel = SentimentLabel.NEGATIVE,
    posted_at: datetime | None = None,
    deleted: bool = False,
    addresses_us: bool = False,
    followers: int = 10,
    network: SocialNetwork = SocialNetwork.X,
    account_id: str | None = None,
) -> str:
    """A stored post as intake would leave it, with a hit per monitor; its id."""
    when = posted_at or datetime.now(UTC)
    post = SocialPost(
        account_id=uuid.UUID(account_id) if account_id else None,
        network=network,
        external_id=uuid.uuid4().hex,
        author_handle=author["handle"] if author else unique("someone"),
        author_name="Some One",
        author_followers=followers,
        author_identity_id=uuid.UUID(author["social_identity_id"]) if author else None,
        text=text,
        language="en",
        url=f"https://x.example/status/{uuid.uuid4().int % 10**12}",
        posted_at=when,
        addresses_us=addresses_us,
        monitor_ids=list(monitor_ids),
        matched_terms=["northwind"] if monitor_ids else [],
        sentiment_score=-0.8 if sentiment is SentimentLabel.NEGATIVE else 0.4,
        sentiment_label=sentiment,
        conversation_id=uuid.UUID(conversation_id) if conversation_id else None,
        deleted_at=datetime.now(UTC) if deleted else None,
    )
    with database.tenant_unit(tenant_id) as session:
        session.add(post)
        session.flush()
        for monitor_id in monitor_ids:
            session.add(
                MonitorHit(
                    monitor_id=uuid.UUID(monitor_id),
                    post_id=post.id,
                    posted_at=when,
                    negative=sentiment is SentimentLabel.NEGATIVE,
                )
            )
    return str(post.id)


def add_alert(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    evidence: Sequence[str] = (),
    monitor_id: str | None = None,
    kind: AlertKind = AlertKind.NEGATIVE_SHARE,
    severity: Severity = Severity.HIGH,
    last_seen_at: datetime | None = None,
) -> str:
    """An open alert as the detector raises it; its id."""
    now = datetime.now(UTC)
    alert = SocialAlert(
        monitor_id=uuid.UUID(monitor_id) if monitor_id else None,
        kind=kind,
        dedup_key=unique("storm"),
        status=AlertStatus.OPEN,
        severity=severity,
        title="Negative share 70% on northwind",
        figures={"negative_share": 0.7, "posts": 40},
        peak={"negative_share": 0.7},
        evidence_post_ids=list(evidence),
        post_count=len(evidence),
        first_seen_at=now,
        last_seen_at=last_seen_at or now,
    )
    with database.tenant_unit(tenant_id) as session:
        session.add(alert)
    return str(alert.id)


def social_world(
    api: httpx.Client, database: Database, tenant_id: uuid.UUID, queue_id: str
) -> dict[str, str]:
    """One of each social object in a tenant (for the isolation walk), by id, and the names
    that are unique per tenant."""
    account = create_account(api, queue_id=queue_id)
    monitor = create_monitor(api, queue_id=queue_id)
    post = add_post(database, tenant_id, monitor_ids=[monitor["id"]])
    alert = add_alert(database, tenant_id, evidence=[post], monitor_id=monitor["id"])
    incident = created(api.post(f"{API}/incidents", json={"title": "A", "alert_ids": [alert]}))
    return {
        "account": account["id"],
        "account_name": account["name"],
        "monitor": monitor["id"],
        "monitor_name": monitor["name"],
        "post": post,
        "alert": alert,
        "incident": incident["id"],
    }
