"""Meta (Facebook Pages, Messenger, Instagram): webhook deliveries in, Graph API replies out.

In: Meta's documented webhook JSON. ``object: "page"`` carries ``changes`` (field ``feed``:
comments on our page's posts → COMMENT, visitors' posts on our page → MENTION; ``verb``
``edited`` is an edit, ``remove`` a deletion) and ``messaging`` (Messenger → MESSAGE; echoes
of our own messages and delivery/read receipts are skipped). ``object: "instagram"`` carries
``changes`` (``comments``/``live_comments`` → COMMENT, ``mentions`` → MENTION) and
``messaging`` (→ MESSAGE). What we wrote ourselves (author = the entry's page) is skipped.
The author handle is the sender's id (Instagram: the username when Meta gives one).

Out (``MetaConnector``): ``POST /{comment-id}/comments`` (Instagram ``/replies``) to answer
publicly, ``POST /{page-id}/messages`` to answer privately (``recipient.comment_id`` for a
private reply to a comment, ``recipient.id`` for a conversation), ``POST /{page-id}/feed`` to
publish. Instagram publishes media only, so ``publish`` there is a permanent ConnectorError.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from channels.social.base import ConnectorError, RateLimited
from channels.social.http_errors import (
    REQUEST_TIMEOUT_SECONDS,
    error_for_status,
    retry_after_seconds,
    safe_url,
)
from channels.social.signatures import hmac_sha256_hex, same_secret
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView, IncomingPost

GRAPH_BASE_URL = "https://graph.facebook.com/v21.0"
OBJECT_NETWORKS = {"page": SocialNetwork.FACEBOOK, "instagram": SocialNetwork.INSTAGRAM}
FEED_ITEMS = {"comment": PostKind.COMMENT, "post": PostKind.MENTION, "status": PostKind.MENTION}
EDIT_VERBS = frozenset({"edited", "edit", "update"})
REMOVE_VERBS = frozenset({"remove", "delete"})
INSTAGRAM_COMMENT_FIELDS = frozenset({"comments", "live_comments"})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
BUSINESS_RATE_LIMIT_CODES = range(80000, 80015)
PERMANENT_CODES = frozenset({10, 102, 190})
TRANSIENT_CODES = frozenset({1, 2, 368})
MAX_CHALLENGE = 200


class MalformedDelivery(ValueError):
    """The body is not Meta webhook JSON: no object with an ``entry`` list. Meta retries."""


class UnsupportedDelivery(ValueError):
    """Authentic JSON we will never read (another object, the other network's account):
    rejected for the record and acknowledged, since Meta would only resend the same bytes."""


@dataclass(slots=True)
class MetaDelivery:
    """What a delivery held: the posts, and a note per event that was unreadable."""

    posts: list[IncomingPost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _BadEvent(ValueError):
    pass


def page_id(account: AccountView) -> str | None:
    """Our page's (or Instagram account's) numeric id: ``settings.page_id``, else a numeric
    handle; None when unknown (entries are then not checked against it)."""
    configured = account.settings.get("page_id")
    if configured:
        return str(configured)
    return account.handle if account.handle and account.handle.isdigit() else None


def verification_answer(
    account: AccountView, *, mode: str | None, token: str | None, challenge: str | None
) -> str | None:
    """The challenge to echo for a good subscription handshake, else None (answer 403)."""
    if mode != "subscribe" or challenge is None or len(challenge) > MAX_CHALLENGE:
        return None
    if not same_secret(account.credentials.get("verify_token"), token):
        return None
    return challenge


def parse_delivery(body: bytes, account: AccountView) -> MetaDelivery:
    """The posts of one delivery, for ``account``; raises MalformedDelivery or
    UnsupportedDelivery for the whole body, notes unreadable events and goes on."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedDelivery(f"not JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("entry"), list):
        raise MalformedDelivery("not a webhook delivery: no object with an entry list")
    kind = document.get("object")
    network = OBJECT_NETWORKS.get(kind) if isinstance(kind, str) else None
    if network is None:
        raise UnsupportedDelivery(f"unsupported object {kind!r}")
    if network is not account.network:
        raise UnsupportedDelivery(f"{kind!r} delivery for a {account.network.value} account")
    ours = page_id(account)
    delivery = MetaDelivery()
    for index, entry in enumerate(document["entry"]):
        where = f"entry[{index}]"
        if not isinstance(entry, dict):
            delivery.notes.append(f"{where}: not an object")
            continue
        entry_id = _id(entry.get("id"))
        if ours is not None and entry_id is not None and entry_id != ours:
            delivery.notes.append(f"{where}: for page {entry_id}, not this account's")
            continue
        sent_at = _when(entry.get("time"))
        for name, events in (
            ("changes", entry.get("changes")),
            ("messaging", entry.get("messaging")),
        ):
            for number, event in enumerate(events if isinstance(events, list) else []):
                try:
                    post = (
                        _change(event, network, entry_id, sent_at)
                        if name == "changes"
                        else _message(event, network, entry_id)
                    )
                except _BadEvent as exc:
                    delivery.notes.append(f"{where}.{name}[{number}]: {exc}")
                    continue
                if post is not None:
                    delivery.posts.append(post)
    return delivery


