"""Mastodon through ``Mastodon.py``: mention notifications, hashtag timelines and optionally
the home timeline of one instance; replies (public, or direct) and posts.

``account.api_base_url``
    the instance, e.g. ``https://mastodon.social`` (required).
``account.credentials``
    ``access_token``: an OAuth token with ``read`` and ``write:statuses``.
``account.settings``
    ``mentions``: poll mention notifications (default true); ``hashtags``: tags to follow
    (a leading ``#`` is dropped, case does not matter); ``home``: poll the home timeline (default false); ``account_id``: our
    account's id (looked up once with verify_credentials when absent); ``max_pages``: pages per
    stream per poll (default 5); ``page_size``: items per page (default 40, Mastodon's cap).
``account.cursor`` (written here)
    ``since_id``: per stream (``"mentions"``, ``"home"``, ``"tag:<name>"``) the newest
    notification or status id already handed over; ``account_id``: our account id, once
    looked up. Pages are read forward from the cursor with ``min_id``, so a backlog larger
    than ``max_pages`` is finished by later polls instead of skipped. A stream's first poll
    reads only its newest page.

Authors are ``user@instance`` (local accounts get the instance's host), so the same person
is one identity whichever instance we read them on. ``external_id`` is the status id on
*our* instance, which is what replying needs. Replies and posts carry the platform's
``idempotency_key`` as Mastodon's ``Idempotency-Key``, so a retried call posts once.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import inscriptis
import requests
import structlog
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from channels.social.base import ConnectorError, PollResult, RateLimited
from channels.social.http_errors import (
    REQUEST_TIMEOUT_SECONDS,
    error_for_status,
    retry_after_seconds,
    safe_url,
)
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView, IncomingPost

log = structlog.get_logger(__name__)

# Mastodon wraps handles and links in inline spans ("@<span>brand</span>"); the strict CSS
# profile joins them as a browser would, where the relaxed default would write "@ brand".
STATUS_HTML = ParserConfig(css=CSS_PROFILES["strict"])
DEFAULT_MAX_PAGES = 5
DEFAULT_PAGE_SIZE = 40
Fetch = Callable[..., Any]


class ResponseLog:
    """A ``requests`` response hook: keeps every page as the instance sent it (for the raw
    record) and the last response's headers (Mastodon.py's errors do not carry them)."""

    def __init__(self) -> None:
        self.pages: list[dict[str, Any]] = []
        self.last_headers: dict[str, str] = {}

    def __call__(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.last_headers = dict(response.headers)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        self.pages.append(
            {"url": safe_url(response.url), "status": response.status_code, "body": body}
        )


class MastodonConnector:
    """Polls and publishes for Mastodon accounts; holds no per-account state."""

    network = SocialNetwork.MASTODON

    def __init__(self, *, timeout_seconds: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.timeout_seconds = timeout_seconds

    def poll(self, account: AccountView) -> PollResult:
        """New mentions and timeline statuses since the cursor, oldest first, one post per
        status; raises RateLimited or ConnectorError."""
        client, responses = self._client(account)
        settings = account.settings
        max_pages = max(1, int(settings.get("max_pages", DEFAULT_MAX_PAGES)))
        page_size = int(settings.get("page_size", DEFAULT_PAGE_SIZE))
        saved = account.cursor.get("since_id")
        saved_ids: dict[str, str] = saved if isinstance(saved, dict) else {}
        streams = _streams(client, settings)
        since_ids = {name: saved_ids[name] for name, _, _ in streams if name in saved_ids}
        found: dict[str, IncomingPost] = {}
        notes: list[str] = []
        with _mastodon_errors(client, responses):
            our_id = self._our_account_id(client, account)
            for name, kind, fetch in streams:
                newest, items, capped = _read_stream(
                    fetch, since_ids.get(name), max_pages, page_size
                )
                if newest is not None:
                    since_ids[name] = newest
                if capped:
                    notes.append(
                        f"Mastodon {name}: more than {max_pages} pages; resuming next poll"
                    )
                for item in items:
                    status = item.get("status") if name == "mentions" else item
                    if status:
                        _merge(found, _post(status, kind, our_id, account.api_base_url or ""))
        posts = sorted(found.values(), key=lambda post: _id_order(post.external_id))
        log.info("mastodon.polled", account_id=str(account.id), posts=len(posts))
        return PollResult(
            posts=posts,
            cursor={**account.cursor, "since_id": since_ids, "account_id": our_id},
            raw=json.dumps({"pages": responses.pages}, default=str).encode(),
            notes=notes,
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
        """A reply addressed to ``@recipient_handle`` (Mastodon delivers by mention), direct
        when ``private``; posted at most once per ``idempotency_key``; the new status id."""
        client, responses = self._client(account)
        mention = "@" + recipient_handle.lstrip("@")
        body = text if text.lower().startswith(mention.lower()) else f"{mention} {text}"
        with _mastodon_errors(client, responses):
            status = client.status_post(
                body,
                in_reply_to_id=in_reply_to,
                visibility="direct" if private else "public",
                idempotency_key=idempotency_key,
            )
        log.info("mastodon.replied", account_id=str(account.id), private=private)
        return str(status["id"])

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """A public status from our account, posted at most once per ``idempotency_key``."""
        client, responses = self._client(account)
        with _mastodon_errors(client, responses):
            status = client.status_post(text, visibility="public", idempotency_key=idempotency_key)
        log.info("mastodon.published", account_id=str(account.id))
        return str(status["id"])

    def _client(self, account: AccountView) -> tuple[Mastodon, ResponseLog]:
        token = account.credentials.get("access_token")
        if not account.api_base_url or not token:
            raise ConnectorError(
                "Mastodon account needs api_base_url and an access_token", permanent=True
            )
        responses = ResponseLog()
        session = requests.Session()
        session.hooks["response"].append(responses)
        client = Mastodon(
            api_base_url=account.api_base_url,
            version_check_mode="none",
            ratelimit_method="throw",
            request_timeout=self.timeout_seconds,
            session=session,
        )
        # Set after construction: given to the constructor, a token that names an existing
        # file would be read from that file (Mastodon.py's token-file convenience).
        client.access_token = str(token)
        return client, responses

    def _our_account_id(self, client: Mastodon, account: AccountView) -> str:
        known = account.settings.get("account_id") or account.cursor.get("account_id")
        if known:
            return str(known)
        return str(client.account_verify_credentials()["id"])


@contextmanager
def _mastodon_errors(client: Mastodon, responses: ResponseLog) -> Iterator[None]:
    """Mastodon.py's exceptions as ConnectorError / RateLimited (same rule as the others)."""
    try:
        yield
    except MastodonRatelimitError as exc:
        raise RateLimited(
            "Mastodon answered 429: rate limited", retry_after=_wait(client, responses)
        ) from exc
    except MastodonUnauthorizedError as exc:
        raise ConnectorError("Mastodon answered 401: token refused", permanent=True) from exc
    except MastodonAPIError as exc:
        status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        detail = str(exc.args[3]) if len(exc.args) > 3 and exc.args[3] else "API error"
        if not status:
            raise ConnectorError(f"Mastodon sent an unreadable answer: {detail}") from exc
        raise error_for_status("Mastodon", status, detail, responses.last_headers) from exc
    except MastodonNetworkError as exc:
        raise ConnectorError(f"Mastodon unreachable: {type(exc).__name__}") from exc


