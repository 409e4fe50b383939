"""Customer-supplied HTML is sanitised once, on the way in, with nh3 (ammonia)."""

from __future__ import annotations

import nh3


def sanitize_html(html: str | None) -> str | None:
    """HTML safe to show an agent: scripts, handlers and dangerous URLs removed."""
    if html is None or not html.strip():
        return None
    return nh3.clean(html)
