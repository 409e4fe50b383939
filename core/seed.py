"""Demo data for one tenant: org tree, staff, queues, contacts and a month of conversations.

Rows go in as Core executemany inserts inside one system unit of work, so the default plan takes
seconds and a failed seed leaves nothing behind. Each conversation is first told as a story
(timestamped steps), cut at `now`, and only then turned into rows, so statuses, counters,
messages, call legs and timeline events always agree with one another.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from core.clock import utcnow
from core.db import Database
from core.errors import ConflictError
from core.models import (
    Channel,
    ConversationStatus,
    EventType,
    IdentityKind,
    MessageDirection,
    OrgUnitKind,
    Role,
    Tenant,
    Tier,
    ValueTier,
)

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]
S = ConversationStatus

BATCH_SIZE = 1000
CHUNK_SIZE = 500
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SITES = ("S-BJ", "S-TJ", "S-GZ", "S-SZ")
ORG_TREE = (  # code, name, kind, parent code (D4)
    ("HQ", "Customer Service Headquarters", OrgUnitKind.HEADQUARTERS, None),
    ("R-N", "North Region Centre", OrgUnitKind.REGION, "HQ"),
    ("R-S", "South Region Centre", OrgUnitKind.REGION, "HQ"),
    ("S-BJ", "Beijing Site", OrgUnitKind.SITE, "R-N"),
    ("S-TJ", "Tianjin Site", OrgUnitKind.SITE, "R-N"),
    ("S-GZ", "Guangzhou Site", OrgUnitKind.SITE, "R-S"),
    ("S-SZ", "Shenzhen Site", OrgUnitKind.SITE, "R-S"),
)
STAFF = (  # role, how many, org units they are spread over (D5)
    (Role.ADMIN, 1, ("HQ",)),
    (Role.SUPERVISOR, 2, ("R-N", "R-S")),
    (Role.TEAM_LEAD, 4, SITES),
    (Role.QA_INSPECTOR, 2, ("HQ",)),
    (Role.SOCIAL_MONITOR, 1, ("HQ",)),
    (Role.EXECUTIVE, 1, ("HQ",)),
)
FRONT_PHONE, FRONT_WRITTEN, SOCIAL_CARE = (
    "Front line – phone",
    "Front line – written",
    "Social care",
)
EXPERT_NETWORK, EXPERT_BILLING = "Expert – network faults", "Expert – billing disputes"
VIP_DESK, BACK_OFFICE = "VIP desk", "Back office"
ALL_CHANNELS = [c.value for c in Channel]
QUEUES = (  # name, tier, channels, required skills, service level seconds, org unit
    (FRONT_PHONE, Tier.L1, ["phone"], {}, 20, "HQ"),
    (FRONT_WRITTEN, Tier.L1, ["email", "webform"], {}, 3600, "HQ"),
    (SOCIAL_CARE, Tier.L1, ["social"], {}, 1800, "HQ"),
    (EXPERT_NETWORK, Tier.L2, ALL_CHANNELS, {"network": 3}, 60, "R-N"),
    (EXPERT_BILLING, Tier.L2, ALL_CHANNELS, {"billing": 3}, 60, "R-S"),
    (VIP_DESK, Tier.L2, ALL_CHANNELS, {"customer:vip": 3}, 10, "HQ"),
    (BACK_OFFICE, Tier.L3, ["email", "webform"], {}, 14400, "HQ"),
)
FIRST_QUEUE = {Channel.PHONE: FRONT_PHONE, Channel.SOCIAL: SOCIAL_CARE}
CATEGORIES = {  # weight, escalation queue, chance of escalating from the front line (D1)
    "billing": (22, EXPERT_BILLING, 0.15),
    "network_fault": (16, EXPERT_NETWORK, 0.55),
    "device_repair": (10, BACK_OFFICE, 0.25),
    "complaint": (10, EXPERT_BILLING, 0.3),
    "account_change": (14, None, 0.0),
    "roaming": (7, EXPERT_NETWORK, 0.1),
    "broadband": (11, EXPERT_NETWORK, 0.2),
    "feedback": (6, None, 0.0),
    "copyright": (4, BACK_OFFICE, 1.0),
}
COMPLEX_CATEGORIES = {"network_fault", "device_repair", "copyright"}  # 7-day deadline (D15)
FRONT_SKILLS = ["billing", "network", "device", "broadband", "roaming"]
EXPERT_SKILLS = ["network", "billing", "customer:vip"]
VALUE_TIERS = list(ValueTier)
VALUE_TIER_WEIGHTS = [70, 15, 9, 4, 2]
CHANNEL_WEIGHTS = {Channel.PHONE: 45, Channel.EMAIL: 25, Channel.WEBFORM: 15, Channel.SOCIAL: 15}
# Arrivals per local hour: busy 9-12 and 14-18, quiet at night; weekends at 55%.
HOURLY = (0.2, 0.12, 0.08, 0.08, 0.08, 0.15, 0.35, 0.8, 1.6, 3.0, 3.4, 3.2,
          2.0, 2.2, 3.0, 3.3, 3.1, 2.7, 1.9, 1.5, 1.3, 1.0, 0.6, 0.35)  # fmt: skip
WEEKEND_FACTOR = 0.55
LONGEST_CALL = timedelta(minutes=25)  # so every seeded call leg has ended by `now`
AUTO_CLOSE_AFTER = timedelta(days=3)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


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
            raise ValueError("a seed plan needs at least 3 agents, 1 contact and 1 day")


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


def seed_tenant(
    db: Database,
    *,
    slug: str = "demo",
    name: str = "Northwind Telecom",
    plan: SeedPlan = SeedPlan(),
    progress: Progress | None = None,
    now: datetime | None = None,
) -> SeedResult:
    """Create a tenant full of demo data in one committed transaction.

    Raises ConflictError, writing nothing, if the slug is taken. The same plan and `now` give
    the same data apart from ids, so demos and tests are reproducible.
    """
    with db.system_unit() as session:
        taken = session.execute(sa.select(Tenant.id).where(col(Tenant.slug) == slug)).first()
        if taken is not None:
            raise ConflictError(f"a tenant with slug {slug!r} already exists")
        seeder = _Seeder(session, plan, now or utcnow(), progress or (lambda *_: None))
        return seeder.run(slug=slug, name=name)


@dataclass(frozen=True, slots=True)
class _Queue:
    id: uuid.UUID
    name: str
    tier: Tier


@dataclass(slots=True)
class _Contact:
    id: uuid.UUID
    language: str
    value_tier: ValueTier
    identities: dict[IdentityKind, uuid.UUID]


@dataclass(slots=True)
class _Step:
    """One moment of a conversation: an event, a message, or both (a reply and its event)."""

    at: datetime
    type: EventType | None = None
    actor: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)
    direction: MessageDirection | None = None
    text: str = ""
    assignee: uuid.UUID | None = None
    queue: _Queue | None = None


class _Story:
    """A conversation's timeline as it would have happened, before it is cut at now."""

    def __init__(self) -> None:
        self.steps: list[_Step] = []
        self.status = S.NEW

    def add(self, at: datetime, type: EventType | None, **fields: Any) -> None:
        self.steps.append(_Step(at, type, **fields))

    def say(
        self, at: datetime, direction: MessageDirection, text: str, by: uuid.UUID | None
    ) -> None:
        type = {
            MessageDirection.OUTBOUND: EventType.REPLIED,
            MessageDirection.NOTE: EventType.NOTE_ADDED,
        }
        self.add(at, type.get(direction), actor=by, direction=direction, text=text)

    def move(self, at: datetime, to: S, by: uuid.UUID | None = None, **data: Any) -> None:
        self.add(
            at,
            EventType.STATUS_CHANGED,
            actor=by,
            data={"from": self.status.value, "to": to.value, **data},
        )
        self.status = to

    @property
    def messages(self) -> int:
        return sum(step.direction is not None for step in self.steps)
