"""What a caller asks of the seed and what it gets back."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

Progress = Callable[[str, int, int], None]  # stage, done, total


@dataclass(frozen=True)
class SeedPlan:
    """How much to make; the defaults give a month of a mid-sized center (~6000 conversations)."""

    agents: int = 40
    contacts: int = 5000
    days: int = 30
    conversations_per_day: int = 200
    seed: int = 7

    def __post_init__(self) -> None:
        if self.agents < 3 or self.contacts < 1 or self.days < 1 or self.conversations_per_day < 0:
            raise ValueError("a seed plan needs 3 agents (one per tier), 1 contact and 1 day")


@dataclass(frozen=True)
class SeedResult:
    """How many rows of each kind were written, for the CLI to report."""

    tenant_id: uuid.UUID
    org_units: int
    users: int
    queues: int
    contacts: int
    identities: int
    conversations: int
    messages: int
    interactions: int
    events: int
    social_posts: int = 0
    social_alerts: int = 0
    social_authors: int = 0  # people who posted about us, contacts too (among ``contacts``)
    csat_responses: int = 0  # satisfaction survey answers of resolved history conversations