def _change(
    event: Any, network: SocialNetwork, entry_id: str | None, sent_at: datetime | None
) -> IncomingPost | None:
    field_name = _object(event, "change").get("field")
    if network is SocialNetwork.FACEBOOK:
        if field_name == "feed":
            return _feed_change(_object(event.get("value"), "value"), entry_id)
    elif field_name in INSTAGRAM_COMMENT_FIELDS:
        value = _object(event.get("value"), "value")
        return _instagram_comment(value, entry_id, sent_at, PostKind.COMMENT)
    elif field_name == "mentions":
        return _instagram_mention(_object(event.get("value"), "value"), entry_id, sent_at)
    return None


def _feed_change(value: dict[str, Any], entry_id: str | None) -> IncomingPost | None:
    kind = FEED_ITEMS.get(str(value.get("item")))
    verb = str(value.get("verb"))
    if kind is None or not (verb == "add" or verb in EDIT_VERBS or verb in REMOVE_VERBS):
        return None
    author = _part(value, "from")
    author_id = _id(author.get("id"))
    if author_id is not None and author_id == entry_id:
        return None
    post_id = _id(value.get("post_id"))
    external_id = _id(value.get("comment_id")) if kind is PostKind.COMMENT else post_id
    if external_id is None:
        raise _BadEvent(f"feed {value.get('item')} without its id")
    if author_id is None and verb not in REMOVE_VERBS:
        raise _BadEvent(f"feed {value.get('item')} {external_id} without from.id")
    return IncomingPost(
        network=SocialNetwork.FACEBOOK,
        external_id=external_id,
        author_handle=author_id or "",
        author_name=_text(author.get("name")) or None,
        text=_text(value.get("message")),
        kind=kind,
        url=f"https://www.facebook.com/{external_id}" if kind is PostKind.MENTION else None,
        posted_at=_when(value.get("created_time")),
        in_reply_to=_id(value.get("parent_id")) or (post_id if post_id != external_id else None),
        metrics={"post_id": post_id} if post_id and post_id != external_id else {},
        edited=verb in EDIT_VERBS,
        deleted=verb in REMOVE_VERBS,
    )


def _instagram_comment(
    value: dict[str, Any], entry_id: str | None, sent_at: datetime | None, kind: PostKind
) -> IncomingPost | None:
    author = _part(value, "from")
    author_id = _id(author.get("id"))
    if author_id is not None and author_id == entry_id:
        return None
    comment_id = _id(value.get("id"))
    if comment_id is None:
        raise _BadEvent("instagram comment without its id")
    handle = _text(author.get("username")) or author_id
    if handle is None:
        raise _BadEvent(f"instagram comment {comment_id} without from")
    media = _part(value, "media")
    media_id = _id(media.get("id")) or _id(value.get("media_id"))
    metrics: dict[str, Any] = {"author_id": author_id} if author_id else {}
    if media_id:
        metrics["media_id"] = media_id
    return IncomingPost(
        network=SocialNetwork.INSTAGRAM,
        external_id=comment_id,
        author_handle=handle,
        text=_text(value.get("text")),
        kind=kind,
        posted_at=_when(value.get("timestamp")) or sent_at,
        in_reply_to=_id(value.get("parent_id")) or media_id,
        metrics=metrics,
    )


