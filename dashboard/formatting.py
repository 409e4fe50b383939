"""How figures read on the pages: one way to show a share, a duration, a missing value."""

from __future__ import annotations

MISSING = "–"


def percent(share: float | None) -> str:
    return MISSING if share is None else f"{share:.1%}"


def seconds(value: float | None) -> str:
    """``42 s``, ``3 m 05 s``, ``2 h 10 m``; a dash when there is nothing to measure."""
    if value is None:
        return MISSING
    total = round(value)
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def number(value: float | int | None, digits: int = 0) -> str:
    return MISSING if value is None else f"{value:,.{digits}f}"
