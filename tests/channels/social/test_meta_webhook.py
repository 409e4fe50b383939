"""Meta webhooks over real HTTP: the subscription handshake, signed deliveries in Meta's
documented shapes becoming posts and conversations, and the Graph API replies."""

from __future__ import annotations

import json

import httpx
import pytest
from structlog.testing import capture_logs

from channels.social.base import ConnectorError, RateLimited
from channels.social.meta import MetaConnector, parse_delivery
from core.db import Database
from core.models import InboundState
from core.models.channel import Channel
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView
from core.social.polling import account_view
from tests.channels.social.webhook_support import (
    APP_SECRET,
    IG_ACCOUNT_ID,
    PAGE_ID,
    PAGE_TOKEN,
    VERIFY_TOKEN,
    FakeGraph,
    business_usage,
    conversation_of,
    fake_graph,
    feed_comment,
    graph_error,
    http,
    instagram_comment,
    instagram_delivery,
    live_server,
    messenger_message,
    messenger_receipts,
    meta_account,
    meta_headers,
    page_delivery,
    posts_of,
    records_of,
    webhook_path,
)
from tests.conftest import TenantHandle, make_tenant

__all__ = ["fake_graph", "http", "live_server"]


def deliver(http: httpx.Client, path: str, body: bytes, secret: str = APP_SECRET) -> httpx.Response:
    return http.post(path, content=body, headers=meta_headers(body, secret))


