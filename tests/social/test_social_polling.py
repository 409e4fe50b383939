"""The poller with a real connector (Mastodon.py against a loopback instance): posts stored
before the cursor moves, duplicates ignored, rate limits and bad credentials backed off, and
an agent's reply going back out through the same account."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from channels.social.adapter import register_social_adapter
from channels.social.poller import poll_due_accounts
from core import replies
from core.clock import utcnow
from core.db import Database
from core.models import DeliveryStatus, InboundRecord, Message, MessageDirection
from core.models.social import PostKind, SocialAccount, SocialNetwork, SocialPost
from core.social import polling
from tests.channels.social.test_mastodon_connector import (
    ALICE,
    ME,
    TOKEN,
    FakeMastodon,
    mastodon_status,
)
from tests.conftest import TenantHandle
from tests.workers.conftest import wait_until
from workers.embedded import EmbeddedWorkers

MENTION = "<p>@northwind 我家宽带又断网了，已经三天了，投诉也没人管</p>"


@pytest.fixture
def instance() -> Iterator[FakeMastodon]:
    with FakeMastodon(access_token=TOKEN, me=ME) as server:
        yield server


def _account(database: Database, tenant: TenantHandle, server: FakeMastodon) -> uuid.UUID:
    with database.tenant_unit(tenant.id) as session:
        account = SocialAccount(
            network=SocialNetwork.MASTODON,
            name="Northwind on Mastodon",
            handle="northwind",
            api_base_url=server.base_url,
            credentials={"access_token": TOKEN},
            settings={"mentions": True},
            poll_interval_seconds=60,
        )
        session.add(account)
    return account.id


def _load(database: Database, tenant: TenantHandle, account_id: uuid.UUID) -> SocialAccount:
    with database.tenant_session(tenant.id) as session:
        return session.execute(
            sa.select(SocialAccount).where(col(SocialAccount.id) == account_id)
        ).scalar_one()


def _mention(server: FakeMastodon, status_id: str) -> None:
    status = mastodon_status(
        status_id,
        ALICE,
        MENTION,
        mentions=[{"id": ME["id"], "username": "northwind", "acct": "northwind", "url": ME["url"]}],
    )
    server.add_status(status, mention=True)


def _poll_now(database: Database, tenant: TenantHandle, account_id: uuid.UUID) -> int:
    """Make the account due and poll the due accounts, as the periodic task does."""
    with database.tenant_unit(tenant.id) as session:
        session.execute(
            sa.update(SocialAccount)
            .where(col(SocialAccount.id) == account_id)
            .values(next_poll_at=utcnow() - timedelta(days=3650), backoff_until=None)
        )
    return poll_due_accounts(database)


def test_a_poll_stores_posts_before_the_cursor_moves_and_ignores_repeats(
    database: Database, tenant: TenantHandle, instance: FakeMastodon
) -> None:
    account_id = _account(database, tenant, instance)
    _mention(instance, "113200000000000001")
    assert _poll_now(database, tenant, account_id) >= 1

    account = _load(database, tenant, account_id)
    assert account.cursor["since_id"]["mentions"] == instance.notifications[0]["id"]
    assert account.last_polled_at is not None and account.consecutive_failures == 0
    with database.tenant_session(tenant.id) as session:
        [stored] = session.execute(sa.select(SocialPost)).scalars().all()
        sources = session.execute(sa.select(col(InboundRecord.source))).scalars().all()
    assert stored.kind is PostKind.MENTION
    assert stored.account_id == account_id
    assert stored.author_handle == "alice@social.example.net"
    assert stored.conversation_id is not None, "a mention addresses us"
    assert sources == ["poll:mastodon"]

    # The cursor is lost (a restore from backup, say): the instance serves the mention again.
    with database.tenant_unit(tenant.id) as session:
        session.execute(sa.update(SocialAccount).values(cursor={}))
    _poll_now(database, tenant, account_id)
    with database.tenant_session(tenant.id) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(SocialPost)).scalar_one() == 1


def test_a_rate_limit_backs_off_as_long_as_the_network_asks(
    database: Database, tenant: TenantHandle, instance: FakeMastodon
) -> None:
    account_id = _account(database, tenant, instance)
    instance.fail_next(429, {"error": "Too many requests"}, headers={"Retry-After": "120"})
    before = utcnow()
    _poll_now(database, tenant, account_id)

    account = _load(database, tenant, account_id)
    assert account.backoff_until is not None
    assert (
        before + timedelta(seconds=115)
        <= account.backoff_until
        <= utcnow() + timedelta(seconds=125)
    )
    assert account.consecutive_failures == 1
    assert account.active
    assert account_id not in {a.id for a in polling.claim_due_accounts(database, limit=500)}


def test_bad_credentials_switch_the_account_off_with_the_reason(
    database: Database, tenant: TenantHandle, instance: FakeMastodon
) -> None:
    account_id = _account(database, tenant, instance)
    with database.tenant_unit(tenant.id) as session:
        session.execute(sa.update(SocialAccount).values(credentials={"access_token": "revoked"}))
    _poll_now(database, tenant, account_id)
    account = _load(database, tenant, account_id)
    assert not account.active
    assert account.last_error and "revoked" not in account.last_error


def test_an_agents_reply_goes_back_to_the_post_on_mastodon(
    database: Database,
    tenant: TenantHandle,
    instance: FakeMastodon,
    embedded: EmbeddedWorkers,
    outbound_dir: Path,
) -> None:
    register_social_adapter(database)
    account_id = _account(database, tenant, instance)
    _mention(instance, "113200000000000009")
    _poll_now(database, tenant, account_id)
    with database.tenant_session(tenant.id) as session:
        conversation_id = session.execute(sa.select(col(SocialPost.conversation_id))).scalar_one()
    assert conversation_id is not None
    with database.tenant_unit(tenant.id) as session:
        message = replies.reply(
            session, conversation_id=conversation_id, text="很抱歉，工程师今天下午上门处理。"
        )

    def sent() -> Message | None:
        with database.tenant_session(tenant.id) as session:
            row = session.execute(
                sa.select(Message).where(col(Message.id) == message.id)
            ).scalar_one()
        return row if row.delivery_status is DeliveryStatus.SENT else None

    wait_until(sent, timeout=20, what="the reply to be delivered")
    [posted] = instance.received("/api/v1/statuses")
    form = posted.form()
    assert form["in_reply_to_id"] == "113200000000000009"
    assert form["status"].startswith("@alice@social.example.net")
    assert "工程师" in form["status"]
    assert posted.headers["idempotency-key"] == str(message.id)
    delivered = sent()
    assert delivered is not None and delivered.direction is MessageDirection.OUTBOUND
    assert delivered.external_id == f"mastodon:{instance.statuses[0]['id']}"