def _instagram_mention(
    value: dict[str, Any], entry_id: str | None, sent_at: datetime | None
) -> IncomingPost | None:
    """Meta documents ``{comment_id, media_id}`` only: such a mention is kept without author
    or text (no conversation) and marked for a ``mentioned_comment`` look-up; a mention that
    carries ``id``/``text``/``from`` is read like a comment."""
    if value.get("id") is not None and isinstance(value.get("from"), dict):
        return _instagram_comment(value, entry_id, sent_at, PostKind.MENTION)
    comment_id, media_id = _id(value.get("comment_id")), _id(value.get("media_id"))
    external_id = comment_id or media_id
    if external_id is None:
        raise _BadEvent("instagram mention without comment_id or media_id")
    lookup = "mentioned_comment" if comment_id else "mentioned_media"
    return IncomingPost(
        network=SocialNetwork.INSTAGRAM,
        external_id=external_id,
        author_handle="",
        kind=PostKind.MENTION,
        posted_at=sent_at,
        in_reply_to=media_id if comment_id else None,
        metrics={"media_id": media_id, "lookup": lookup} if media_id else {"lookup": lookup},
    )


def _message(event: Any, network: SocialNetwork, entry_id: str | None) -> IncomingPost | None:
    event = _object(event, "messaging event")
    sender = _id(_object(event.get("sender"), "sender").get("id"))
    if sender is None:
        raise _BadEvent("message without sender.id")
    if sender == entry_id:
        return None
    edit = event.get("message_edit")
    message = edit if isinstance(edit, dict) else event.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        return None
    mid = _id(message.get("mid"))
    if mid is None:
        raise _BadEvent("message without mid")
    attachments = message.get("attachments")
    kinds = (
        [a.get("type") for a in attachments if isinstance(a, dict)]
        if isinstance(attachments, list)
        else []
    )
    reply_to = _part(message, "reply_to")
    return IncomingPost(
        network=network,
        external_id=mid,
        author_handle=sender,
        text=_text(message.get("text")),
        kind=PostKind.MESSAGE,
        posted_at=_when(event.get("timestamp")),
        in_reply_to=_id(reply_to.get("mid")),
        metrics={"attachments": kinds} if kinds else {},
        edited=isinstance(edit, dict),
        deleted=bool(message.get("is_deleted")),
    )


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _BadEvent(f"{what} is not an object")
    return value


def _part(value: dict[str, Any], key: str) -> dict[str, Any]:
    part = value.get(key)
    return part if isinstance(part, dict) else {}


