"""Crisis response in workers: a major incident mails leadership; the public statement is
posted once through the network (Mastodon.py against a loopback instance)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from channels.social.adapter import register_social_adapter
from core.db import Database
from core.models import User
from core.models.social import SocialAccount, SocialNetwork
from core.models.social_alert import Incident, IncidentSeverity
from core.social import incidents
from tests.channels.social.test_mastodon_connector import ME, TOKEN, FakeMastodon
from tests.conftest import TenantHandle
from tests.workers.conftest import wait_until
from workers.embedded import EmbeddedWorkers


@pytest.fixture
def instance() -> Iterator[FakeMastodon]:
    with FakeMastodon(access_token=TOKEN, me=ME) as server:
        yield server


def test_a_major_incident_reaches_leadership_at_once(
    database: Database, tenant: TenantHandle, embedded: EmbeddedWorkers, outbound_dir: Path
) -> None:
    with database.tenant_unit(tenant.id) as session:
        session.add_all(
            [
                User(email="ceo@northwind.example", name="CEO", roles=["executive"]),
                User(email="lead@northwind.example", name="Lead", roles=["team_lead"]),
            ]
        )
    with database.tenant_unit(tenant.id) as session:
        general = incidents.open_incident(session, title="Slow data in Tianjin")
    with database.tenant_unit(tenant.id) as session:
        incidents.update_incident(
            session, incident_id=general.incident.id, changes={"severity": "major"}
        )

    def mails() -> list[dict[str, str]]:
        return [json.loads(p.read_text()) for p in outbound_dir.glob("*.json")]

    wait_until(mails, timeout=20, what="the leadership notice")
    [mail] = mails()
    assert mail["to"] == "ceo@northwind.example", "executives, not team leads"
    assert mail["subject"] == "[MAJOR INCIDENT] Slow data in Tianjin"


def test_the_public_statement_is_posted_once_through_the_account(
    database: Database,
    tenant: TenantHandle,
    instance: FakeMastodon,
    embedded: EmbeddedWorkers,
) -> None:
    register_social_adapter(database)
    with database.tenant_unit(tenant.id) as session:
        account = SocialAccount(
            network=SocialNetwork.MASTODON,
            name="Northwind on Mastodon",
            handle="northwind",
            api_base_url=instance.base_url,
            credentials={"access_token": TOKEN},
            settings={"mentions": False},
            next_poll_at=None,
        )
        session.add(account)
        session.flush()
        opened = incidents.open_incident(
            session, title="Billing double charge", severity=IncidentSeverity.GENERAL
        )
        incidents.request_statement(
            session,
            incident_id=opened.incident.id,
            text="我们已修复计费问题，多扣费用3个工作日内退回。",
            account_ids=[account.id],
        )

    def published() -> dict[str, object]:
        with database.tenant_session(tenant.id) as session:
            results: dict[str, object] = session.execute(
                sa.select(col(Incident.statement_results)).where(
                    col(Incident.id) == opened.incident.id
                )
            ).scalar_one()
        return results

    wait_until(published, timeout=20, what="the statement to be published")
    [posted] = instance.received("/api/v1/statuses")
    assert "多扣费用" in posted.form()["status"]
    assert posted.headers["idempotency-key"] == f"{opened.incident.id}:{account.id}"
    result = published()[str(account.id)]
    assert isinstance(result, dict)
    assert (result["status"], result["external_id"]) == ("posted", instance.statuses[0]["id"])
