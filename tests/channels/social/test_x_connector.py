"""XConnector against a loopback X API v2: real tweepy, documented JSON, recorded requests."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from channels.social.base import ConnectorError, RateLimited
from channels.social.x import XConnector
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView
from tests.channels.social.fake_networks import Answer, LoopbackServer, Received, account_view

BEARER = "AAAAAAAAAAAAAAAAAAAAAtest-bearer-0123456789"
CONSUMER = ("test-consumer-key", "test-consumer-secret")
TOKEN = ("1500000000000000001-test-access-token", "test-access-secret")
OUR_ID = "1500000000000000001"
ALICE, BOB = "2244994945", "783214"


def _x_problem(status: int, title: str) -> Answer:
    """X API v2's problem-details error body."""
    body = {"title": title, "detail": title, "type": "about:blank", "status": status}
    return Answer(status, body, content_type="application/problem+json")


class FakeX(LoopbackServer):
    """X API v2: a user's mentions, recent search, user by username, tweets and DMs.

    Reads need the app's bearer token; writes need an OAuth 1.0a signature that verifies
    against the URL the request really reached. Tweets are kept newest first; a tweet's
    optional fields are returned only when ``tweet.fields`` asks for them, as X does.
    """

    def __init__(
        self, *, user_id: str, bearer_token: str, consumer: tuple[str, str], token: tuple[str, str]
    ) -> None:
        super().__init__()
        self.user_id = user_id
        self.bearer_token = bearer_token
        self.consumer = consumer
        self.token = token
        self.tweets: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.mention_ids: set[str] = set()
        self.next_id = 1_900_000_000_000_000_000

    def add_user(self, user_id: str, username: str, *, name: str, followers: int) -> None:
        metrics = {
            "followers_count": followers,
            "following_count": 10,
            "tweet_count": 500,
            "listed_count": 1,
        }
        self.users[user_id] = {
            "id": user_id,
            "name": name,
            "username": username,
            "public_metrics": metrics,
        }

    def add_tweet(
        self, tweet_id: str, author_id: str, text: str, *, mentions_us: bool = False, **fields: Any
    ) -> None:
        tweet: dict[str, Any] = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "edit_history_tweet_ids": [tweet_id],
            "created_at": "2025-03-01T09:30:00.000Z",
            "lang": "en",
            "conversation_id": tweet_id,
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 10,
            },
            **fields,
        }
        self.tweets.append(tweet)
        self.tweets.sort(key=lambda t: int(t["id"]), reverse=True)
        if mentions_us:
            self.mention_ids.add(tweet_id)

    def answer(self, request: Received) -> Answer:
        if request.method == "POST":
            return self._write(request)
        if request.headers.get("authorization") != f"Bearer {self.bearer_token}":
            return _x_problem(401, "Unauthorized")
        if request.path == f"/2/users/{self.user_id}/mentions":
            mentions = [t for t in self.tweets if t["id"] in self.mention_ids]
            return self._timeline(mentions, request, "pagination_token")
        if request.path == "/2/tweets/search/recent":
            word = (request.param("query") or "").lower()
            return self._timeline(
                [t for t in self.tweets if word in t["text"].lower()], request, "next_token"
            )
        if request.path.startswith("/2/users/by/username/"):
            name = request.path.rsplit("/", 1)[1]
            for user in self.users.values():
                if user["username"] == name:
                    return Answer(200, {"data": {k: user[k] for k in ("id", "name", "username")}})
        return _x_problem(404, "Not Found")

    def _timeline(
        self, tweets: list[dict[str, Any]], request: Received, token_param: str
    ) -> Answer:
        if since_id := request.param("since_id"):
            tweets = [t for t in tweets if int(t["id"]) > int(since_id)]
        size = int(request.param("max_results") or 10)
        offset = int(
            (request.param(token_param) or "b26v89c19zqg8o3f0").removeprefix("b26v89c19zqg8o3f")
            or 0
        )
        page = tweets[offset : offset + size]
        wanted = {
            "id",
            "text",
            "edit_history_tweet_ids",
            *(request.param("tweet.fields") or "").split(","),
        }
        if "author_id" in (request.param("expansions") or ""):
            wanted.add("author_id")
        body: dict[str, Any] = {"meta": {"result_count": len(page)}}
        if page:
            body["data"] = [{k: v for k, v in t.items() if k in wanted} for t in page]
            user_fields = {
                "id",
                "name",
                "username",
                *(request.param("user.fields") or "").split(","),
            }
            authors = dict.fromkeys(t["author_id"] for t in page)
            body["includes"] = {
                "users": [
                    {k: v for k, v in self.users[a].items() if k in user_fields} for a in authors
                ]
            }
            body["meta"].update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if offset + size < len(tweets):
            body["meta"]["next_token"] = f"b26v89c19zqg8o3f{offset + size}"
        return Answer(200, body)

    def _write(self, request: Received) -> Answer:
        if not self._signed(request):
            return _x_problem(401, "Unauthorized")
        self.next_id += 1
        new_id = str(self.next_id)
        if request.path == "/2/tweets":
            text = request.json()["text"]
            return Answer(
                201, {"data": {"id": new_id, "text": text, "edit_history_tweet_ids": [new_id]}}
            )
        if request.path.startswith("/2/dm_conversations/with/") and request.path.endswith(
            "/messages"
        ):
            participant = request.path.split("/")[4]
            return Answer(
                201,
                {
                    "data": {
                        "dm_conversation_id": f"{participant}-{self.user_id}",
                        "dm_event_id": new_id,
                    }
                },
            )
        return _x_problem(404, "Not Found")

    def _signed(self, request: Received) -> bool:
        from oauthlib.common import Request as OAuthRequest
        from oauthlib.oauth1.rfc5849 import signature

        headers = {"Authorization": request.headers.get("authorization", "")}
        if not headers["Authorization"].startswith("OAuth "):
            return False
        params = signature.collect_parameters(headers=headers, exclude_oauth_signature=False)
        oauth = OAuthRequest(self.base_url + request.path, request.method, None, headers)
        oauth.params = [(k, v) for k, v in params if k != "oauth_signature"]
        oauth.signature = dict(params).get("oauth_signature")
        keys_match = dict(params).get("oauth_consumer_key") == self.consumer[0]
        return keys_match and signature.verify_hmac_sha1(oauth, self.consumer[1], self.token[1])