def _id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _when(value: Any) -> datetime | None:
    """Epoch seconds (feed ``created_time``) or milliseconds (messaging ``timestamp``), or
    ISO 8601 (Instagram ``timestamp``); None if absent or unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000 if value > 100_000_000_000 else value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return None


class MetaConnector:
    """Replies and posts through the Graph API with the page access token.

    Uses ``account.api_base_url`` (default ``GRAPH_BASE_URL``), ``credentials.
    page_access_token`` (sent as a bearer token) and, when present, ``credentials.app_secret``
    for ``appsecret_proof``. The Graph API takes no idempotency key, so ``idempotency_key`` is
    not sent: a call retried after a time-out may post twice. Errors: 429 and Graph codes 4, 17,
    32, 613 (and business rate limits 80000-80014) → RateLimited; 190 (token), 10, 102 →
    permanent; 5xx, timeouts and codes 1, 2, 368 → transient; other 4xx → permanent.
    """

    def __init__(self, network: SocialNetwork, *, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
        if network not in (SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM):
            raise ValueError(f"MetaConnector serves facebook and instagram, not {network}")
        self.network = network
        self.timeout = timeout

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
        """Public: a comment under ``in_reply_to``. Private: a message; to a comment's author
        through the comment (``in_reply_to`` is a comment id), else to ``recipient_handle``."""
        if not private:
            edge = "replies" if self.network is SocialNetwork.INSTAGRAM else "comments"
            path = f"{quote(in_reply_to, safe='')}/{edge}"
            return _answer_id(self._post(account, path, {"message": text}))
        is_comment = in_reply_to.replace("_", "").isdigit()
        recipient = {"comment_id": in_reply_to} if is_comment else {"id": recipient_handle}
        payload = {"recipient": recipient, "messaging_type": "RESPONSE", "message": {"text": text}}
        answer = self._post(account, f"{_sender(account)}/messages", payload)
        return _answer_id(answer, key="message_id")

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """A text post on our page's feed; Instagram takes media containers only (permanent)."""
        if self.network is SocialNetwork.INSTAGRAM:
            raise ConnectorError(
                "Instagram publishes media (an image or video container), not text",
                permanent=True,
            )
        return _answer_id(self._post(account, f"{_sender(account)}/feed", {"message": text}))

    def _post(self, account: AccountView, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        token = account.credentials.get("page_access_token")
        if not token:
            raise ConnectorError("the account has no page_access_token", permanent=True)
        app_secret = account.credentials.get("app_secret")
        if app_secret:
            payload = {**payload, "appsecret_proof": hmac_sha256_hex(app_secret, token.encode())}
        url = f"{(account.api_base_url or GRAPH_BASE_URL).rstrip('/')}/{path}"
        try:
            response = httpx.post(
                url,
                json=payload,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise ConnectorError(f"{safe_url(url)}: {type(exc).__name__}") from exc
        if response.is_success:
            try:
                answer = response.json()
            except ValueError as exc:
                raise ConnectorError(f"{safe_url(url)}: the answer is not JSON") from exc
            return answer if isinstance(answer, dict) else {}
        raise graph_error(response)


def _sender(account: AccountView) -> str:
    """The node our messages and posts come from: our page, else the token's own (``me``)."""
    return quote(page_id(account) or "me", safe="")


def graph_error(response: httpx.Response) -> ConnectorError:
    """The ConnectorError a failed Graph call means, from the status and ``error.code``."""
    error: dict[str, Any] = {}
    try:
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = body["error"]
    except ValueError:
        pass
    code = error.get("code") if isinstance(error.get("code"), int) else None
    message = _text(error.get("message"))
    detail = f"error {code}: {message}" if code is not None else message
    reason = f"the Graph API answered {response.status_code}: {detail}".rstrip(": ")
    if response.status_code == 429 or code in RATE_LIMIT_CODES or code in BUSINESS_RATE_LIMIT_CODES:
        wait = _regain_access_seconds(response.headers) or retry_after_seconds(response.headers)
        return RateLimited(reason, retry_after=wait)
    if code in PERMANENT_CODES:
        return ConnectorError(reason, permanent=True)
    if code in TRANSIENT_CODES or response.status_code >= 500:
        return ConnectorError(reason)
    return error_for_status("the Graph API", response.status_code, detail, response.headers)


def _regain_access_seconds(headers: httpx.Headers) -> float | None:
    """``X-Business-Use-Case-Usage``'s ``estimated_time_to_regain_access`` (minutes)."""
    try:
        usage = json.loads(headers.get("x-business-use-case-usage", ""))
    except ValueError:
        return None
    minutes = [
        item.get("estimated_time_to_regain_access", 0)
        for items in (usage.values() if isinstance(usage, dict) else [])
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]
    longest = max((m for m in minutes if isinstance(m, int | float)), default=0)
    return float(longest) * 60 if longest > 0 else None


def _answer_id(answer: dict[str, Any], *, key: str = "id") -> str:
    value = _id(answer.get(key))
    if value is None:
        raise ConnectorError(f"the Graph API answered without {key}")
    return value