def test_verification_echoes_the_challenge_for_the_right_token(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    response = http.get(webhook_path(tenant.slug, account.id), params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "1158201444"


def test_verification_with_a_wrong_token_or_mode_is_403(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    for mode, token in (("subscribe", "guess"), ("subscribe", None), ("unsubscribe", VERIFY_TOKEN)):
        params = {
            "hub.mode": mode,
            "hub.challenge": "challenge-xyz",
            **({"hub.verify_token": token} if token else {}),
        }
        response = http.get(path, params=params)
        assert response.status_code == 403, response.text
        assert "challenge-xyz" not in response.text


def test_signed_page_comment_becomes_a_post_and_a_conversation(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    body = page_delivery(
        changes=[
            feed_comment(
                comment_id=f"{PAGE_ID}_555000111_9001", message="我的订单还没到，请帮忙查一下"
            )
        ]
    )
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 200, response.text
    assert response.text == "EVENT_RECEIVED"
    [post] = posts_of(database, tenant.id)
    assert post.network is SocialNetwork.FACEBOOK and post.kind is PostKind.COMMENT
    assert post.external_id == f"{PAGE_ID}_555000111_9001"
    assert post.author_handle == "7001002003" and post.author_name == "Wang Fang"
    assert post.text == "我的订单还没到，请帮忙查一下"
    assert post.in_reply_to == f"{PAGE_ID}_555000111" and post.account_id == account.id
    assert post.addresses_us and post.conversation_id is not None
    conversation = conversation_of(database, tenant.id, post.conversation_id)
    assert conversation is not None and conversation.channel is Channel.SOCIAL
    [record] = records_of(database, tenant.id)
    assert record.payload == body and record.state is InboundState.INGESTED


def test_forged_or_missing_signature_is_403_and_stores_nothing(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    body = page_delivery(changes=[feed_comment(comment_id="1_2", message="hello")])
    with capture_logs() as logs:
        forged = deliver(http, path, body, secret="not-the-app-secret")
        missing = http.post(path, content=body, headers={"Content-Type": "application/json"})
        tampered = http.post(
            path, content=body.replace(b"hello", b"HELLO"), headers=meta_headers(body)
        )
    for response in (forged, missing, tampered):
        assert response.status_code == 403, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    rejected = [e for e in logs if e["event"] == "social.signature_rejected"]
    assert [e["reason"] for e in rejected] == ["mismatch", "missing", "mismatch"]
    assert rejected[0]["tenant"] == tenant.slug and rejected[0]["account_id"] == str(account.id)
    assert APP_SECRET not in repr(logs)
    assert records_of(database, tenant.id) == [] and posts_of(database, tenant.id) == []


def test_duplicate_delivery_is_stored_once(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    body = page_delivery(
        changes=[feed_comment(comment_id="555000111_777", message="Where is my refund?")]
    )
    for _ in range(2):
        response = deliver(http, webhook_path(tenant.slug, account.id), body)
        assert response.status_code == 200, response.text
    [post] = posts_of(database, tenant.id)
    assert post.version == 1
    states = sorted(r.state.value for r in records_of(database, tenant.id))
    assert states == ["duplicate", "ingested"]


def test_edited_comment_is_a_second_version_with_the_new_text(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    first = page_delivery(changes=[feed_comment(comment_id="555000111_778", message="Bad service")])
    edit = page_delivery(
        changes=[
            feed_comment(
                comment_id="555000111_778", message="Bad service, fixed now", verb="edited"
            )
        ]
    )
    assert deliver(http, path, first).status_code == 200
    assert deliver(http, path, edit).status_code == 200
    [post] = posts_of(database, tenant.id)
    assert post.version == 2 and post.text == "Bad service, fixed now"
    assert post.edited_at is not None


def test_removed_comment_is_kept_and_marked_deleted(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    path = webhook_path(tenant.slug, account.id)
    added = page_delivery(changes=[feed_comment(comment_id="555000111_779", message="Spam?")])
    removed = page_delivery(
        changes=[feed_comment(comment_id="555000111_779", message="", verb="remove")]
    )
    assert deliver(http, path, added).status_code == 200
    assert deliver(http, path, removed).status_code == 200
    [post] = posts_of(database, tenant.id)
    assert post.deleted_at is not None and post.text == "Spam?"


def test_messenger_message_opens_a_conversation_and_echoes_and_receipts_are_skipped(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    echo = messenger_message(mid="m_echo1", text="our answer", sender_id=PAGE_ID)
    echo["message"]["is_echo"] = True
    body = page_delivery(
        messaging=[
            messenger_message(mid="m_AbC123", text="Hi, my SIM card is blocked"),
            echo,
            *messenger_receipts(),
        ]
    )
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 200, response.text
    [post] = posts_of(database, tenant.id)
    assert post.kind is PostKind.MESSAGE and post.external_id == "m_AbC123"
    assert post.author_handle == "6543210987" and post.text == "Hi, my SIM card is blocked"
    assert post.posted_at.timestamp() == pytest.approx(1_717_000_000.123)
    assert post.conversation_id is not None
    assert conversation_of(database, tenant.id, post.conversation_id) is not None


def test_instagram_comment_is_a_comment_by_the_username(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id, SocialNetwork.INSTAGRAM)
    body = instagram_delivery(
        changes=[instagram_comment(comment_id="17865799348089039", text="Love it!")]
    )
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 200, response.text
    [post] = posts_of(database, tenant.id)
    assert post.network is SocialNetwork.INSTAGRAM and post.kind is PostKind.COMMENT
    assert post.external_id == "17865799348089039" and post.author_handle == "li.na"
    assert post.text == "Love it!" and post.in_reply_to == "17900000000000042"
    assert post.metrics["author_id"] == "908070605"


def test_page_delivery_on_an_instagram_account_is_kept_rejected_and_acknowledged(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id, SocialNetwork.INSTAGRAM)
    body = page_delivery(changes=[feed_comment(comment_id="1_2", message="hello")])
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 200, response.text
    [record] = records_of(database, tenant.id)
    assert record.state is InboundState.REJECTED and "instagram account" in (record.reason or "")
    assert posts_of(database, tenant.id) == []


def test_malformed_json_with_a_good_signature_is_400_and_kept_rejected(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    body = b'{"object": "page", "entry": [{"id": '
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [record] = records_of(database, tenant.id)
    assert record.payload == body and record.state is InboundState.REJECTED
    assert record.reason and record.reason.startswith("not JSON")


def test_unknown_tenant_account_inactive_or_another_tenants_account_is_404(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    other = make_tenant(database, prefix="other")
    theirs = meta_account(database, other.id)
    inactive = meta_account(database, tenant.id, active=False)
    mine = meta_account(database, tenant.id)
    body = page_delivery(changes=[feed_comment(comment_id="1_3", message="hi")])
    paths = [
        webhook_path("no-such-tenant", mine.id),
        webhook_path(tenant.slug, theirs.id),
        webhook_path(tenant.slug, inactive.id),
        webhook_path(tenant.slug, "not-a-uuid"),
    ]
    for path in paths:
        assert deliver(http, path, body).status_code == 404, path
        params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
        assert http.get(path, params=params).status_code == 404, path
    assert records_of(database, tenant.id) == [] and records_of(database, other.id) == []


def test_body_over_one_mebibyte_is_413(
    database: Database, tenant: TenantHandle, http: httpx.Client
) -> None:
    account = meta_account(database, tenant.id)
    body = page_delivery(changes=[feed_comment(comment_id="1_4", message="x" * (1024 * 1024))])
    response = deliver(http, webhook_path(tenant.slug, account.id), body)
    assert response.status_code == 413, response.text
    assert records_of(database, tenant.id) == []


def test_parsing_skips_our_own_comments_and_reads_visitor_posts_as_mentions(
    database: Database, tenant: TenantHandle
) -> None:
    account = account_view(meta_account(database, tenant.id))
    ours = feed_comment(comment_id="1_5", message="Thanks for writing!", sender_id=PAGE_ID)
    visitor_post = {
        "field": "feed",
        "value": {
            "from": {"id": "7001002003", "name": "Wang Fang"},
            "post_id": f"{PAGE_ID}_888",
            "message": "Your shop on Nanjing Road was closed",
            "created_time": 1_717_000_000,
            "item": "status",
            "verb": "add",
            "published": 1,
        },
    }
    reaction = {
        "field": "feed",
        "value": {
            "item": "reaction",
            "verb": "add",
            "reaction_type": "like",
            "from": {"id": "7001002003"},
            "post_id": f"{PAGE_ID}_888",
        },
    }
    broken = {"field": "feed", "value": {"item": "comment", "verb": "add", "message": "no ids"}}
    delivery = parse_delivery(
        page_delivery(changes=[ours, visitor_post, reaction, broken]), account
    )
    [post] = delivery.posts
    assert post.kind is PostKind.MENTION and post.external_id == f"{PAGE_ID}_888"
    assert post.url == f"https://www.facebook.com/{PAGE_ID}_888"
    assert len(delivery.notes) == 1 and "changes[3]" in delivery.notes[0]


def test_parsing_instagram_mentions_and_messages(database: Database, tenant: TenantHandle) -> None:
    account = account_view(meta_account(database, tenant.id, SocialNetwork.INSTAGRAM))
    mention = {
        "field": "mentions",
        "value": {"media_id": "17918195224117851", "comment_id": "17894227972186120"},
    }
    direct = {
        "sender": {"id": "5566778899"},
        "recipient": {"id": IG_ACCOUNT_ID},
        "timestamp": 1_717_000_000_000,
        "message": {"mid": "aWdfZAG1faXRlbTox", "text": "客服在吗"},
    }
    delivery = parse_delivery(instagram_delivery(changes=[mention], messaging=[direct]), account)
    by_kind = {p.kind: p for p in delivery.posts}
    assert by_kind[PostKind.MENTION].external_id == "17894227972186120"
    assert by_kind[PostKind.MENTION].metrics["lookup"] == "mentioned_comment"
    assert by_kind[PostKind.MESSAGE].author_handle == "5566778899"
    assert by_kind[PostKind.MESSAGE].network is SocialNetwork.INSTAGRAM


def graph_account(
    database: Database,
    tenant: TenantHandle,
    fake_graph: FakeGraph,
    network: SocialNetwork = SocialNetwork.FACEBOOK,
) -> AccountView:
    return account_view(
        meta_account(database, tenant.id, network, api_base_url=fake_graph.base_url)
    )


def test_public_reply_to_a_comment_posts_to_its_comments_edge(
    database: Database, tenant: TenantHandle, fake_graph: FakeGraph
) -> None:
    account = graph_account(database, tenant, fake_graph)
    reply_id = MetaConnector(SocialNetwork.FACEBOOK).reply(
        account,
        in_reply_to="555000111_777",
        recipient_handle="7001002003",
        text="Sorry! We are on it.",
        private=False,
        idempotency_key="k1",
    )
    [request] = fake_graph.requests
    assert request.path == "/v21.0/555000111_777/comments"
    assert request.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert request.body["message"] == "Sorry! We are on it."
    assert "appsecret_proof" in request.body and PAGE_TOKEN not in json.dumps(request.body)
    assert reply_id == "555000111_777_reply1"


def test_private_replies_name_the_comment_or_the_messenger_user(
    database: Database, tenant: TenantHandle, fake_graph: FakeGraph
) -> None:
    account = graph_account(database, tenant, fake_graph)
    connector = MetaConnector(SocialNetwork.FACEBOOK)
    to_comment = connector.reply(
        account,
        in_reply_to="555000111_777",
        recipient_handle="7001002003",
        text="We sent you a message",
        private=True,
        idempotency_key="k2",
    )
    to_thread = connector.reply(
        account,
        in_reply_to="m_AbC123",
        recipient_handle="6543210987",
        text="您的SIM卡已解锁",
        private=True,
        idempotency_key="k3",
    )
    first, second = fake_graph.requests
    assert first.path == second.path == f"/v21.0/{PAGE_ID}/messages"
    assert first.body["recipient"] == {"comment_id": "555000111_777"}
    assert second.body["recipient"] == {"id": "6543210987"}
    assert second.body["message"] == {"text": "您的SIM卡已解锁"}
    assert first.body["messaging_type"] == second.body["messaging_type"] == "RESPONSE"
    assert to_comment == to_thread == "m_sent1"


def test_publish_posts_to_the_page_feed_and_instagram_cannot(
    database: Database, tenant: TenantHandle, fake_graph: FakeGraph
) -> None:
    account = graph_account(database, tenant, fake_graph)
    posted = MetaConnector(SocialNetwork.FACEBOOK).publish(
        account, text="Service restored.", idempotency_key="k4"
    )
    [request] = fake_graph.requests
    assert (
        request.path == f"/v21.0/{PAGE_ID}/feed" and request.body["message"] == "Service restored."
    )
    assert posted == f"{PAGE_ID}_900000001"
    instagram = graph_account(database, tenant, fake_graph, SocialNetwork.INSTAGRAM)
    with pytest.raises(ConnectorError) as failure:
        MetaConnector(SocialNetwork.INSTAGRAM).publish(
            instagram, text="text only", idempotency_key="k5"
        )
    assert failure.value.permanent


@pytest.mark.parametrize(
    ("status", "code", "headers", "wait"),
    [
        (429, None, {"Retry-After": "120"}, 120),
        (400, 613, {}, None),
        (403, 32, business_usage(2), 120),
    ],
)
def test_rate_limits_are_rate_limited_with_the_wait_meta_named(
    database: Database,
    tenant: TenantHandle,
    fake_graph: FakeGraph,
    status: int,
    code: int | None,
    headers: dict[str, str],
    wait: float | None,
) -> None:
    account = graph_account(database, tenant, fake_graph)
    error = graph_error(code, "Calls to this api have exceeded the rate limit.")
    fake_graph.fail_next(status, error, headers)
    with pytest.raises(RateLimited) as failure:
        MetaConnector(SocialNetwork.FACEBOOK).publish(account, text="hi", idempotency_key="k6")
    assert failure.value.retry_after == wait
    assert not failure.value.permanent


def test_expired_token_is_permanent_and_5xx_transient(
    database: Database, tenant: TenantHandle, fake_graph: FakeGraph
) -> None:
    account = graph_account(database, tenant, fake_graph)
    connector = MetaConnector(SocialNetwork.FACEBOOK)
    expired_token = graph_error(190, "Error validating access token", error_subcode=463)
    fake_graph.fail_next(400, expired_token)
    with pytest.raises(ConnectorError) as expired:
        connector.reply(
            account,
            in_reply_to="1_2",
            recipient_handle="3",
            text="x",
            private=False,
            idempotency_key="k",
        )
    assert expired.value.permanent and not isinstance(expired.value, RateLimited)
    assert "190" in str(expired.value) and PAGE_TOKEN not in str(expired.value)
    fake_graph.fail_next(503, graph_error(2, "Service temporarily unavailable"))
    with pytest.raises(ConnectorError) as unavailable:
        connector.reply(
            account,
            in_reply_to="1_2",
            recipient_handle="3",
            text="x",
            private=False,
            idempotency_key="k",
        )
    assert not unavailable.value.permanent
