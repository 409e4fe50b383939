"""What a social connector provides, and the errors it raises.

A *polling* connector (X, Mastodon, RSS) is asked by the social poller for what is new since
the account's cursor; a *webhook* connector (Meta, generic vendor feed) turns a pushed request
into posts. Both reply and publish through the network's API. Connectors know one network's
wire format and nothing about business rules: matching, sentiment, alerts and conversations
happen in core.social once the posts are stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from core.models.social import SocialNetwork
from core.social.incoming import AccountView, IncomingPost


class ConnectorError(Exception):
    """The network failed us; ``permanent`` errors (bad credentials, gone) stop the account."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class RateLimited(ConnectorError):
    """429 (or the network's equivalent): try again after ``retry_after`` seconds, if it said."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class PollResult:
    """New posts since the cursor, the cursor to save once they are stored, and the raw pages
    as the network sent them (stored before anything else happens to the posts)."""

    posts: list[IncomingPost]
    cursor: dict[str, Any]
    raw: bytes = b""
    content_type: str = "application/json"
    notes: list[str] = field(default_factory=list)


class PollingConnector(Protocol):
    network: SocialNetwork

    def poll(self, account: AccountView) -> PollResult:
        """Everything new since ``account.cursor``; raises RateLimited or ConnectorError."""
        ...


class PublishingConnector(Protocol):
    network: SocialNetwork

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
        """Answer a post (publicly) or a direct message (privately); the network's new id."""
        ...

    def publish(self, account: AccountView, *, text: str, idempotency_key: str) -> str:
        """Post a public statement from our account; the network's new id."""
        ...
