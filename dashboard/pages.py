"""What a dashboard page is: its path, title, the permission it needs, layout, callbacks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dash


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    title: str
    action: str
    layout: Callable[[dict[str, str]], Any]
    """The page's components for the query parameters it was opened with."""
    register: Callable[[dash.Dash], None]
    """Declares the page's callbacks on the app."""
