"""A clock the services read, so that a day of work can be replayed at its own hours."""

from __future__ import annotations

from datetime import UTC, datetime


class FrozenClock:
    """What ``utcnow`` returns in every core module while a test runs (see conftest)."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1, tzinfo=UTC)

    def set(self, moment: datetime) -> None:
        self.now = moment.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now
