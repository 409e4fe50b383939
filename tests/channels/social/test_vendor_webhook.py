"""The listening vendor's webhook over real HTTP: signed batches, stale and forged signatures,
field errors by index, tenant isolation, and signed replies to the vendor's reply_url."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from channels.social.base import ConnectorError
from channels.social.vendor import VendorConnector
from core.db import Database
from core.models import InboundState
from core.models.social import PostKind, SocialNetwork
from core.social.polling import account_view
from tests.channels.social.webhook_support import (
    VENDOR_SECRET,
    FakeGraph,
    conversation_of,
    encode,
    fake_graph,
    http,
    live_server,
    posts_of,
    records_of,
    vendor_account,
    vendor_headers,
    webhook_path,
)
from tests.conftest import TenantHandle, make_tenant

__all__ = ["fake_graph", "http", "live_server"]


def weibo_post(post_id: str, text: str, **fields: Any) -> dict[str, Any]:
    return {
        "network": "weibo",
        "id": post_id,
        "author": {"handle": "beifeng_user", "name": "北风用户", "followers": 120_000},
        "text": text,
        "lang": "zh",
        "url": f"https://weibo.com/1234567890/{post_id}",
        "posted_at": "2024-06-01T08:30:00+08:00",
        "metrics": {"likes": 12, "comments": 3},
        "shares": 4,
        **fields,
    }


def three_posts() -> dict[str, Any]:
    return {
        "posts": [
            weibo_post("4890000000000001", "北风通信的网络又断了，太差了"),
            weibo_post("4890000000000002", "@北风通信 我的账单有问题", kind="mention"),
            {
                "network": "forum",
                "id": 77,
                "author": {"handle": "night_owl"},
                "text": "Northwind support fixed my router in ten minutes, great job",
                "lang": "en",
                "posted_at": "2024-06-01T01:00:00Z",
            },
        ]
    }


def deliver(
    http: httpx.Client, path: str, document: dict[str, Any], **signing: Any
) -> httpx.Response:
    body = encode(document)
    return http.post(path, content=body, headers=vendor_headers(body, **signing))


def test_signed_batch_is_accepted_with_counts_and_stored_per_source(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = vendor_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    response = deliver(http, path, three_posts())
    assert response.status_code == 202, response.text
    answer = response.json()
    assert {k: answer[k] for k in ("received", "stored", "duplicates", "edited", "deleted")} == {
        "received": 3,
        "stored": 3,
        "duplicates": 0,
        "edited": 0,
        "deleted": 0,
    }
    [record] = records_of(database, tenant.id)
    assert answer["record_id"] == str(record.id) and record.state is InboundState.INGESTED
    posts = {p.external_id: p for p in posts_of(database, tenant.id)}
    assert set(posts) == {"weibo:4890000000000001", "weibo:4890000000000002", "forum:77"}
    complaint = posts["weibo:4890000000000001"]
    assert complaint.network is SocialNetwork.WEBHOOK and complaint.kind is PostKind.POST
    assert complaint.author_handle == "weibo/beifeng_user" and complaint.author_name == "北风用户"
    assert complaint.author_followers == 120_000 and complaint.shares == 4
    assert complaint.metrics == {"likes": 12, "comments": 3, "source": "weibo"}
    assert complaint.language == "zh" and complaint.posted_at.hour == 0
    assert complaint.conversation_id is None
    mention = posts["weibo:4890000000000002"]
    assert mention.kind is PostKind.MENTION and mention.conversation_id is not None
    assert conversation_of(database, tenant.id, mention.conversation_id) is not None
    assert posts["forum:77"].author_handle == "forum/night_owl"
    assert posts["forum:77"].language == "en"

    again = deliver(http, path, three_posts())
    assert again.status_code == 202, again.text
    assert again.json()["stored"] == 0 and again.json()["duplicates"] == 3
    assert len(posts_of(database, tenant.id)) == 3


def test_edits_and_deletions_through_the_vendor(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = vendor_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    assert deliver(http, path, {"posts": [weibo_post("1", "信号很差")]}).status_code == 202
    edited = deliver(http, path, {"posts": [weibo_post("1", "信号很差，已经恢复", edited=True)]})
    assert edited.json()["edited"] == 1
    deleted = deliver(http, path, {"posts": [weibo_post("1", "", deleted=True)]})
    assert deleted.json()["deleted"] == 1
    [post] = posts_of(database, tenant.id)
    assert post.version == 2 and post.text == "信号很差，已经恢复" and post.deleted_at is not None


@pytest.mark.parametrize("skew", [-301, 600])
def test_stale_or_future_timestamp_is_403_and_stores_nothing(
    database: Database, tenant: TenantHandle, http: httpx.Client, skew: int
) -> None:
    account = vendor_account(database, tenant.id)
    response = deliver(
        http,
        webhook_path(tenant.slug, account.id),
        three_posts(),
        timestamp=int(time.time()) + skew,
    )
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == "stale signature"
    assert records_of(database, tenant.id) == [] and posts_of(database, tenant.id) == []


def test_missing_or_forged_signature_is_403_and_stores_nothing(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = vendor_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    body = encode(three_posts())
    with capture_logs() as logs:
        forged = deliver(http, path, three_posts(), secret="guessed-secret")
        missing = http.post(path, content=body, headers={"Content-Type": "application/json"})
        garbled = http.post(
            path,
            content=body,
            headers={"X-Switchboard-Timestamp": "now", "X-Switchboard-Signature": "v1=abc"},
        )
    for response in (forged, missing, garbled):
        assert response.status_code == 403, response.text
    rejected = [e for e in logs if e["event"] == "social.signature_rejected"]
    assert [e["reason"] for e in rejected] == ["mismatch", "missing", "malformed"]
    assert VENDOR_SECRET not in repr(logs)
    assert records_of(database, tenant.id) == []


def test_unknown_kind_is_422_naming_the_field_and_the_record_is_kept_rejected(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = vendor_account(database, tenant.id)
    document = three_posts()
    document["posts"][1]["kind"] = "retweet"
    del document["posts"][2]["author"]["handle"]
    response = deliver(http, webhook_path(tenant.slug, account.id), document)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"posts[1].kind", "posts[2].author.handle"}
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED and "posts[1].kind" in (record.reason or "")
    assert record.payload == encode(document)
    assert posts_of(database, tenant.id) == []


def test_more_than_500_posts_is_422_and_bad_json_400(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = vendor_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    many = {"posts": [weibo_post(str(n), "x") for n in range(501)]}
    response = deliver(http, path, many)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["posts"]
    body = b'{"posts": ['
    broken = http.post(path, content=body, headers=vendor_headers(body))
    assert broken.status_code == 400, broken.text
    assert [r.state for r in records_of(database, tenant.id)] == [InboundState.REJECTED] * 2


def test_wrong_tenant_slug_or_another_tenants_account_is_404(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    other = make_tenant(database, prefix="other")
    theirs = vendor_account(database, other.id)
    mine = vendor_account(database, tenant.id)
    for path in (webhook_path("nobody-here", mine.id), webhook_path(tenant.slug, theirs.id)):
        assert deliver(http, path, three_posts()).status_code == 404, path
    assert records_of(database, other.id) == [] and records_of(database, tenant.id) == []
    assert http.get(webhook_path(tenant.slug, mine.id)).status_code == 405


def test_reply_url_gets_a_signed_post_and_the_vendor_id_comes_back(
    database: Database, tenant: TenantHandle, fake_graph: FakeGraph
) -> None:
    reply_url = f"{fake_graph.base_url}/vendor-replies"
    account = account_view(vendor_account(database, tenant.id, settings={"reply_url": reply_url}))
    reply_id = VendorConnector().reply(
        account,
        in_reply_to="weibo:4890000000000002",
        recipient_handle="weibo/beifeng_user",
        text="您好，请私信您的账号",
        private=False,
        idempotency_key="msg-1",
    )
    assert reply_id == "weibo-reply-42"
    [request] = fake_graph.requests
    assert request.body == {
        "network": "weibo",
        "in_reply_to": "4890000000000002",
        "recipient": "beifeng_user",
        "text": "您好，请私信您的账号",
        "private": False,
        "idempotency_key": "msg-1",
    }
    timestamp = request.headers["x-switchboard-timestamp"]
    digest = request.headers["x-switchboard-signature"].removeprefix("sha256=")
    expected = hmac.new(
        VENDOR_SECRET.encode(), f"{timestamp}.".encode() + request.raw, hashlib.sha256
    )
    assert digest == expected.hexdigest() and abs(int(timestamp) - time.time()) < 60
    assert request.headers["idempotency-key"] == "msg-1"


def test_reply_without_reply_url_goes_through_the_vendor(
    database: Database, tenant: TenantHandle
) -> None:
    account = account_view(vendor_account(database, tenant.id))
    connector = VendorConnector()
    with pytest.raises(ConnectorError, match="go through the vendor") as failure:
        connector.reply(
            account,
            in_reply_to="weibo:1",
            recipient_handle="weibo/a",
            text="hi",
            private=True,
            idempotency_key="k",
        )
    assert failure.value.permanent
    with pytest.raises(ConnectorError):
        connector.publish(account, text="hi", idempotency_key="k")
