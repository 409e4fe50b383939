"""The generic social-listening webhook: a vendor's posts from Weibo, WeChat, forums ...

The payload and signature are ours, documented for integrators in docs/social-webhook.md.
Posts keep ``SocialNetwork.WEBHOOK`` as network; the vendor's source network (``weibo``)
prefixes the ids (``weibo:4890123``, also ``in_reply_to``), the author handle
(``weibo/handle``, so identities of different sources never collide) and is kept in
``metrics["source"]``.

Replies (``VendorConnector``) go to ``settings.reply_url`` as signed JSON, with the same
signature scheme and secret as the deliveries; without a ``reply_url`` they are a permanent
ConnectorError: the vendor's own tools answer there.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import httpx
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from channels.social.base import ConnectorError
from channels.social.http_errors import REQUEST_TIMEOUT_SECONDS, error_for_status, safe_url
from core.errors import FieldProblem
from core.models.social import PostKind, SocialNetwork
from core.social.incoming import AccountView, IncomingPost
from core.webhooks import signed_headers

MAX_POSTS = 500
SOURCE_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,31}$"


class MalformedBatch(ValueError):
    """The body is not JSON at all."""


class InvalidBatch(ValueError):
    """JSON that breaks the documented schema; one problem per field, named like
    ``posts[1].kind``."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class VendorAuthor(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    handle: str = Field(min_length=1, max_length=150)
    name: str | None = Field(default=None, max_length=200)
    followers: int = Field(default=0, ge=0)

    @field_validator("handle")
    @classmethod
    def _no_blank_handle(cls, value: str) -> str:
        handle = value.strip().lstrip("@")
        if not handle:
            raise ValueError("must not be blank")
        return handle


class VendorPost(BaseModel):
    """One post as the vendor saw it; unknown keys are ignored (vendors add fields)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    network: str = Field(
        pattern=SOURCE_PATTERN, description="the source network: weibo, wechat, douyin, forum ..."
    )
    id: str = Field(min_length=1, max_length=150)
    author: VendorAuthor
    text: str = ""
    lang: str | None = Field(default=None, max_length=16)
    url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    posted_at: AwareDatetime | None = None
    kind: PostKind = PostKind.POST
    in_reply_to: str | None = Field(default=None, max_length=150)
    metrics: dict[str, Any] = Field(default_factory=dict)
    shares: int = Field(default=0, ge=0)
    edited: bool = False
    deleted: bool = False

    @field_validator("network", mode="before")
    @classmethod
    def _source_name(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if not value:
                raise ValueError("must name the source network (weibo, wechat, forum ...)")
        return value


class VendorBatch(BaseModel):
    posts: list[VendorPost] = Field(max_length=MAX_POSTS)


def parse_batch(body: bytes) -> list[IncomingPost]:
    """The posts of one delivery; raises MalformedBatch or InvalidBatch."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedBatch(f"not JSON: {exc}") from exc
    try:
        batch = VendorBatch.model_validate(document)
    except ValidationError as exc:
        raise InvalidBatch(
            [FieldProblem(field_path(e["loc"]), e["msg"]) for e in exc.errors()]
        ) from exc
    return [to_incoming(post) for post in batch.posts]


def field_path(location: tuple[int | str, ...]) -> str:
    """``("posts", 1, "kind")`` → ``posts[1].kind``; the body itself is ``body``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "body"


def to_incoming(post: VendorPost) -> IncomingPost:
    source = post.network
    return IncomingPost(
        network=SocialNetwork.WEBHOOK,
        external_id=f"{source}:{post.id}",
        author_handle=f"{source}/{post.author.handle}",
        author_name=post.author.name,
        author_followers=post.author.followers,
        text=post.text,
        kind=post.kind,
        language=post.lang,
        url=post.url,
        posted_at=post.posted_at.astimezone(UTC) if post.posted_at else None,
        in_reply_to=f"{source}:{post.in_reply_to}" if post.in_reply_to else None,
        metrics={**post.metrics, "source": source},
        shares=post.shares,
        edited=post.edited,
        deleted=post.deleted,
    )


class VendorConnector:
    """Replies through the vendor: a signed POST to ``settings.reply_url`` with
    ``credentials.secret``; the vendor's id of the reply comes back as ``{"id": ...}``.

    The body names the source network and the vendor's own ids (our prefixes removed):
    ``{"network", "in_reply_to", "recipient", "text", "private", "idempotency_key"}``; the
    key is also sent as ``Idempotency-Key`` so that a retried reply is posted once.
    """

    network = SocialNetwork.WEBHOOK

    def __init__(self, *, timeout: float = REQUEST_TIMEOUT_SECONDS) -> None:
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
        url = account.settings.get("reply_url")
        if not url:
            raise ConnectorError("replies for this network go through the vendor", permanent=True)
        secret = account.credentials.get("secret")
        if not secret:
            raise ConnectorError("the account has no secret to sign replies", permanent=True)
        source, sep, vendor_id = in_reply_to.partition(":")
        if not sep:
            source, vendor_id = "", in_reply_to
        recipient = recipient_handle.removeprefix(f"{source}/") if source else recipient_handle
        body = json.dumps(
            {
                "network": source or None,
                "in_reply_to": vendor_id,
                "recipient": recipient,
                "text": text,
                "private": private,
                "idempotency_key": idempotency_key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        headers = {
            "Content-Type": "application/json",
            **signed_headers(secret, body),
            "Idempotency-Key": idempotency_key,
        }
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ConnectorError(f"{safe_url(url)}: {type(exc).__name__}") from exc
        if not response.is_success:
            raise error_for_status(
                "the vendor's reply_url", response.status_code, "", response.headers
            )
        try:
            answer = response.json()
        except ValueError as exc:
            raise ConnectorError(f"{safe_url(url)}: the answer is not JSON") from exc
        reply_id = answer.get("id") if isinstance(answer, dict) else None
        if reply_id is None or isinstance(reply_id, bool) or str(reply_id) == "":
            raise ConnectorError(f"{safe_url(url)}: the answer has no id")
        return str(reply_id)

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """Vendors only listen: public statements are posted through the vendor's tools."""
        raise ConnectorError("publishing for this network goes through the vendor", permanent=True)
