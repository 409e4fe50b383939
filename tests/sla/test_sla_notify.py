"""notify_lead: the site's team lead gets the notice, the tenant's webhook a signed POST."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import col

from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter
from core.db import Database, use_database
from core.models import Channel, JobReceipt, OutboxJob
from core.sla import notify
from core.sla.sweep import run_sla_sweep
from tests.conftest import TenantHandle
from tests.sla.factories import conversation, org_tree, policy
from tests.webhook_receiver import WebhookReceiver, receiving
from workers import sla_actors


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with receiving(statuses=[503]) as server:  # the first attempt fails, as endpoints do
        yield server


@pytest.fixture
def installed(database: Database) -> Iterator[Database]:
    use_database(database)
    yield database
    use_database(None)
    notify.webhook_settings.cache_clear()


def _jobs(database: Database, tenant: TenantHandle, actor: str) -> list[OutboxJob]:
    with database.tenant_unit(tenant.id) as session:
        query = sa.select(OutboxJob).where(col(OutboxJob.actor) == actor)
        return list(session.execute(query).scalars())


def _run(job: OutboxJob, function: Any) -> None:
    function(str(job.id), str(job.tenant_id), job.payload)


def test_breach_notice_mails_the_site_lead_and_posts_a_signed_webhook(
    installed: Database,
    tenant: TenantHandle,
    tmp_path: Path,
    receiver: WebhookReceiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database = installed
    secret = uuid.uuid4().hex
    monkeypatch.setenv(
        "SLA_WEBHOOKS", json.dumps({tenant.slug: {"url": receiver.url, "secret": secret}})
    )
    notify.webhook_settings.cache_clear()
    register_adapter(LoopbackAdapter(Channel.EMAIL, tmp_path))
    tree = org_tree(database, tenant.id)
    policy(database, tenant.id, resolution_seconds=3600, breach_actions=["notify_lead"])
    opened = datetime.now(UTC) - timedelta(hours=3)
    cid = conversation(database, tenant.id, at=opened, queue_id=tree.site_queue)
    run_sla_sweep(database)

    (notice_job,) = _jobs(database, tenant, notify.NOTIFY_LEAD_ACTOR)
    _run(notice_job, sla_actors.notify_lead)
    _run(notice_job, sla_actors.notify_lead)  # a redelivery changes nothing
    (mail,) = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert mail["to"] == tree.site_lead_email  # not the region's lead
    assert "resolution" in mail["subject"] and "1 working hours" in mail["text"]

    (webhook_job,) = _jobs(database, tenant, notify.WEBHOOK_ACTOR)
    with pytest.raises(notify.WebhookError):  # 503: left for the broker to retry
        _run(webhook_job, sla_actors.post_breach_webhook)
    _run(webhook_job, sla_actors.post_breach_webhook)

    assert len(receiver.received) == 2
    headers, body = receiver.received[-1]
    expected = notify.signature(secret, headers[notify.TIMESTAMP_HEADER], body)
    assert headers[notify.SIGNATURE_HEADER] == expected
    assert headers[notify.DELIVERY_HEADER] == str(webhook_job.id)
    payload = json.loads(body)
    assert payload["event"] == "sla.breached" and payload["tenant"] == tenant.slug
    assert payload["conversation_id"] == str(cid) and payload["metric"] == "resolution"
    assert payload["team_leads"] == [tree.site_lead_email]
    with database.tenant_unit(tenant.id) as session:
        receipts = dict(
            session.execute(sa.select(col(JobReceipt.actor), col(JobReceipt.result))).all()
        )
    assert receipts[notify.NOTIFY_LEAD_ACTOR]["recipients"] == {tree.site_lead_email: "sent"}
    assert receipts[notify.WEBHOOK_ACTOR] == {"status": 204}


def test_without_a_mail_adapter_or_webhook_the_notice_is_recorded(
    installed: Database, tenant: TenantHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = installed
    monkeypatch.setenv("SLA_WEBHOOKS", "{}")
    notify.webhook_settings.cache_clear()
    monkeypatch.setattr("channels.registry._adapters", {})
    tree = org_tree(database, tenant.id)
    policy(database, tenant.id, first_response_seconds=60, breach_actions=["notify_lead"])
    conversation(
        database, tenant.id, at=datetime.now(UTC) - timedelta(hours=1), queue_id=tree.site_queue
    )
    run_sla_sweep(database)

    (job,) = _jobs(database, tenant, notify.NOTIFY_LEAD_ACTOR)
    _run(job, sla_actors.notify_lead)
    assert _jobs(database, tenant, notify.WEBHOOK_ACTOR) == []
    with database.tenant_unit(tenant.id) as session:
        result = session.execute(sa.select(col(JobReceipt.result))).scalar_one()
    assert result["recipients"] == {
        tree.site_lead_email: "not sent: no email adapter in this process"
    }
    assert "first response" in result["subject"] and result["webhook"] is False
