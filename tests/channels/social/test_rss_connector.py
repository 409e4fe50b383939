"""RssConnector against loopback feed hosts: real requests and feedparser, RSS and Atom XML."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from channels.social import rss
from channels.social.base import ConnectorError, RateLimited
from channels.social.rss import RssConnector
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView
from tests.channels.social.fake_networks import Answer, LoopbackServer, Received, account_view


@dataclass
class FeedDocument:
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None


class FakeFeeds(LoopbackServer):
    """Feed hosting with conditional GET: 304 when ``If-None-Match`` matches the ETag, or
    (without an ETag) when ``If-Modified-Since`` equals ``Last-Modified``."""

    def __init__(self) -> None:
        super().__init__()
        self.documents: dict[str, FeedDocument] = {}

    def serve(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str = "application/rss+xml; charset=utf-8",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> str:
        self.documents[path] = FeedDocument(
            body.encode() if isinstance(body, str) else body, content_type, etag, last_modified
        )
        return self.base_url + path

    def answer(self, request: Received) -> Answer:
        document = self.documents.get(request.path)
        if document is None:
            return Answer(404, "not found", content_type="text/plain")
        headers = {
            k: v
            for k, v in (("ETag", document.etag), ("Last-Modified", document.last_modified))
            if v
        }
        if document.etag and request.headers.get("if-none-match") == document.etag:
            return Answer(304, None, headers)
        if (
            not document.etag
            and document.last_modified
            and request.headers.get("if-modified-since") == document.last_modified
        ):
            return Answer(304, None, headers)
        return Answer(200, document.body, headers, content_type=document.content_type)


def rss_document(
    items: list[dict[str, str]],
    *,
    title: str = "Northwind Telecom news",
    link: str = "https://news.example.com/",
) -> str:
    """RSS 2.0 with one <item> per dict (keys: guid, title, link, description, pubDate, author)."""
    rendered = "".join(
        "<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in item.items()) + "</item>" for item in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{link}</link><description>News</description>"
        f"<language>en-us</language>{rendered}</channel></rss>"
    )


def atom_document(entries: list[dict[str, str]], *, title: str = "Forum: Northwind") -> str:
    """Atom 1.0 with one <entry> per dict (keys: id, title, link, summary, published, updated, author)."""
    parts = []
    for entry in entries:
        inner = "".join(
            f'<link href="{v}"/>'
            if k == "link"
            else f"<author><name>{v}</name></author>"
            if k == "author"
            else f'<summary type="html">{v}</summary>'
            if k == "summary"
            else f"<{k}>{v}</{k}>"
            for k, v in entry.items()
        )
        parts.append(f"<entry>{inner}</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="de">'
        f"<title>{title}</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>"
        f'<link href="https://forum.example.org/"/><updated>2025-03-01T10:00:00Z</updated>'
        f"{''.join(parts)}</feed>"
    )


ETAG = '"feed-v1"'
LAST_MODIFIED = "Sat, 01 Mar 2025 10:00:00 GMT"
NEWS_ITEMS = [
    {
        "guid": "https://news.example.com/2025/outage-berlin",
        "title": "Northwind outage in Berlin",
        "link": "https://news.example.com/2025/outage-berlin",
        "description": "&lt;p&gt;Customers report &lt;b&gt;no internet&lt;/b&gt; &amp;amp; no phone.&lt;/p&gt;",
        "pubDate": "Sat, 01 Mar 2025 09:00:00 GMT",
        "author": "desk@news.example.com (News Desk)",
    },
    {
        "guid": "https://news.example.com/2025/fibre",
        "title": "Northwind expands fibre",
        "link": "https://news.example.com/2025/fibre",
        "description": "Plain text summary.",
        "pubDate": "Fri, 28 Feb 2025 08:00:00 GMT",
    },
]


@pytest.fixture
def feeds() -> Iterator[FakeFeeds]:
    with FakeFeeds() as server:
        yield server


def rss_account(*urls: str, cursor: dict[str, Any] | None = None, **settings: Any) -> AccountView:
    return account_view(
        SocialNetwork.RSS,
        api_base_url=None,
        settings={"feeds": list(urls), **settings},
        cursor=cursor,
    )


def test_first_poll_maps_items_and_saves_the_validators(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS), etag=ETAG, last_modified=LAST_MODIFIED)

    result = RssConnector().poll(rss_account(url))

    older, newer = result.posts
    assert newer.network is SocialNetwork.RSS
    assert newer.kind is PostKind.ARTICLE
    assert newer.external_id == "https://news.example.com/2025/outage-berlin"
    assert newer.author_handle == "news.example.com"
    assert newer.author_name == "News Desk"
    assert newer.text == "Northwind outage in Berlin\n\nCustomers report no internet & no phone."
    assert newer.url == "https://news.example.com/2025/outage-berlin"
    assert newer.posted_at == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    assert newer.language == "en-us"
    assert newer.edited is False
    assert older.author_name == "Northwind Telecom news"
    state = result.cursor["feeds"][url]
    assert (state["etag"], state["modified"]) == (ETAG, LAST_MODIFIED)
    assert set(state["seen"]) == {item["guid"] for item in NEWS_ITEMS}
    (page,) = json.loads(result.raw)["pages"]
    assert base64.b64decode(page["body_base64"]) == feeds.documents["/news.rss"].body


def test_second_poll_is_conditional_and_304_brings_nothing(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS), etag=ETAG, last_modified=LAST_MODIFIED)
    connector = RssConnector()
    first = connector.poll(rss_account(url))

    second = connector.poll(rss_account(url, cursor=first.cursor))

    assert second.posts == []
    assert second.cursor == first.cursor
    request = feeds.received("/news.rss")[-1]
    assert request.headers["if-none-match"] == ETAG
    assert request.headers["if-modified-since"] == LAST_MODIFIED


def test_last_modified_alone_is_sent_back(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS), last_modified=LAST_MODIFIED)
    connector = RssConnector()
    first = connector.poll(rss_account(url))

    assert connector.poll(rss_account(url, cursor=first.cursor)).posts == []
    assert "if-none-match" not in feeds.received()[-1].headers


def test_changed_feed_brings_only_the_new_item(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS), etag=ETAG)
    connector = RssConnector()
    first = connector.poll(rss_account(url))
    fresh = {
        "guid": "news-3",
        "title": "Northwind apologises",
        "link": "https://news.example.com/3",
        "pubDate": "Sat, 01 Mar 2025 12:00:00 GMT",
    }
    feeds.serve("/news.rss", rss_document([fresh, *NEWS_ITEMS]), etag='"feed-v2"')

    second = connector.poll(rss_account(url, cursor=first.cursor))

    assert [p.external_id for p in second.posts] == [f"{url}#news-3"]
    assert second.cursor["feeds"][url]["etag"] == '"feed-v2"'


def atom_entry(updated: str, summary: str) -> dict[str, str]:
    return {
        "id": "tag:forum.example.org,2025:thread-17",
        "title": "Northwind &amp; the missing refund",
        "link": "https://forum.example.org/t/17",
        "summary": summary,
        "published": "2025-03-01T09:00:00Z",
        "updated": updated,
        "author": "Jens",
    }


def test_atom_entry_with_a_newer_updated_stamp_is_edited(feeds: FakeFeeds) -> None:
    entry = atom_entry(
        "2025-03-01T09:00:00Z", "&lt;p&gt;Still &lt;b&gt;waiting&lt;/b&gt;&lt;/p&gt;"
    )
    url = feeds.serve("/forum.atom", atom_document([entry]), content_type="application/atom+xml")
    connector = RssConnector()
    first = connector.poll(rss_account(url))
    unchanged = connector.poll(rss_account(url, cursor=first.cursor))
    feeds.serve(
        "/forum.atom",
        atom_document([atom_entry("2025-03-01T11:00:00Z", "Refund arrived")]),
        content_type="application/atom+xml",
    )

    edited = connector.poll(rss_account(url, cursor=unchanged.cursor))

    (original,) = first.posts
    assert original.text == "Northwind & the missing refund\n\nStill waiting"
    assert (original.author_handle, original.author_name, original.language) == (
        "forum.example.org",
        "Jens",
        "de",
    )
    assert unchanged.posts == []
    (post,) = edited.posts
    assert (post.external_id, post.edited) == ("tag:forum.example.org,2025:thread-17", True)
    assert post.text.endswith("Refund arrived")


def test_item_without_guid_is_known_by_its_link(feeds: FakeFeeds) -> None:
    item = {k: v for k, v in NEWS_ITEMS[1].items() if k != "guid"}
    url = feeds.serve("/news.rss", rss_document([item]))

    (post,) = RssConnector().poll(rss_account(url)).posts

    assert post.external_id == "https://news.example.com/2025/fibre"


def test_bare_guids_are_told_apart_by_their_feed(feeds: FakeFeeds) -> None:
    item = {"guid": "1234", "title": "Same number, different site"}
    first = feeds.serve("/a.rss", rss_document([item]))
    second = feeds.serve("/b.rss", rss_document([item]))

    posts = RssConnector().poll(rss_account(first, second)).posts

    assert sorted(p.external_id for p in posts) == [f"{first}#1234", f"{second}#1234"]


def test_duplicate_across_polls_has_the_same_external_id(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    connector = RssConnector()

    first = connector.poll(rss_account(url))
    again = connector.poll(rss_account(url))  # the cursor was never saved (a crash)

    assert [p.external_id for p in again.posts] == [p.external_id for p in first.posts]


def test_seen_items_are_bounded(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    cursor: dict[str, Any] = {}
    for n in range(4):
        item = {"guid": f"item-{n}", "title": f"Item {n}"}
        feeds.serve("/news.rss", rss_document([item]))
        cursor = RssConnector().poll(rss_account(url, cursor=cursor, max_seen=2)).cursor

    assert list(cursor["feeds"][url]["seen"]) == [f"{url}#item-2", f"{url}#item-3"]


def test_malformed_feed_that_still_has_items_is_used(feeds: FakeFeeds) -> None:
    broken = rss_document(NEWS_ITEMS).replace(
        "</channel></rss>",
        "<item><guid>n-2</guid><title>broken &nbsp; entity</title></item></channel>",
    )
    url = feeds.serve("/news.rss", broken)

    result = RssConnector().poll(rss_account(url))

    assert f"{url}#n-2" in {p.external_id for p in result.posts}


@pytest.mark.parametrize("body", [b"<html><body><p>Moved</p></body></html>", b"\x00\x01garbage{"])
def test_feed_with_nothing_parseable_is_transient(feeds: FakeFeeds, body: bytes) -> None:
    url = feeds.serve("/news.rss", body, content_type="text/html")

    with pytest.raises(ConnectorError) as raised:
        RssConnector().poll(rss_account(url))

    assert not raised.value.permanent
    assert "unreadable" in str(raised.value)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_becomes_rate_limited(feeds: FakeFeeds, status: int) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    feeds.fail_next(status, "slow down", headers={"Retry-After": "120"})

    with pytest.raises(RateLimited) as raised:
        RssConnector().poll(rss_account(url))

    assert raised.value.retry_after == 120


def test_retry_after_as_an_http_date_is_understood(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=300), usegmt=True)
    feeds.fail_next(503, "maintenance", headers={"Retry-After": when})

    with pytest.raises(RateLimited) as raised:
        RssConnector().poll(rss_account(url))

    assert raised.value.retry_after == pytest.approx(300, abs=2)


def test_oversized_feed_is_refused(feeds: FakeFeeds, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rss, "MAX_FEED_BYTES", 1_000)
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS * 20))

    with pytest.raises(ConnectorError) as raised:
        RssConnector().poll(rss_account(url))

    assert "larger than" in str(raised.value)


@pytest.mark.parametrize(
    ("status", "permanent"), [(401, True), (410, True), (500, False), (503, False)]
)
def test_http_failures_are_classified(feeds: FakeFeeds, status: int, permanent: bool) -> None:
    url = feeds.serve("/private.rss", rss_document(NEWS_ITEMS)) + "?token=s3cr3t-feed-token"
    feeds.fail_next(status, "no")

    with pytest.raises(ConnectorError) as raised:
        RssConnector().poll(rss_account(url))

    assert raised.value.permanent is permanent
    assert not isinstance(raised.value, RateLimited)
    assert "s3cr3t" not in str(raised.value)
    assert feeds.received()[0].param("token") == "s3cr3t-feed-token"


def test_slow_feed_times_out_as_transient(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    feeds.fail_next(200, rss_document(NEWS_ITEMS), delay_seconds=0.5)

    with pytest.raises(ConnectorError) as raised:
        RssConnector(timeout_seconds=0.1).poll(rss_account(url))

    assert not raised.value.permanent
    assert "timed out" in str(raised.value)


def test_one_failing_feed_does_not_stop_the_others(feeds: FakeFeeds) -> None:
    good = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    limited = feeds.serve("/forum.atom", atom_document([atom_entry("2025-03-01T09:00:00Z", "x")]))
    feeds.fail_next(429, "later", headers={"Retry-After": "600"}, path="/forum.atom")
    connector = RssConnector()

    first = connector.poll(rss_account(good, limited))
    second = connector.poll(rss_account(good, limited, cursor=first.cursor))

    assert {p.author_handle for p in first.posts} == {"news.example.com"}
    assert any("/forum.atom" in note for note in first.notes)
    assert first.cursor["feeds"][limited]["not_before"] > datetime.now(UTC).timestamp() + 500
    assert len(feeds.received("/forum.atom")) == 1
    assert second.posts == []


def test_every_feed_failing_raises_the_most_telling_error(feeds: FakeFeeds) -> None:
    gone = feeds.serve("/gone.rss", rss_document(NEWS_ITEMS))
    flaky = feeds.serve("/flaky.rss", rss_document(NEWS_ITEMS))
    feeds.fail_next(410, "gone", path="/gone.rss")
    feeds.fail_next(502, "bad gateway", path="/flaky.rss")

    with pytest.raises(ConnectorError) as raised:
        RssConnector().poll(rss_account(gone, flaky))

    assert not raised.value.permanent
    assert "502" in str(raised.value)


def test_api_base_url_is_the_feed_when_no_list_is_set(feeds: FakeFeeds) -> None:
    url = feeds.serve("/news.rss", rss_document(NEWS_ITEMS))
    account = account_view(SocialNetwork.RSS, api_base_url=url)

    assert len(RssConnector().poll(account).posts) == 2


def test_feeds_cannot_be_answered_or_published_to() -> None:
    account = account_view(SocialNetwork.RSS, api_base_url="https://news.example.com/feed")
    connector = RssConnector()

    with pytest.raises(ConnectorError) as replying:
        connector.reply(
            account,
            in_reply_to="x",
            recipient_handle="news.example.com",
            text="hi",
            private=False,
            idempotency_key="k",
        )
    with pytest.raises(ConnectorError) as publishing:
        connector.publish(account, text="hi", idempotency_key="k")

    assert replying.value.permanent
    assert publishing.value.permanent
