"""Which connector serves which network; made on first use, one per process."""

from __future__ import annotations

import threading
from functools import cache

from channels.social.base import PollingConnector, PublishingConnector
from channels.social.mastodon import MastodonConnector
from channels.social.meta import MetaConnector
from channels.social.rss import RssConnector
from channels.social.vendor import VendorConnector
from channels.social.x import XConnector
from core.models.social import SocialNetwork

_lock = threading.Lock()


@cache
def _connector(network: SocialNetwork) -> object:
    if network is SocialNetwork.X:
        return XConnector()
    if network is SocialNetwork.MASTODON:
        return MastodonConnector()
    if network is SocialNetwork.RSS:
        return RssConnector()
    if network in (SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM):
        return MetaConnector(network)
    return VendorConnector()


def polling_connector(network: SocialNetwork) -> PollingConnector:
    """The connector that polls this network; KeyError for pushed networks (webhooks)."""
    connector = _get(network)
    if not hasattr(connector, "poll"):
        raise KeyError(network)
    return connector  # type: ignore[return-value]


def publishing_connector(network: SocialNetwork) -> PublishingConnector:
    """The connector that replies and publishes on this network; KeyError if none can."""
    connector = _get(network)
    if not hasattr(connector, "reply"):
        raise KeyError(network)
    return connector  # type: ignore[return-value]


def _get(network: SocialNetwork) -> object:
    with _lock:
        return _connector(network)
