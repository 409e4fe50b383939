"""X (Twitter) API v2 through ``tweepy.Client``: mentions of our user, a recent-search query,
replies (public or direct message) and posts.

``account.credentials``
    ``bearer_token`` (app-only reads); ``consumer_key``, ``consumer_secret``, ``access_token``,
    ``access_token_secret`` (OAuth 1.0a user context, needed to reply, send DMs and post).
``account.settings``
    ``user_id``: our numeric user id (else ``account.handle`` when it is numeric);
    ``mentions``: poll our mentions (default true); ``search_query``: a recent-search query
    (optional); ``max_pages``: pages per stream per poll (default 5); ``max_results``: tweets
    per page (default 100).
``account.cursor`` (written here, one entry per stream, ``"mentions"`` and ``"search"``)
    ``since_id``: the newest tweet already handed over. When a catch-up needs more pages than
    ``max_pages``, ``next_token`` and ``newest_id`` hold the unfinished walk and the next poll
    resumes it, so no tweet between two polls is skipped. ``search`` also keeps ``query``; a
    changed query drops the unfinished walk. A stream's first poll reads only its newest page.
``account.api_base_url``
    replaces ``https://api.twitter.com`` (an API gateway, or a local server in tests).

Edits arrive as new tweet ids; they are reported under the original id (the first of
``edit_history_tweet_ids``) with ``edited=True``. X takes no idempotency key, so a retried
reply can be posted twice (X refuses identical text with 403, reported as permanent).
The platform owns backoff: ``wait_on_rate_limit`` is off and a 429 becomes ``RateLimited``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import requests
import structlog
import tweepy

from channels.social.base import ConnectorError, PollResult
from channels.social.http_errors import REQUEST_TIMEOUT_SECONDS, error_for_status
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView, IncomingPost

log = structlog.get_logger(__name__)

X_HOST = "https://api.twitter.com"
TWEET_FIELDS = [
    "created_at",
    "lang",
    "public_metrics",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "edit_history_tweet_ids",
    "note_tweet",
]
USER_FIELDS = ["public_metrics", "username", "name"]
DEFAULT_MAX_PAGES = 5
DEFAULT_PAGE_SIZE = 100
USER_CONTEXT_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")

Page = dict[str, Any]
FetchPage = Callable[[str | None, str | None], Page]


class GatewaySession(requests.Session):
    """tweepy builds every URL on ``https://api.twitter.com``; this session sends them to
    ``base_url`` instead and gives each request a time-out. Nothing else is changed."""

    def __init__(self, base_url: str | None, *, timeout: float) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout

    def request(  # type: ignore[override]
        self, method: str, url: str, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if self.base_url and url.startswith(X_HOST):
            url = self.base_url + url[len(X_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class XConnector:
    """Polls and publishes for X accounts; holds no per-account state (build one, share it)."""

    network = SocialNetwork.X

    def __init__(self, *, timeout_seconds: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.timeout_seconds = timeout_seconds

    def poll(self, account: AccountView) -> PollResult:
        """New mentions and search results since the cursor, oldest first, one post per
        original tweet; raises RateLimited or ConnectorError (then no cursor moves)."""
        if not account.credentials.get("bearer_token"):
            raise ConnectorError("X account has no bearer_token", permanent=True)
        client = self._client(account)
        settings = account.settings
        our_id = _our_user_id(account)
        max_pages = max(1, int(settings.get("max_pages", DEFAULT_MAX_PAGES)))
        page_size = int(settings.get("max_results", DEFAULT_PAGE_SIZE))
        streams = _streams(client, settings, our_id, page_size)
        if not streams:
            raise ConnectorError(
                "X account polls nothing: set settings.user_id (mentions) or search_query",
                permanent=True,
            )
        cursor = dict(account.cursor)
        raw_pages: list[dict[str, Any]] = []
        notes: list[str] = []
        found: dict[str, tuple[int, IncomingPost]] = {}
        with _x_errors():
            for name, kind, query, fetch in streams:
                state = _stream_state(account.cursor.get(name), query)
                new_state, pages = _read_stream(fetch, state, max_pages)
                for page in pages:
                    raw_pages.append({"stream": name, "page": page})
                    for version, post in _posts(page, kind, our_id):
                        _merge(found, version, post)
                if query is not None:
                    new_state["query"] = query
                if "next_token" in new_state:
                    notes.append(f"X {name}: more than {max_pages} pages; resuming next poll")
                cursor[name] = new_state
        posts = [post for _, post in sorted(found.values(), key=lambda item: item[0])]
        log.info("x.polled", account_id=str(account.id), posts=len(posts), pages=len(raw_pages))
        return PollResult(
            posts=posts, cursor=cursor, raw=json.dumps({"pages": raw_pages}).encode(), notes=notes
        )

    def reply(
        self,
        account: AccountView,
        *,
        in_reply_to: str,
        recipient_handle: str,
        text: str,
        private: bool,
        idempotency_key: str,
    ) -> str:
        """A reply tweet, or a direct message to ``recipient_handle`` (username or user id)
        when ``private``; the new tweet id or DM event id."""
        client = self._client(account, user_context=True)
        log.info("x.reply", account_id=str(account.id), private=private, key=idempotency_key)
        with _x_errors():
            if private:
                participant = recipient_handle.lstrip("@")
                if not participant.isdigit():
                    app_only = bool(account.credentials.get("bearer_token"))
                    found = client.get_user(username=participant, user_auth=not app_only)
                    if not found.get("data"):
                        raise ConnectorError(f"X has no user @{participant}", permanent=True)
                    participant = str(found["data"]["id"])
                answer = client.create_direct_message(
                    participant_id=participant, text=text, user_auth=True
                )
                return str(answer["data"]["dm_event_id"])
            answer = client.create_tweet(
                text=text, in_reply_to_tweet_id=in_reply_to, user_auth=True
            )
        return str(answer["data"]["id"])

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """A public tweet from our account; its id."""
        client = self._client(account, user_context=True)
        log.info("x.publish", account_id=str(account.id), key=idempotency_key)
        with _x_errors():
            answer = client.create_tweet(text=text, user_auth=True)
        return str(answer["data"]["id"])

    def _client(self, account: AccountView, *, user_context: bool = False) -> tweepy.Client:
        credentials = account.credentials
        if user_context and not all(credentials.get(key) for key in USER_CONTEXT_KEYS):
            raise ConnectorError(
                "X account lacks OAuth 1.0a user-context keys for posting", permanent=True
            )
        client = tweepy.Client(
            bearer_token=credentials.get("bearer_token"),
            consumer_key=credentials.get("consumer_key"),
            consumer_secret=credentials.get("consumer_secret"),
            access_token=credentials.get("access_token"),
            access_token_secret=credentials.get("access_token_secret"),
            return_type=dict,
            wait_on_rate_limit=False,
        )
        client.session = GatewaySession(account.api_base_url, timeout=self.timeout_seconds)
        return client


@contextmanager
def _x_errors() -> Iterator[None]:
    """tweepy's and requests' exceptions as the platform's ConnectorError / RateLimited."""
    try:
        yield
    except tweepy.HTTPException as exc:
        response = exc.response
        detail = "; ".join(str(message) for message in exc.api_messages) or str(response.reason)
        raise error_for_status("X", response.status_code, detail, response.headers) from exc
    except requests.RequestException as exc:
        raise ConnectorError(f"X unreachable: {type(exc).__name__}") from exc


