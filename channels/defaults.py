"""The adapters a process gets when nothing better is configured: loopback files."""

from __future__ import annotations

from pathlib import Path

from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter, registered_channels
from core.models.channel import Channel


def register_default_adapters(directory: Path) -> list[Channel]:
    """Serve every channel that has no adapter yet with a loopback writing into ``directory``.

    Adapters registered before (real providers) are kept. Returns the channels it filled in.
    """
    filled = [channel for channel in Channel if channel not in registered_channels()]
    for channel in filled:
        register_adapter(LoopbackAdapter(channel, directory))
    return filled
