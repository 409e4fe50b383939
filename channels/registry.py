"""Which adapter serves which channel in this process."""

from __future__ import annotations

from channels.base import ChannelAdapter
from core.models.channel import Channel

_adapters: dict[Channel, ChannelAdapter] = {}


def register_adapter(adapter: ChannelAdapter) -> None:
    """Make an adapter the one for its channel (replacing any before it)."""
    _adapters[adapter.channel] = adapter


def adapter_for(channel: Channel) -> ChannelAdapter:
    """The adapter for a channel; KeyError if the process has none."""
    return _adapters[channel]


def registered_channels() -> list[Channel]:
    return sorted(_adapters)
