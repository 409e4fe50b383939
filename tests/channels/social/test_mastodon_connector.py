"""MastodonConnector against a loopback instance: real Mastodon.py, documented entities."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from channels.social.base import ConnectorError, RateLimited
from channels.social.mastodon import MastodonConnector
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView
from tests.channels.social.fake_networks import Answer, LoopbackServer, Received, account_view

TOKEN = "mastodon-test-token-0123456789abcdef"


def page_of(items: list[Any], query: Received, *, limit_default: int) -> list[Any]:
    """Mastodon-style paging of ``items`` (newest first) by max_id, since_id, min_id, limit."""

    def key(item: Any) -> tuple[int, str]:
        return len(str(item["id"])), str(item["id"])

    limit = int(query.param("limit") or limit_default)
    selected = list(items)
    if max_id := query.param("max_id"):
        selected = [i for i in selected if key(i) < key({"id": max_id})]
    if since_id := query.param("since_id"):
        selected = [i for i in selected if key(i) > key({"id": since_id})]
    if min_id := query.param("min_id"):
        selected = [i for i in selected if key(i) > key({"id": min_id})]
        return selected[-limit:]
    return selected[:limit]


def mastodon_account(
    account_id: str,
    username: str,
    *,
    host: str = "mastodon.example",
    remote: str | None = None,
    followers: int = 0,
) -> dict[str, Any]:
    """A Mastodon Account entity; ``remote`` is the home domain of an account from elsewhere."""
    domain = remote or host
    return {
        "id": account_id,
        "username": username,
        "acct": f"{username}@{remote}" if remote else username,
        "display_name": username.title(),
        "locked": False,
        "bot": False,
        "created_at": "2023-01-01T00:00:00.000Z",
        "note": "<p></p>",
        "url": f"https://{domain}/@{username}",
        "avatar": f"https://{host}/avatars/original/missing.png",
        "followers_count": followers,
        "following_count": 3,
        "statuses_count": 42,
        "last_status_at": "2025-03-01",
        "emojis": [],
        "fields": [],
    }


def mastodon_status(
    status_id: str, account: dict[str, Any], content: str, **fields: Any
) -> dict[str, Any]:
    """A Mastodon Status entity (public, English, no edits) with ``fields`` overriding."""
    return {
        "id": status_id,
        "created_at": "2025-03-01T09:30:00.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "en",
        "uri": f"https://mastodon.example/users/{account['username']}/statuses/{status_id}",
        "url": f"https://mastodon.example/@{account['username']}/{status_id}",
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "edited_at": None,
        "content": content,
        "reblog": None,
        "account": account,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
        **fields,
    }


class FakeMastodon(LoopbackServer):
    """A Mastodon instance: verify_credentials, notifications, home and hashtag timelines,
    and posting statuses (honouring ``Idempotency-Key`` as Mastodon does)."""

    def __init__(self, *, access_token: str, me: dict[str, Any]) -> None:
        super().__init__()
        self.access_token = access_token
        self.me = me
        self.statuses: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.by_idempotency_key: dict[str, dict[str, Any]] = {}
        self.next_id = 113_000_000_000_000_000

    def add_status(self, status: dict[str, Any], *, mention: bool = False) -> None:
        self.statuses.insert(0, status)
        if mention:
            self.next_id += 1
            self.notifications.insert(
                0,
                {
                    "id": str(self.next_id),
                    "type": "mention",
                    "created_at": status["created_at"],
                    "account": status["account"],
                    "status": status,
                },
            )

    def answer(self, request: Received) -> Answer:
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return Answer(401, {"error": "The access token is invalid"})
        if request.method == "POST" and request.path == "/api/v1/statuses":
            return Answer(200, self._post(request))
        if request.path == "/api/v1/accounts/verify_credentials":
            return Answer(200, self.me)
        if request.path == "/api/v1/notifications":
            types = request.query.get("types[]") or ["mention", "favourite", "reblog", "follow"]
            return self._page([n for n in self.notifications if n["type"] in types], request)
        if request.path == "/api/v1/timelines/home":
            return self._page(self.statuses, request)
        if request.path.startswith("/api/v1/timelines/tag/"):
            tag = request.path.rsplit("/", 1)[1].lower()
            return self._page(
                [s for s in self.statuses if tag in {t["name"] for t in s["tags"]}], request
            )
        return Answer(404, {"error": "Record not found"})

    def _page(self, items: list[dict[str, Any]], request: Received) -> Answer:
        page = page_of(items, request, limit_default=20)
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}
        if page:
            url = f"{self.base_url}{request.path}"
            headers["Link"] = (
                f'<{url}?max_id={page[-1]["id"]}>; rel="next", <{url}?min_id={page[0]["id"]}>; rel="prev"'
            )
        return Answer(200, page, headers)

    def _post(self, request: Received) -> dict[str, Any]:
        key = request.headers.get("idempotency-key")
        if key and key in self.by_idempotency_key:
            return self.by_idempotency_key[key]
        form = request.form()
        self.next_id += 1
        status = mastodon_status(
            str(self.next_id),
            self.me,
            f"<p>{form['status']}</p>",
            visibility=form.get("visibility", "public"),
            in_reply_to_id=form.get("in_reply_to_id"),
        )
        self.add_status(status)
        if key:
            self.by_idempotency_key[key] = status
        return status


ME = mastodon_account("109000000000000001", "northwind", followers=5_000)
ALICE = mastodon_account(
    "109000000000000002", "alice", remote="social.example.net", followers=80_000
)
BOB = mastodon_account("109000000000000003", "bob", followers=3)
MENTION_HTML = (
    '<p><span class="h-card"><a href="https://mastodon.example/@northwind" class="u-url mention">'
    "@<span>northwind</span></a></span> my order is <strong>late</strong> &amp; nobody answers</p>"
)


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon(access_token=TOKEN, me=ME) as server:
        yield server


def mastodon_account_view(
    server: FakeMastodon, *, cursor: dict[str, Any] | None = None, **settings: Any
) -> AccountView:
    return account_view(
        SocialNetwork.MASTODON,
        api_base_url=server.base_url,
        handle="northwind",
        credentials={"access_token": TOKEN},
        settings=settings,
        cursor=cursor,
    )


def tagged(status_id: str, author: dict[str, Any], text: str, **fields: Any) -> dict[str, Any]:
    tag = {"name": "northwind", "url": "https://mastodon.example/tags/northwind"}
    return mastodon_status(status_id, author, f"<p>{text}</p>", tags=[tag], **fields)


def test_first_poll_maps_a_mention_and_saves_the_cursor(fake_mastodon: FakeMastodon) -> None:
    status = mastodon_status(
        "113100000000000001",
        ALICE,
        MENTION_HTML,
        language="fr",
        reblogs_count=4,
        favourites_count=9,
        mentions=[{"id": ME["id"], "username": "northwind", "acct": "northwind", "url": ME["url"]}],
    )
    fake_mastodon.add_status(status, mention=True)

    result = MastodonConnector().poll(mastodon_account_view(fake_mastodon))

    (post,) = result.posts
    assert post.network is SocialNetwork.MASTODON
    assert post.kind is PostKind.MENTION
    assert post.external_id == "113100000000000001"
    assert post.text == "@northwind my order is late & nobody answers"
    assert post.author_handle == "alice@social.example.net"
    assert post.author_name == "Alice"
    assert post.author_followers == 80_000
    assert post.shares == 4
    assert post.metrics["favourites_count"] == 9
    assert post.language == "fr"
    assert post.url == "https://mastodon.example/@alice/113100000000000001"
    assert post.posted_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert post.edited is False
    notification_id = fake_mastodon.notifications[0]["id"]
    assert result.cursor == {"since_id": {"mentions": notification_id}, "account_id": ME["id"]}
    assert json.loads(result.raw)["pages"][-1]["body"][0]["type"] == "mention"

    (request,) = fake_mastodon.received("/api/v1/notifications")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.query["types[]"] == ["mention"]
    assert len(fake_mastodon.received("/api/v1/accounts/verify_credentials")) == 1


def test_second_poll_reads_forward_from_the_cursor(fake_mastodon: FakeMastodon) -> None:
    connector = MastodonConnector()
    fake_mastodon.add_status(
        mastodon_status("113100000000000010", BOB, "<p>first</p>"), mention=True
    )
    first = connector.poll(mastodon_account_view(fake_mastodon))
    fake_mastodon.add_status(
        mastodon_status("113100000000000011", BOB, "<p>second</p>"), mention=True
    )

    second = connector.poll(mastodon_account_view(fake_mastodon, cursor=first.cursor))

    assert [p.text for p in second.posts] == ["second"]
    request = fake_mastodon.received("/api/v1/notifications")[-1]
    assert request.param("min_id") == first.cursor["since_id"]["mentions"]
    assert len(fake_mastodon.received("/api/v1/accounts/verify_credentials")) == 1
    assert second.cursor["since_id"]["mentions"] == fake_mastodon.notifications[0]["id"]


def test_backlog_is_paged_forward_and_finished_next_poll(fake_mastodon: FakeMastodon) -> None:
    connector = MastodonConnector()
    ids = [str(113200000000000001 + n) for n in range(7)]
    for status_id in ids:
        fake_mastodon.add_status(tagged(status_id, BOB, f"post {status_id}"))
    cursor = {"since_id": {"tag:northwind": "113200000000000000"}, "account_id": ME["id"]}
    settings = {"mentions": False, "hashtags": ["#northwind"], "page_size": 3, "max_pages": 2}

    first = connector.poll(mastodon_account_view(fake_mastodon, cursor=cursor, **settings))
    second = connector.poll(mastodon_account_view(fake_mastodon, cursor=first.cursor, **settings))

    assert [p.external_id for p in first.posts] == ids[:6]
    assert first.notes
    assert [p.external_id for p in second.posts] == ids[6:]
    assert second.cursor["since_id"]["tag:northwind"] == ids[-1]
    sent = [r.param("min_id") for r in fake_mastodon.received("/api/v1/timelines/tag/northwind")]
    assert sent == ["113200000000000000", ids[2], ids[5]]


def test_kinds_follow_visibility_replies_and_streams(fake_mastodon: FakeMastodon) -> None:
    direct = mastodon_status(
        "113300000000000001", ALICE, "<p>@northwind my account</p>", visibility="direct"
    )
    reply = mastodon_status(
        "113300000000000002",
        BOB,
        "<p>@northwind still broken</p>",
        in_reply_to_id="113000000000000009",
        in_reply_to_account_id=ME["id"],
    )
    fake_mastodon.add_status(direct, mention=True)
    fake_mastodon.add_status(reply, mention=True)
    fake_mastodon.add_status(tagged("113300000000000003", BOB, "#northwind is down"))

    result = MastodonConnector().poll(mastodon_account_view(fake_mastodon, hashtags=["northwind"]))

    kinds = {p.external_id: p.kind for p in result.posts}
    assert kinds == {
        "113300000000000001": PostKind.MESSAGE,
        "113300000000000002": PostKind.REPLY,
        "113300000000000003": PostKind.POST,
    }
    assert result.posts[1].in_reply_to == "113000000000000009"
    assert result.posts[2].author_handle == "bob@mastodon.example"


def test_home_timeline_boost_is_the_boosted_status(fake_mastodon: FakeMastodon) -> None:
    original = mastodon_status(
        "113400000000000001", ALICE, "<p>Northwind fixed it</p>", reblogs_count=12
    )
    fake_mastodon.add_status(mastodon_status("113400000000000002", BOB, "", reblog=original))

    result = MastodonConnector().poll(
        mastodon_account_view(fake_mastodon, mentions=False, home=True)
    )

    (post,) = result.posts
    assert (post.external_id, post.author_handle, post.shares) == (
        "113400000000000001",
        "alice@social.example.net",
        12,
    )
    assert result.cursor["since_id"] == {"home": "113400000000000002"}


def test_edited_status_is_marked_edited(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.add_status(
        tagged("113500000000000001", BOB, "now correct", edited_at="2025-03-01T10:00:00.000Z")
    )

    (post,) = (
        MastodonConnector()
        .poll(mastodon_account_view(fake_mastodon, mentions=False, hashtags=["northwind"]))
        .posts
    )

    assert post.edited is True


def test_status_in_two_streams_is_one_post_that_addresses_us(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.add_status(
        tagged("113600000000000001", BOB, "@northwind #northwind"), mention=True
    )

    result = MastodonConnector().poll(mastodon_account_view(fake_mastodon, hashtags=["northwind"]))

    (post,) = result.posts
    assert post.kind is PostKind.MENTION


def test_duplicate_across_polls_has_the_same_external_id(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.add_status(mastodon_status("113700000000000001", BOB, "<p>hi</p>"), mention=True)
    connector = MastodonConnector()

    first = connector.poll(mastodon_account_view(fake_mastodon))
    again = connector.poll(mastodon_account_view(fake_mastodon))

    assert [p.external_id for p in again.posts] == [p.external_id for p in first.posts]


def test_429_becomes_rate_limited_until_the_reset(fake_mastodon: FakeMastodon) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=90)).isoformat()
    fake_mastodon.fail_next(
        429,
        {"error": "Too many requests"},
        path="/api/v1/notifications",
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        },
    )

    with pytest.raises(RateLimited) as raised:
        MastodonConnector().poll(mastodon_account_view(fake_mastodon))

    assert raised.value.retry_after == pytest.approx(90, abs=2)


def test_429_with_retry_after_uses_it(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.fail_next(429, {"error": "Too many requests"}, headers={"Retry-After": "45"})

    with pytest.raises(RateLimited) as raised:
        MastodonConnector().poll(mastodon_account_view(fake_mastodon))

    assert raised.value.retry_after == 45


def test_refused_token_is_permanent_and_not_echoed(fake_mastodon: FakeMastodon) -> None:
    account = mastodon_account_view(fake_mastodon)
    account.credentials["access_token"] = "revoked-token-value"

    with pytest.raises(ConnectorError) as raised:
        MastodonConnector().poll(account)

    assert raised.value.permanent
    assert "revoked-token-value" not in str(raised.value)


def test_token_naming_a_file_is_sent_as_is_not_read(
    fake_mastodon: FakeMastodon, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("contents-of-a-server-file\n")
    account = mastodon_account_view(fake_mastodon)
    account.credentials["access_token"] = str(secret)

    with pytest.raises(ConnectorError):
        MastodonConnector().poll(account)

    assert {r.headers["authorization"] for r in fake_mastodon.received()} == {f"Bearer {secret}"}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_is_transient(fake_mastodon: FakeMastodon, status: int) -> None:
    fake_mastodon.fail_next(status, {"error": "upstream trouble"})

    with pytest.raises(ConnectorError) as raised:
        MastodonConnector().poll(mastodon_account_view(fake_mastodon))

    assert not raised.value.permanent
    assert not isinstance(raised.value, RateLimited)


def test_unreachable_instance_is_transient() -> None:
    with FakeMastodon(access_token=TOKEN, me=ME) as server:
        account = mastodon_account_view(server)
    with pytest.raises(ConnectorError) as raised:
        MastodonConnector().poll(account)
    assert not raised.value.permanent


def test_slow_instance_times_out_as_transient(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.fail_next(200, ME, delay_seconds=0.5)

    with pytest.raises(ConnectorError) as raised:
        MastodonConnector(timeout_seconds=0.1).poll(mastodon_account_view(fake_mastodon))

    assert not raised.value.permanent


def test_reply_mentions_the_author_and_is_posted_once(fake_mastodon: FakeMastodon) -> None:
    connector = MastodonConnector()
    arguments: dict[str, Any] = {
        "in_reply_to": "113100000000000001",
        "recipient_handle": "alice@social.example.net",
        "text": "Sorry, we are on it.",
        "private": False,
        "idempotency_key": "reply-7f3c",
    }

    first = connector.reply(mastodon_account_view(fake_mastodon), **arguments)
    retried = connector.reply(mastodon_account_view(fake_mastodon), **arguments)

    assert first == retried
    requests = fake_mastodon.received("/api/v1/statuses")
    assert [r.headers["idempotency-key"] for r in requests] == ["reply-7f3c", "reply-7f3c"]
    assert requests[0].form() == {
        "status": "@alice@social.example.net Sorry, we are on it.",
        "in_reply_to_id": "113100000000000001",
        "visibility": "public",
        "sensitive": "0",
    }
    assert len(fake_mastodon.statuses) == 1


def test_private_reply_is_direct_and_keeps_an_existing_mention(fake_mastodon: FakeMastodon) -> None:
    MastodonConnector().reply(
        mastodon_account_view(fake_mastodon),
        in_reply_to="113300000000000001",
        recipient_handle="alice@social.example.net",
        text="@alice@social.example.net please DM your order number",
        private=True,
        idempotency_key="reply-8",
    )

    form = fake_mastodon.received("/api/v1/statuses")[0].form()
    assert form["visibility"] == "direct"
    assert form["status"] == "@alice@social.example.net please DM your order number"


def test_publish_posts_a_public_status(fake_mastodon: FakeMastodon) -> None:
    new_id = MastodonConnector().publish(
        mastodon_account_view(fake_mastodon), text="Service restored.", idempotency_key="pub-1"
    )

    (request,) = fake_mastodon.received("/api/v1/statuses")
    assert request.form()["status"] == "Service restored."
    assert request.form()["visibility"] == "public"
    assert request.headers["idempotency-key"] == "pub-1"
    assert new_id == fake_mastodon.statuses[0]["id"]
