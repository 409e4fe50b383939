"""RSS 2.0 and Atom feeds: fetched with requests (conditional GET, time-outs, size limit and
``Retry-After`` are ours to honour), parsed with feedparser from the bytes we received.

``account.settings``
    ``feeds``: feed URLs (else ``account.api_base_url`` is the one feed); ``max_seen``: item
    ids remembered per feed (default 500).
``account.credentials``
    none.
``account.cursor`` (written here)
    ``feeds``: per feed URL, ``etag`` and ``modified`` (sent back as ``If-None-Match`` and
    ``If-Modified-Since``), ``seen`` (item id -> its ``updated`` stamp, the most recent
    ``max_seen``) and, after a 429/503 on that feed, ``not_before`` (epoch seconds).

Guarantees: a 304 brings no posts and leaves the feed's entry as it was; an item still in
the feed and unchanged is not reported again; an item whose ``updated`` stamp moved on is
reported again with ``edited=True``. With several feeds, one failing feed is skipped (noted)
and the others are read; only when no feed could be read does ``poll`` raise. Feed URLs may
hold tokens, so logs and reasons show them without query strings.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import requests
import structlog

from channels.email.body_text import html_to_text
from channels.social.base import ConnectorError, PollResult, RateLimited
from channels.social.http_errors import REQUEST_TIMEOUT_SECONDS, error_for_status, safe_url
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView, IncomingPost

log = structlog.get_logger(__name__)

DEFAULT_MAX_SEEN = 500
MAX_ID_LENGTH = 200
MAX_FEED_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Switchboard feed reader (feedparser)"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class RssConnector:
    """Polls RSS/Atom feeds; feeds cannot be answered, so reply and publish refuse."""

    network = SocialNetwork.RSS

    def __init__(self, *, timeout_seconds: float = REQUEST_TIMEOUT_SECONDS) -> None:
        self.timeout_seconds = timeout_seconds

    def poll(self, account: AccountView) -> PollResult:
        """New and updated items of every feed, oldest first; raises RateLimited or
        ConnectorError only when no feed could be read."""
        urls = _feed_urls(account)
        if not urls:
            raise ConnectorError("RSS account has no feed URL", permanent=True)
        max_seen = int(account.settings.get("max_seen", DEFAULT_MAX_SEEN))
        saved = account.cursor.get("feeds")
        saved_feeds: dict[str, Any] = saved if isinstance(saved, dict) else {}
        feeds = {
            url: dict(saved_feeds[url]) for url in urls if isinstance(saved_feeds.get(url), dict)
        }
        posts: list[IncomingPost] = []
        pages: list[dict[str, Any]] = []
        notes: list[str] = []
        failures: list[ConnectorError] = []
        read = 0
        now = time.time()
        with requests.Session() as http:
            http.headers["User-Agent"] = USER_AGENT
            for url in urls:
                state = feeds.setdefault(url, {})
                if float(state.get("not_before") or 0) > now:
                    notes.append(f"{safe_url(url)}: rate limited, skipped")
                    continue
                try:
                    posts.extend(self._read_feed(http, url, state, pages, max_seen))
                    read += 1
                except ConnectorError as exc:
                    failures.append(exc)
                    notes.append(f"{safe_url(url)}: {exc}")
                    if isinstance(exc, RateLimited) and exc.retry_after:
                        state["not_before"] = now + exc.retry_after
        if failures and not read:
            raise _most_telling(failures)
        posts.sort(key=lambda post: post.posted_at or datetime.min.replace(tzinfo=UTC))
        log.info("rss.polled", account_id=str(account.id), posts=len(posts), feeds=len(urls))
        return PollResult(
            posts=posts,
            cursor={**account.cursor, "feeds": feeds},
            raw=json.dumps({"pages": pages}).encode(),
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
        """Always raises: a feed has no way to answer."""
        raise ConnectorError("RSS feeds cannot be replied to", permanent=True)

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """Always raises: we do not publish feeds."""
        raise ConnectorError("RSS accounts cannot publish", permanent=True)

    def _read_feed(
        self,
        http: requests.Session,
        url: str,
        state: dict[str, Any],
        pages: list[dict[str, Any]],
        max_seen: int,
    ) -> list[IncomingPost]:
        """One feed's new items; updates ``state`` in place only once the feed parsed."""
        shown = safe_url(url)
        headers: dict[str, str] = {}
        if state.get("etag"):
            headers["If-None-Match"] = str(state["etag"])
        if state.get("modified"):
            headers["If-Modified-Since"] = str(state["modified"])
        fetched = self._fetch(http, url, headers)
        page: dict[str, Any] = {"url": shown, "status": fetched.status_code}
        if fetched.status_code == 304:
            pages.append(page)
            return []
        if not 200 <= fetched.status_code < 300:
            raise error_for_status(
                f"feed {shown}", fetched.status_code, fetched.reason, fetched.headers
            )
        content_type = fetched.headers.get("content-type", "")
        body = fetched.content
        page |= {"content_type": content_type, "body_base64": base64.b64encode(body).decode()}
        pages.append(page)
        parsed = feedparser.parse(io.BytesIO(body), response_headers={"content-type": content_type})
        if not parsed.entries and (parsed.bozo or not parsed.version):
            problem = parsed.get("bozo_exception")
            why = f"{type(problem).__name__}: {problem}" if problem else "not RSS or Atom"
            raise ConnectorError(f"feed {shown} is unreadable: {why}")
        state.pop("not_before", None)
        state["etag"] = fetched.headers.get("etag")
        state["modified"] = fetched.headers.get("last-modified")
        return _new_items(parsed, url, state, max_seen)

    def _fetch(self, http: requests.Session, url: str, headers: dict[str, str]) -> Fetched:
        """GET within ``timeout_seconds`` overall (not merely per read, so a trickling server
        cannot hold the poll) and at most MAX_FEED_BYTES."""
        shown = safe_url(url)
        deadline = time.monotonic() + self.timeout_seconds
        try:
            with http.get(url, headers=headers, timeout=self.timeout_seconds, stream=True) as got:
                body = bytearray()
                for chunk in got.iter_content(CHUNK_BYTES):
                    body += chunk
                    if len(body) > MAX_FEED_BYTES:
                        raise ConnectorError(f"feed {shown} is larger than {MAX_FEED_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise ConnectorError(f"feed {shown} timed out")
                return Fetched(got.status_code, str(got.reason or ""), got.headers, bytes(body))
        except requests.Timeout as exc:
            raise ConnectorError(f"feed {shown} timed out") from exc
        except requests.RequestException as exc:
            raise ConnectorError(f"feed {shown} unreachable: {type(exc).__name__}") from exc


@dataclass(frozen=True, slots=True)
class Fetched:
    status_code: int
    reason: str
    headers: Mapping[str, str]
    content: bytes


def _most_telling(failures: list[ConnectorError]) -> ConnectorError:
    """When every feed failed: wait as long as the slowest rate limit asks, else retry if
    any failure is transient, else stop (every feed failed for good)."""
    limited = [failure for failure in failures if isinstance(failure, RateLimited)]
    if limited:
        return max(limited, key=lambda failure: failure.retry_after or 0.0)
    transient = [failure for failure in failures if not failure.permanent]
    return (transient or failures)[0]


def _feed_urls(account: AccountView) -> list[str]:
    configured = account.settings.get("feeds") or []
    urls = [str(url) for url in configured if url]
    if not urls and account.api_base_url:
        urls = [account.api_base_url]
    return list(dict.fromkeys(urls))


def _new_items(parsed: Any, url: str, state: dict[str, Any], max_seen: int) -> list[IncomingPost]:
    """Items not seen before, or seen with an older ``updated`` stamp (then ``edited``)."""
    feed = parsed.feed
    host = urlsplit(str(feed.get("link") or url)).hostname or urlsplit(url).hostname or url
    seen: dict[str, str] = dict(state.get("seen") or {})
    posts: list[IncomingPost] = []
    for entry in parsed.entries:
        item_id = _item_id(entry, url)
        stamp = _stamp(entry)
        previous = seen.pop(item_id, None)
        seen[item_id] = stamp if stamp or previous is None else previous
        edited = previous is not None and bool(stamp) and bool(previous) and stamp > previous
        if previous is not None and not edited:
            continue
        posted_at = _time(_field(entry, "published_parsed") or _field(entry, "updated_parsed"))
        posts.append(
            IncomingPost(
                network=SocialNetwork.RSS,
                external_id=item_id,
                author_handle=host,
                text=_text(entry),
                kind=PostKind.ARTICLE,
                author_name=_author(entry) or feed.get("title"),
                language=(entry.get("language") or feed.get("language") or None),
                url=urljoin(url, entry["link"]) if entry.get("link") else None,
                posted_at=posted_at,
                edited=edited,
            )
        )
    keep = max(max_seen, len(parsed.entries))
    state["seen"] = dict(list(seen.items())[-keep:])
    return posts


def _item_id(entry: Any, feed_url: str) -> str:
    """The entry's id/guid, else its link, else a digest of its title and summary. A bare id
    ("1234") is only unique within its feed, so it is qualified with the feed's address;
    an id too long to store is replaced by its digest."""
    identifier = str(entry.get("id") or entry.get("link") or "")
    if not identifier:
        content = f"{entry.get('title')}\n{entry.get('summary')}"
        identifier = "sha256:" + hashlib.sha256(content.encode()).hexdigest()
    elif ":" not in identifier:
        identifier = f"{safe_url(feed_url)}#{identifier}"
    if len(identifier) > MAX_ID_LENGTH:
        identifier = "sha256:" + hashlib.sha256(identifier.encode()).hexdigest()
    return identifier


def _author(entry: Any) -> str | None:
    """The entry author's name (RSS writes ``email (Name)``; feedparser splits it)."""
    detail = entry.get("author_detail") or {}
    return detail.get("name") or entry.get("author") or None


def _stamp(entry: Any) -> str:
    when = _time(_field(entry, "updated_parsed") or _field(entry, "published_parsed"))
    return when.isoformat() if when else ""


def _field(entry: Any, name: str) -> Any:
    """The entry's own value, without feedparser's deprecated updated->published fallback."""
    return dict.get(entry, name)


def _time(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=UTC)


def _text(entry: Any) -> str:
    title = _plain(entry.get("title_detail"), entry.get("title"))
    body_detail = entry.get("summary_detail")
    body_value = entry.get("summary")
    if not body_value and entry.get("content"):
        body_detail = entry.content[0]
        body_value = body_detail.get("value")
    body = _plain(body_detail, body_value)
    return "\n\n".join(part for part in (title, body) if part)


def _plain(detail: Any, value: Any) -> str:
    text = str(value or "")
    if detail is not None and detail.get("type") in HTML_TYPES:
        text = html_to_text(text)
    return text.strip()