def _our_user_id(account: AccountView) -> str | None:
    configured = account.settings.get("user_id")
    if configured:
        return str(configured)
    if account.handle and account.handle.isdigit():
        return account.handle
    return None


def _streams(
    client: tweepy.Client, settings: dict[str, Any], our_id: str | None, page_size: int
) -> list[tuple[str, PostKind, str | None, FetchPage]]:
    """(name, kind, query, fetch) per configured stream; fetch takes (since_id, page token)."""
    common: dict[str, Any] = {
        "max_results": page_size,
        "expansions": ["author_id"],
        "user_fields": USER_FIELDS,
        "tweet_fields": TWEET_FIELDS,
    }
    streams: list[tuple[str, PostKind, str | None, FetchPage]] = []
    if settings.get("mentions", True) and our_id:

        def mentions(since_id: str | None, token: str | None) -> Page:
            page: Page = client.get_users_mentions(
                our_id, since_id=since_id, pagination_token=token, **common
            )
            return page

        streams.append(("mentions", PostKind.MENTION, None, mentions))
    query = settings.get("search_query")
    if query:

        def search(since_id: str | None, token: str | None) -> Page:
            page: Page = client.search_recent_tweets(
                query, since_id=since_id, next_token=token, **common
            )
            return page

        streams.append(("search", PostKind.POST, str(query), search))
    return streams