def _wait(client: Mastodon, responses: ResponseLog) -> float | None:
    """A proxy's ``Retry-After``, else the reset Mastodon.py tracked (corrected for clock
    skew with the server's ``Date``), else the raw ``X-RateLimit-Reset`` header."""
    headers = responses.last_headers
    retry_after = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    wait = retry_after_seconds(retry_after)
    if wait is None and client.ratelimit_reset is not None:
        wait = max(0.0, float(client.ratelimit_reset) - time.time())
    return wait if wait is not None else retry_after_seconds(headers)


def _streams(client: Mastodon, settings: dict[str, Any]) -> list[tuple[str, PostKind, Fetch]]:
    """(cursor name, kind, fetch) per configured stream; fetch takes min_id and limit."""
    streams: list[tuple[str, PostKind, Fetch]] = []
    if settings.get("mentions", True):

        def mentions(**page: Any) -> Any:
            return client.notifications(types=["mention"], **page)

        streams.append(("mentions", PostKind.MENTION, mentions))
    if settings.get("home", False):
        streams.append(("home", PostKind.POST, client.timeline_home))
    for tag in settings.get("hashtags") or []:
        name = str(tag).lstrip("#").lower()
        if not re.fullmatch(r"\w+", name):
            raise ConnectorError(f"Mastodon hashtag {tag!r} is not a tag", permanent=True)

        def hashtag(name: str = name, **page: Any) -> Any:
            return client.timeline_hashtag(name, **page)

        streams.append((f"tag:{name}", PostKind.POST, hashtag))
    return streams