@pytest.fixture
def fake_x() -> Iterator[FakeX]:
    with FakeX(user_id=OUR_ID, bearer_token=BEARER, consumer=CONSUMER, token=TOKEN) as server:
        server.add_user(ALICE, "alice_w", name="Alice W", followers=125_000)
        server.add_user(BOB, "bob", name="Bob", followers=12)
        yield server


def x_account(
    server: FakeX, *, cursor: dict[str, Any] | None = None, **settings: Any
) -> AccountView:
    return account_view(
        SocialNetwork.X,
        api_base_url=server.base_url,
        credentials={
            "bearer_token": BEARER,
            "consumer_key": CONSUMER[0],
            "consumer_secret": CONSUMER[1],
            "access_token": TOKEN[0],
            "access_token_secret": TOKEN[1],
        },
        settings={"user_id": OUR_ID, **settings},
        cursor=cursor,
    )


def add_mentions(server: FakeX, first_id: int, count: int) -> list[str]:
    ids = [str(first_id + n) for n in range(count)]
    for tweet_id in ids:
        server.add_tweet(tweet_id, BOB, f"@northwind tweet {tweet_id}", mentions_us=True)
    return ids


def test_first_poll_maps_mentions_and_saves_newest_id(fake_x: FakeX) -> None:
    fake_x.add_tweet(
        "1890000000000000001",
        ALICE,
        "@northwind my bill is wrong &amp; nobody answers",
        mentions_us=True,
        lang="de",
        public_metrics={"retweet_count": 7, "reply_count": 2, "like_count": 30, "quote_count": 3},
    )
    fake_x.add_tweet("1890000000000000002", BOB, "@northwind hello", mentions_us=True, lang="und")

    result = XConnector().poll(x_account(fake_x))

    assert [p.external_id for p in result.posts] == ["1890000000000000001", "1890000000000000002"]
    angry = result.posts[0]
    assert angry.network is SocialNetwork.X
    assert angry.kind is PostKind.MENTION
    assert angry.author_handle == "alice_w"
    assert angry.author_name == "Alice W"
    assert angry.author_followers == 125_000
    assert angry.shares == 10
    assert angry.metrics["like_count"] == 30
    assert angry.language == "de"
    assert angry.text == "@northwind my bill is wrong & nobody answers"
    assert angry.url == "https://x.com/alice_w/status/1890000000000000001"
    assert angry.posted_at == datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    assert angry.edited is False
    assert result.posts[1].language is None
    assert result.cursor == {"mentions": {"since_id": "1890000000000000002"}}
    assert json.loads(result.raw)["pages"][0]["page"]["meta"]["result_count"] == 2

    (request,) = fake_x.received(f"/2/users/{OUR_ID}/mentions")
    assert request.headers["authorization"] == f"Bearer {BEARER}"
    assert request.param("since_id") is None
    assert request.param("expansions") == "author_id"
    user_fields, tweet_fields = request.param("user.fields"), request.param("tweet.fields")
    assert user_fields is not None and tweet_fields is not None
    assert set(user_fields.split(",")) >= {"public_metrics", "username", "name"}
    assert set(tweet_fields.split(",")) >= {
        "created_at",
        "lang",
        "public_metrics",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "edit_history_tweet_ids",
    }


