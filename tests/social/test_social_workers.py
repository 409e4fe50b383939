"""The social work in workers: a storm's batch → evaluation job → alert → mail and webhook."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import JobReceipt
from core.models.social_alert import AlertKind, SocialAlert
from core.social import notify
from core.social.alerts import NOTIFY_ALERT_ACTOR
from core.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from tests.conftest import TenantHandle
from tests.social.streams import create_monitor, deliver, post
from tests.webhook_receiver import receiving
from tests.workers.conftest import wait_until
from workers.embedded import EmbeddedWorkers


def test_a_storm_reaches_the_desk_by_mail_and_signed_webhook(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers, outbound_dir: Path
) -> None:
    secret = "desk-webhook-secret"
    with receiving(statuses=[503]) as receiver:  # the first attempt fails, and is retried
        monitor_id = create_monitor(
            database,
            tenant.id,
            rule="Northwind",
            negative_share_min_posts=20,
            notify_emails=["desk@example.com"],
            webhook_url=receiver.url,
            webhook_secret=secret,
        )
        deliver(
            database,
            tenant.id,
            [post(f"Northwind overcharged me again, scam #{i}") for i in range(25)],
        )

        def raised() -> list[SocialAlert]:
            with database.tenant_session(tenant.id) as session:
                return list(
                    session.execute(
                        sa.select(SocialAlert).where(col(SocialAlert.monitor_id) == monitor_id)
                    ).scalars()
                )

        wait_until(raised, timeout=20, what="the evaluation job to raise the alert")
        wait_until(lambda: len(receiver.received) == 2, timeout=30, what="the webhook retry")

    [alert] = raised()
    assert alert.kind is AlertKind.NEGATIVE_SHARE
    headers, body = receiver.received[-1]
    assert headers[SIGNATURE_HEADER] == signature(secret, headers[TIMESTAMP_HEADER], body)
    sent = json.loads(body)
    assert sent["event"] == "social_alert.raised"
    assert sent["alert_id"] == str(alert.id)
    assert sent["figures"]["posts"] == 25

    mails = [json.loads(p.read_text()) for p in outbound_dir.glob("*.json")]
    [mail] = [m for m in mails if m["to"] == "desk@example.com"]
    assert mail["subject"].startswith("[MEDIUM] Public-opinion alert raised") or mail[
        "subject"
    ].startswith("[HIGH] Public-opinion alert raised")
    assert "Northwind overcharged" in mail["text"]
    with database.tenant_session(tenant.id) as session:
        done = (
            session.execute(
                sa.select(col(JobReceipt.actor)).where(
                    col(JobReceipt.actor).in_([NOTIFY_ALERT_ACTOR, notify.WEBHOOK_ACTOR])
                )
            )
            .scalars()
            .all()
        )
    assert sorted(done) == sorted([NOTIFY_ALERT_ACTOR, notify.WEBHOOK_ACTOR])
