"""Wiring the email channel into a process (the server, and worker processes)."""

from __future__ import annotations

from pathlib import Path

from channels.email.adapter import EmailAdapter
from channels.loopback import LoopbackAdapter
from channels.registry import register_adapter
from core.models.channel import Channel


def register_email_adapter(outbound_dir: Path) -> EmailAdapter:
    """Serve Channel.EMAIL with the SMTP adapter; mailboxes without an SMTP server (the demo's)
    fall back to loopback files in ``outbound_dir``."""
    adapter = EmailAdapter(fallback=LoopbackAdapter(Channel.EMAIL, outbound_dir))
    register_adapter(adapter)
    return adapter