def test_second_poll_sends_since_id_and_gets_only_new_tweets(fake_x: FakeX) -> None:
    connector = XConnector()
    add_mentions(fake_x, 1890000000000000010, 2)
    first = connector.poll(x_account(fake_x))
    newer = add_mentions(fake_x, 1890000000000000020, 2)

    second = connector.poll(x_account(fake_x, cursor=first.cursor))

    assert [p.external_id for p in second.posts] == newer
    assert fake_x.received("/2/users")[-1].param("since_id") == "1890000000000000011"
    assert second.cursor["mentions"] == {"since_id": newer[-1]}


def test_nothing_new_keeps_the_cursor(fake_x: FakeX) -> None:
    cursor = {"mentions": {"since_id": "1890000000000000099"}}

    result = XConnector().poll(x_account(fake_x, cursor=cursor))

    assert result.posts == []
    assert result.cursor == cursor


def test_first_poll_reads_only_the_newest_page(fake_x: FakeX) -> None:
    ids = add_mentions(fake_x, 1890000000000000100, 12)

    result = XConnector().poll(x_account(fake_x, max_results=5))

    assert [p.external_id for p in result.posts] == ids[-5:]
    assert result.cursor == {"mentions": {"since_id": ids[-1]}}
    assert len(fake_x.received("/2/users")) == 1


def test_catch_up_follows_next_token_and_resumes_past_the_page_cap(fake_x: FakeX) -> None:
    connector = XConnector()
    start = {"mentions": {"since_id": "1890000000000000199"}}
    ids = add_mentions(fake_x, 1890000000000000200, 12)

    first = connector.poll(x_account(fake_x, cursor=start, max_results=5, max_pages=2))
    assert [p.external_id for p in first.posts] == ids[2:]
    assert first.cursor["mentions"]["since_id"] == "1890000000000000199"
    assert first.cursor["mentions"]["newest_id"] == ids[-1]
    assert first.notes

    second = connector.poll(x_account(fake_x, cursor=first.cursor, max_results=5, max_pages=2))
    assert [p.external_id for p in second.posts] == ids[:2]
    assert second.cursor == {"mentions": {"since_id": ids[-1]}}

    tokens = [r.param("pagination_token") for r in fake_x.received("/2/users")]
    assert tokens[0] is None
    assert tokens[1] is not None
    assert tokens[2] == first.cursor["mentions"]["next_token"]
    assert {r.param("since_id") for r in fake_x.received("/2/users")} == {"1890000000000000199"}


def test_search_hit_is_a_post_and_a_reply_to_us_is_a_reply(fake_x: FakeX) -> None:
    fake_x.add_tweet("1890000000000000301", ALICE, "Northwind outage again?")
    fake_x.add_tweet(
        "1890000000000000302",
        BOB,
        "@northwind still down at northwind",
        in_reply_to_user_id=OUR_ID,
        referenced_tweets=[{"type": "replied_to", "id": "1890000000000000250"}],
    )

    result = XConnector().poll(x_account(fake_x, mentions=False, search_query="northwind"))

    by_id = {p.external_id: p for p in result.posts}
    assert by_id["1890000000000000301"].kind is PostKind.POST
    assert by_id["1890000000000000302"].kind is PostKind.REPLY
    assert by_id["1890000000000000302"].in_reply_to == "1890000000000000250"
    assert result.cursor["search"] == {"since_id": "1890000000000000302", "query": "northwind"}
    (request,) = fake_x.received("/2/tweets/search/recent")
    assert request.param("query") == "northwind"


def test_tweet_in_both_streams_is_one_post_that_addresses_us(fake_x: FakeX) -> None:
    fake_x.add_tweet("1890000000000000401", BOB, "@northwind outage", mentions_us=True)

    result = XConnector().poll(x_account(fake_x, search_query="outage"))

    (post,) = result.posts
    assert post.kind is PostKind.MENTION
    assert set(result.cursor) == {"mentions", "search"}


def test_edited_tweet_is_reported_under_its_original_id(fake_x: FakeX) -> None:
    original, edit = "1890000000000000501", "1890000000000000509"
    fake_x.add_tweet(
        original,
        ALICE,
        "@northwind typo",
        mentions_us=True,
        edit_history_tweet_ids=[original, edit],
    )
    fake_x.add_tweet(
        edit,
        ALICE,
        "@northwind fixed text",
        mentions_us=True,
        edit_history_tweet_ids=[original, edit],
    )

    (post,) = XConnector().poll(x_account(fake_x)).posts

    assert post.external_id == original
    assert post.edited is True
    assert post.text == "@northwind fixed text"
    assert post.url == f"https://x.com/alice_w/status/{edit}"