def _read_stream(
    fetch: Fetch, since_id: str | None, max_pages: int, page_size: int
) -> tuple[str | None, list[Any], bool]:
    """(newest id, items, capped): pages forward from ``since_id`` until a short page."""
    if since_id is None:
        items = list(fetch(limit=page_size))
        return _newest(items, None), items, False
    items = []
    newest: str = since_id
    for _ in range(max_pages):
        page = list(fetch(min_id=newest, limit=page_size))
        items.extend(page)
        newest = _newest(page, newest) or newest
        if len(page) < page_size:
            return newest, items, False
    return newest, items, True


def _newest(items: list[Any], current: str | None) -> str | None:
    ids = [str(item["id"]) for item in items]
    if current is not None:
        ids.append(current)
    return max(ids, key=_id_order) if ids else None


def _id_order(identifier: str) -> tuple[int, str]:
    """Mastodon ids are strings that sort by length, then lexically."""
    return len(identifier), identifier


def _post(status: Any, kind: PostKind, our_id: str, instance_url: str) -> IncomingPost:
    status = status.get("reblog") or status
    author = status["account"]
    if status.get("visibility") == "direct":
        kind = PostKind.MESSAGE
    elif str(status.get("in_reply_to_account_id")) == our_id:
        kind = PostKind.REPLY
    text = status_text(str(status.get("content") or ""))
    if status.get("spoiler_text"):
        text = f"{status['spoiler_text']}\n\n{text}"
    in_reply_to = status.get("in_reply_to_id")
    metrics = {
        name: int(status.get(name) or 0)
        for name in ("replies_count", "reblogs_count", "favourites_count")
    }
    return IncomingPost(
        network=SocialNetwork.MASTODON,
        external_id=str(status["id"]),
        author_handle=_full_handle(author, instance_url),
        text=text,
        kind=kind,
        author_name=author.get("display_name") or author.get("username"),
        author_followers=int(author.get("followers_count") or 0),
        language=status.get("language"),
        url=status.get("url") or status.get("uri"),
        posted_at=_aware(status.get("created_at")),
        in_reply_to=str(in_reply_to) if in_reply_to is not None else None,
        metrics=metrics,
        shares=metrics["reblogs_count"],
        edited=bool(status.get("edited_at")),
    )


def status_text(content: str) -> str:
    """A status's HTML as the plain text a reader sees: handles, tags and links intact."""
    try:
        return str(inscriptis.get_text(content, STATUS_HTML)).strip()
    except Exception:  # lxml refuses some fragments outright; keep the words anyway
        return html.unescape(re.sub(r"<[^>]*>", "", content)).strip()


def _full_handle(author: Any, instance_url: str) -> str:
    acct = str(author.get("acct") or author.get("username") or "")
    if "@" in acct:
        return acct
    host = urlsplit(str(author.get("url") or "")).hostname or urlsplit(instance_url).hostname
    return f"{acct}@{host}" if host else acct


def _merge(found: dict[str, IncomingPost], post: IncomingPost) -> None:
    """A status seen in two streams is one post, kept with the kind that addresses us."""
    previous = found.get(post.external_id)
    if previous is not None and previous.addresses_us and not post.addresses_us:
        post = replace(post, kind=previous.kind)
    found[post.external_id] = post


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