def _stream_state(saved: Any, query: str | None) -> dict[str, Any]:
    state = dict(saved) if isinstance(saved, dict) else {}
    if query is not None and state.get("query") not in (None, query):
        state = {"since_id": state.get("since_id")}
    return {key: state[key] for key in ("since_id", "next_token", "newest_id") if state.get(key)}


def _read_stream(
    fetch: FetchPage, state: dict[str, Any], max_pages: int
) -> tuple[dict[str, Any], list[Page]]:
    """Walk pages newest to oldest down to ``since_id``; the stream's next state and the pages.

    A walk cut short by ``max_pages`` keeps ``since_id`` and records where to resume.
    """
    since_id: str | None = state.get("since_id")
    token: str | None = state.get("next_token")
    newest: str | None = state.get("newest_id")
    pages: list[Page] = []
    for _ in range(max_pages if since_id else 1):
        page = fetch(since_id, token)
        pages.append(page)
        meta = page.get("meta") or {}
        if token is None:
            newest = meta.get("newest_id") or newest
        token = meta.get("next_token")
        if not token:
            break
    if token and since_id:
        return {"since_id": since_id, "newest_id": newest, "next_token": token}, pages
    latest = newest or since_id
    return ({"since_id": latest} if latest else {}), pages


def _posts(
    page: Page, stream_kind: PostKind, our_id: str | None
) -> Iterator[tuple[int, IncomingPost]]:
    """(tweet id, post) for each tweet in a page, its author looked up in ``includes.users``."""
    users = {user["id"]: user for user in (page.get("includes") or {}).get("users", [])}
    for tweet in page.get("data") or []:
        yield int(tweet["id"]), _post(tweet, users.get(tweet.get("author_id")), stream_kind, our_id)


def _post(
    tweet: dict[str, Any], author: dict[str, Any] | None, stream_kind: PostKind, our_id: str | None
) -> IncomingPost:
    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or []] or [str(tweet["id"])]
    username = str((author or {}).get("username") or tweet.get("author_id") or "")
    metrics = dict(tweet.get("public_metrics") or {})
    followers = ((author or {}).get("public_metrics") or {}).get("followers_count", 0)
    replied_to = next(
        (
            str(ref["id"])
            for ref in tweet.get("referenced_tweets") or []
            if ref.get("type") == "replied_to"
        ),
        None,
    )
    replies_to_us = our_id is not None and str(tweet.get("in_reply_to_user_id")) == our_id
    text = (tweet.get("note_tweet") or {}).get("text") or tweet.get("text") or ""
    language = tweet.get("lang")
    return IncomingPost(
        network=SocialNetwork.X,
        external_id=history[0],
        author_handle=username,
        text=html.unescape(text),
        kind=PostKind.REPLY if replies_to_us else stream_kind,
        author_name=(author or {}).get("name"),
        author_followers=int(followers or 0),
        language=language if language and language != "und" else None,
        url=f"https://x.com/{username}/status/{tweet['id']}",
        posted_at=_parse_time(tweet.get("created_at")),
        in_reply_to=replied_to,
        metrics=metrics,
        shares=int(metrics.get("retweet_count", 0)) + int(metrics.get("quote_count", 0)),
        edited=history[0] != str(tweet["id"]) or len(history) > 1,
    )


def _merge(found: dict[str, tuple[int, IncomingPost]], version: int, post: IncomingPost) -> None:
    """One post per original tweet: the latest version's text, the kind that addresses us."""
    previous = found.get(post.external_id)
    if previous is None:
        found[post.external_id] = (version, post)
        return
    old_version, old_post = previous
    latest, other = (post, old_post) if version >= old_version else (old_post, post)
    if other.addresses_us and not latest.addresses_us:
        latest = replace(latest, kind=other.kind)
    found[post.external_id] = (max(version, old_version), latest)


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