def test_duplicate_across_polls_has_the_same_external_id(fake_x: FakeX) -> None:
    add_mentions(fake_x, 1890000000000000600, 1)
    connector = XConnector()

    first = connector.poll(x_account(fake_x))
    again = connector.poll(x_account(fake_x))  # the cursor was never saved (a crash)

    assert [p.external_id for p in again.posts] == [p.external_id for p in first.posts]


def test_429_becomes_rate_limited_until_the_reset(fake_x: FakeX) -> None:
    reset = int(time.time()) + 120
    fake_x.fail_next(
        429,
        {
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        headers={
            "x-rate-limit-limit": "180",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )

    with pytest.raises(RateLimited) as raised:
        XConnector().poll(x_account(fake_x))

    assert raised.value.retry_after == pytest.approx(120, abs=2)
    assert not raised.value.permanent


def test_429_with_retry_after_uses_it(fake_x: FakeX) -> None:
    fake_x.fail_next(429, {"title": "Too Many Requests"}, headers={"Retry-After": "30"})

    with pytest.raises(RateLimited) as raised:
        XConnector().poll(x_account(fake_x))

    assert raised.value.retry_after == 30


def test_bad_bearer_token_is_permanent_and_not_echoed(fake_x: FakeX) -> None:
    account = x_account(fake_x)
    account.credentials["bearer_token"] = "AAAAwrong-token-value"

    with pytest.raises(ConnectorError) as raised:
        XConnector().poll(account)

    assert raised.value.permanent
    assert "401" in str(raised.value)
    assert "AAAAwrong-token-value" not in str(raised.value)


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_is_transient(fake_x: FakeX, status: int) -> None:
    fake_x.fail_next(status, {"title": "Service Unavailable"})

    with pytest.raises(ConnectorError) as raised:
        XConnector().poll(x_account(fake_x))

    assert not raised.value.permanent
    assert not isinstance(raised.value, RateLimited)


def test_slow_answer_times_out_as_transient(fake_x: FakeX) -> None:
    fake_x.fail_next(200, {"meta": {"result_count": 0}}, delay_seconds=0.5)

    with pytest.raises(ConnectorError) as raised:
        XConnector(timeout_seconds=0.1).poll(x_account(fake_x))

    assert not raised.value.permanent


def test_unreachable_api_is_transient() -> None:
    with FakeX(user_id=OUR_ID, bearer_token=BEARER, consumer=CONSUMER, token=TOKEN) as server:
        account = x_account(server)
    with pytest.raises(ConnectorError) as raised:
        XConnector().poll(account)
    assert not raised.value.permanent


def test_reply_posts_a_signed_tweet_in_reply(fake_x: FakeX) -> None:
    new_id = XConnector().reply(
        x_account(fake_x),
        in_reply_to="1890000000000000001",
        recipient_handle="alice_w",
        text="Sorry about that, we are on it.",
        private=False,
        idempotency_key="reply-1",
    )

    (request,) = fake_x.received("/2/tweets")
    assert request.json() == {
        "text": "Sorry about that, we are on it.",
        "reply": {"in_reply_to_tweet_id": "1890000000000000001"},
    }
    assert request.headers["authorization"].startswith("OAuth ")
    assert new_id == str(fake_x.next_id)


def test_private_reply_sends_a_direct_message_to_the_author(fake_x: FakeX) -> None:
    event_id = XConnector().reply(
        x_account(fake_x),
        in_reply_to="1890000000000000001",
        recipient_handle="alice_w",
        text="Please send us your account number.",
        private=True,
        idempotency_key="reply-2",
    )

    (request,) = fake_x.received("/2/dm_conversations")
    assert request.path == f"/2/dm_conversations/with/{ALICE}/messages"
    assert request.json() == {"text": "Please send us your account number."}
    assert event_id == str(fake_x.next_id)


def test_publish_posts_a_tweet(fake_x: FakeX) -> None:
    new_id = XConnector().publish(
        x_account(fake_x), text="Service is restored.", idempotency_key="pub-1"
    )

    (request,) = fake_x.received("/2/tweets")
    assert request.json() == {"text": "Service is restored."}
    assert new_id == str(fake_x.next_id)


def test_posting_without_user_context_keys_is_permanent(fake_x: FakeX) -> None:
    account = account_view(
        SocialNetwork.X, api_base_url=fake_x.base_url, credentials={"bearer_token": BEARER}
    )

    with pytest.raises(ConnectorError) as raised:
        XConnector().publish(account, text="hi", idempotency_key="pub-2")

    assert raised.value.permanent
    assert fake_x.received() == []
