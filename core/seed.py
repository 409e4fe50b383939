"""Demo data for one tenant: org tree, staff, queues, contacts and a month of conversations.

Rows go in as Core executemany inserts inside one system unit of work, so the default plan takes
seconds and a failed seed leaves nothing behind. Each conversation is first told as a story of
timestamped steps, cut at `now`, and only then turned into rows, so its status, counters,
messages, call leg and timeline events always agree.
"""

from __future__ import annotations

import itertools
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from faker import Faker
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from core import seed_texts as texts
from core.clock import as_utc, utcnow
from core.db import Database
from core.errors import ConflictError
from core.ids import new_id
from core.models import (
    AgentSkill,
    Channel,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    DeliveryStatus,
    EventType,
    IdentityKind,
    Interaction,
    InteractionState,
    Message,
    OrgUnit,
    OrgUnitKind,
    Priority,
    Queue,
    Role,
    Tenant,
    Tier,
    User,
    ValueTier,
)
from core.models import ConversationStatus as Status
from core.models import MessageDirection as Direction

Progress = Callable[[str, int, int], None]
Row = dict[str, Any]
T = TypeVar("T")
SECOND, MINUTE, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)

BATCH_SIZE = 1000  # rows per executemany
CHUNK_SIZE = 500  # contacts or conversations per flush and progress report
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
SITES = ("S-BJ", "S-TJ", "S-GZ", "S-SZ")
ORG_TREE = (  # code, name, kind, parent (D4)
    ("HQ", "Customer Service Headquarters", OrgUnitKind.HEADQUARTERS, None),
    ("R-N", "North Region Centre", OrgUnitKind.REGION, "HQ"),
    ("R-S", "South Region Centre", OrgUnitKind.REGION, "HQ"),
    ("S-BJ", "Beijing Site", OrgUnitKind.SITE, "R-N"),
    ("S-TJ", "Tianjin Site", OrgUnitKind.SITE, "R-N"),
    ("S-GZ", "Guangzhou Site", OrgUnitKind.SITE, "R-S"),
    ("S-SZ", "Shenzhen Site", OrgUnitKind.SITE, "R-S"),
)
MANAGERS = (  # role, how many, the org units they are spread over (D5)
    (Role.ADMIN, 1, ("HQ",)),
    (Role.SUPERVISOR, 2, ("R-N", "R-S")),
    (Role.TEAM_LEAD, 4, SITES),
    (Role.QA_INSPECTOR, 2, ("HQ",)),
    (Role.SOCIAL_MONITOR, 1, ("HQ",)),
    (Role.EXECUTIVE, 1, ("HQ",)),
)
FRONT_PHONE = "Front line – phone"
FRONT_WRITTEN = "Front line – written"
SOCIAL_CARE = "Social care"
EXPERT_NETWORK = "Expert – network faults"
EXPERT_BILLING = "Expert – billing disputes"
VIP_DESK = "VIP desk"
BACK_OFFICE = "Back office"
ANY_CHANNEL = [channel.value for channel in Channel]
QueueSpec = tuple[str, Tier, list[str], dict[str, int], int, str]
# name, tier, channels, required skills, service level seconds, org unit (D1)
QUEUES: tuple[QueueSpec, ...] = (
    (FRONT_PHONE, Tier.L1, ["phone"], {}, 20, "HQ"),
    (FRONT_WRITTEN, Tier.L1, ["email", "webform"], {}, 3600, "HQ"),
    (SOCIAL_CARE, Tier.L1, ["social"], {}, 1800, "HQ"),
    (EXPERT_NETWORK, Tier.L2, ANY_CHANNEL, {"network": 3}, 60, "R-N"),
    (EXPERT_BILLING, Tier.L2, ANY_CHANNEL, {"billing": 3}, 60, "R-S"),
    (VIP_DESK, Tier.L2, ANY_CHANNEL, {"customer:vip": 3}, 10, "HQ"),
    (BACK_OFFICE, Tier.L3, ["email", "webform"], {}, 14400, "HQ"),
)
FIRST_QUEUE = {Channel.PHONE: FRONT_PHONE, Channel.SOCIAL: SOCIAL_CARE}
CATEGORIES = {  # weight, where the front line hands it on, and how often (D1)
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
VALUE_TIERS = dict(zip(ValueTier, (70, 15, 9, 4, 2), strict=True))  # standard ... vip (D8)
SEGMENTS = {"consumer": 80, "business": 17, "government": 3}
CHANNELS = {Channel.PHONE: 45, Channel.EMAIL: 25, Channel.WEBFORM: 15, Channel.SOCIAL: 15}
# Relative arrivals per local hour: busy 9-12 and 14-18, quiet at night.
HOURLY = (0.2, 0.12, 0.08, 0.08, 0.08, 0.15, 0.35, 0.8, 1.6, 3.0, 3.4, 3.2,
          2.0, 2.2, 3.0, 3.3, 3.1, 2.7, 1.9, 1.5, 1.3, 1.0, 0.6, 0.35)  # fmt: skip
WEEKEND_FACTOR = 0.55
LONGEST_CALL = 25 * MINUTE  # calls start at least this long before now, so every leg has ended
AUTO_CLOSE_AFTER = timedelta(days=3)
IDENTITY_FOR = {Channel.PHONE: IdentityKind.PHONE, Channel.SOCIAL: IdentityKind.SOCIAL}
VERIFY_CHANCE = {IdentityKind.PHONE: 0.85, IdentityKind.EMAIL: 0.4, IdentityKind.SOCIAL: 0.1}
VERIFY_METHOD = {IdentityKind.PHONE: "caller_number", IdentityKind.EMAIL: "registered_email"}
EXTERNAL_ID = {
    Channel.PHONE: "CA{token}",
    Channel.EMAIL: "<{token}@mail.example.com>",
    Channel.WEBFORM: "wf_{token}",
    Channel.SOCIAL: "post_{token}",
}
INSERT_ORDER = (  # parents before children; the name of the SeedResult count, if any
    (OrgUnit, "org_units"),
    (User, "users"),
    (AgentSkill, ""),
    (Queue, "queues"),
    (Contact, "contacts"),
    (ContactIdentity, "identities"),
    (Conversation, "conversations"),
    (Message, "messages"),
    (Interaction, "interactions"),
    (ConversationEvent, "events"),
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
US_AREA_CODES = ("206", "212", "213", "312", "415", "617", "646", "702")


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
        taken = session.execute(sa.select(col(Tenant.id)).where(col(Tenant.slug) == slug)).first()
        if taken is not None:
            raise ConflictError(f"a tenant with slug {slug!r} already exists")
        seeder = _Seeder(session, plan, as_utc(now or utcnow()), progress or (lambda *_: None))
        return seeder.run(slug=slug, name=name)


def _defaults(model: type[SQLModel]) -> Row:
    """The model's own defaults for its optional columns; Core inserts would not apply them."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


@dataclass(frozen=True, slots=True)
class _Queue:
    id: uuid.UUID
    name: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class _Agent:
    id: uuid.UUID
    tier: Tier
    languages: list[str]
    skills: dict[str, int]


@dataclass(slots=True)
class _Contact:
    id: uuid.UUID
    language: str
    value_tier: ValueTier
    handle: str
    identities: dict[IdentityKind, uuid.UUID]


@dataclass(slots=True)
class _Step:
    """One moment of a conversation: an event, a message, or a message with its event."""

    at: datetime
    type: EventType | None = None
    actor: uuid.UUID | None = None
    data: dict[str, Any] = field(default_factory=dict)
    direction: Direction | None = None
    text: str = ""
    assignee: uuid.UUID | None = None
    queue: _Queue | None = None


class _Story:
    """A conversation's timeline as it would have happened, before it is cut at now."""

    def __init__(self) -> None:
        self.steps: list[_Step] = []
        self.status = Status.NEW

    def add(self, at: datetime, type: EventType | None, **fields: Any) -> None:
        self.steps.append(_Step(at, type, **fields))

    def say(self, at: datetime, direction: Direction, text: str, by: uuid.UUID | None) -> None:
        event = {Direction.OUTBOUND: EventType.REPLIED, Direction.NOTE: EventType.NOTE_ADDED}
        self.add(at, event.get(direction), actor=by, direction=direction, text=text)

    def assign(self, at: datetime, agent: uuid.UUID, queue: _Queue) -> None:
        data = {"user_id": str(agent), "queue_id": str(queue.id)}
        self.add(at, EventType.ASSIGNED, assignee=agent, data=data)

    def move(self, at: datetime, to: Status, by: uuid.UUID | None = None, **data: Any) -> None:
        data = {"from": self.status.value, "to": to.value, **data}
        self.add(at, EventType.STATUS_CHANGED, actor=by, data=data)
        self.status = to

    @property
    def messages(self) -> int:
        return sum(step.direction is not None for step in self.steps)


class _Seeder:
    """One seeding run: its random source, what it has created so far, and the row counts."""

    def __init__(self, session: Session, plan: SeedPlan, now: datetime, progress: Progress) -> None:
        self.session, self.plan, self.now, self.progress = session, plan, now, progress
        self.rng = random.Random(plan.seed)
        self.fakers = {"zh": Faker("zh_CN"), "en": Faker("en_US")}
        for faker in self.fakers.values():
            faker.seed_instance(plan.seed)
        self.tenant_id = new_id()
        self.window_start = now - timedelta(days=plan.days)
        self.founded = self.window_start - timedelta(days=90)
        self.org_ids: dict[str, uuid.UUID] = {}
        self.queues: dict[str, _Queue] = {}
        self.pools: dict[tuple[str, str], list[uuid.UUID]] = {}  # (queue, language) -> agents
        self.contacts: list[_Contact] = []
        self.taken: set[tuple[IdentityKind, str]] = set()
        self.tokens = itertools.count(1)
        self.counts = {f.name: 0 for f in fields(SeedResult) if f.name != "tenant_id"}
        self.pending: dict[type[SQLModel], list[Row]] = {}
        self.defaults: dict[type[SQLModel], Row] = {}
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.analyzed: set[str] = set()

    def run(self, *, slug: str, name: str) -> SeedResult:
        tenant = _defaults(Tenant) | {"id": self.tenant_id, "slug": slug, "name": name}
        tenant |= {"timezone": LOCAL_TZ.key, "locale": "zh-CN", "created_at": self.founded}
        try:
            self.session.execute(sa.insert(Tenant), [tenant])
        except sa.exc.IntegrityError as exc:  # a concurrent seed took the slug first
            raise ConflictError(f"a tenant with slug {slug!r} already exists") from exc
        self._org_units()
        self._queues(self._staff())
        self._contacts()
        numbered = self._conversations()
        self.session.execute(
            sa.update(Tenant)
            .where(col(Tenant.id) == self.tenant_id)
            .values(conversation_seq=numbered)
        )
        return SeedResult(tenant_id=self.tenant_id, **self.counts)

    def _row(self, model: type[SQLModel], at: datetime, **values: Any) -> Row:
        """A complete row of a tenant-owned table, queued for the next flush."""
        if model not in self.defaults:
            self.defaults[model] = _defaults(model)
        row = self.defaults[model] | {"tenant_id": self.tenant_id, "id": new_id(), "created_at": at}
        row.update(values)
        self.pending.setdefault(model, []).append(row)
        return row

    def _flush(self) -> None:
        """Insert the queued rows, parents first, by executemany straight on the tables.

        On PostgreSQL each table is analyzed after its first batch: foreign-key checks are planned
        once per connection, and planned on a table without statistics they may scan the whole
        tenant through a tenant-prefixed index on every check (minutes instead of seconds).
        """
        for model, counter in INSERT_ORDER:
            rows = self.pending.pop(model, [])
            table: sa.Table = model.__table__  # type: ignore[union-attr]
            for start in range(0, len(rows), BATCH_SIZE):
                self.session.execute(sa.insert(table), rows[start : start + BATCH_SIZE])
            if rows and self.postgres and table.name not in self.analyzed:
                self.analyzed.add(table.name)
                self.session.execute(sa.text(f'ANALYZE "{table.name}"'))
            if counter:
                self.counts[counter] += len(rows)

    def _org_units(self) -> None:
        for code, name, kind, parent in ORG_TREE:
            parent_id = self.org_ids[parent] if parent else None
            unit = self._row(
                OrgUnit, self.founded, name=name, code=code, kind=kind, parent_id=parent_id
            )
            self.org_ids[code] = unit["id"]
        self._flush()
        self.progress("org units", len(ORG_TREE), len(ORG_TREE))

    def _staff(self) -> list[_Agent]:
        """Managers by role (D5), then agents graded ~70% L1, ~25% L2, ~5% L3 with skills (D6)."""
        people: list[tuple[Role, str, Tier | None]] = [
            (role, orgs[i % len(orgs)], None) for role, n, orgs in MANAGERS for i in range(n)
        ]
        l3, l2 = max(1, round(self.plan.agents * 0.05)), max(1, round(self.plan.agents * 0.25))
        tiers = [Tier.L1] * (self.plan.agents - l2 - l3) + [Tier.L2] * l2 + [Tier.L3] * l3
        people += [(Role.AGENT, SITES[i % len(SITES)], tier) for i, tier in enumerate(tiers)]
        agents: list[_Agent] = []
        emails: set[str] = set()
        for index, (role, org, tier) in enumerate(people):
            surname, surname_pinyin = self.rng.choice(texts.SURNAMES)
            given, given_pinyin = self.rng.choice(texts.GIVEN_NAMES)
            local_part = f"{given_pinyin}.{surname_pinyin}"
            candidates = (f"{local_part}{n or ''}@northwind.example" for n in itertools.count())
            emails.add(email := next(e for e in candidates if e not in emails))
            bilingual = tier is None or index % 3 == 0 or self.rng.random() < 0.25
            languages = ["zh", "en"] if bilingual else ["zh"]
            user = self._row(
                User,
                self.founded,
                email=email,
                name=surname + given,
                roles=[role.value],
                tier=tier,
                languages=languages,
                org_unit_id=self.org_ids[org],
            )
            if tier is not None:
                agents.append(
                    _Agent(user["id"], tier, languages, self._skills(tier, index, languages))
                )
                for skill, level in agents[-1].skills.items():
                    self._row(
                        AgentSkill, self.founded, user_id=user["id"], skill=skill, level=level
                    )
        self._flush()
        self.progress("users", len(people), len(people))
        return agents

    def _skills(self, tier: Tier, index: int, languages: list[str]) -> dict[str, int]:
        """Juniors know a little of everything; each expert is strong in one specialty (D6)."""
        rng = self.rng
        if tier is Tier.L1:
            skills = {s: rng.randint(1, 3) for s in rng.sample(FRONT_SKILLS, rng.randint(3, 5))}
        elif tier is Tier.L2:
            skills = {s: rng.randint(2, 4) for s in rng.sample(FRONT_SKILLS, 2)}
            skills[EXPERT_SKILLS[index % len(EXPERT_SKILLS)]] = rng.randint(4, 5)
        else:
            skills = {
                "copyright": rng.randint(3, 5),
                "partnerships": rng.randint(3, 5),
                "device": 4,
            }
        for language in languages:
            skills[f"language:{language}"] = (
                rng.randint(4, 5) if language == "zh" else rng.randint(2, 5)
            )
        return skills

    def _queues(self, agents: list[_Agent]) -> None:
        """The queues, and for each queue and language the agents routing may pick from."""
        for name, tier, channels, required, service_level, org in QUEUES:
            queue = self._row(
                Queue,
                self.founded,
                name=name,
                org_unit_id=self.org_ids[org],
                tier=tier,
                channels=channels,
                required_skills=required,
                service_level_seconds=service_level,
            )
            self.queues[name] = _Queue(queue["id"], name, tier)
            same_tier = [a for a in agents if a.tier is tier]
            able = [
                a for a in same_tier if all(a.skills.get(s, 0) >= v for s, v in required.items())
            ]
            for language in ("zh", "en"):
                speakers = [a.id for a in able or same_tier if language in a.languages]
                self.pools[(name, language)] = speakers or [a.id for a in able or same_tier]
        self._flush()
        self.progress("queues", len(QUEUES), len(QUEUES))

    def _contacts(self) -> None:
        """Customers, ~60% zh and 40% en: each has a phone, most an email, some social or web ids."""
        rng, total = self.rng, self.plan.contacts
        for done in range(1, total + 1):
            language = "zh" if rng.random() < 0.6 else "en"
            fake = self.fakers[language]
            if language == "zh":
                name, handle = fake.name(), fake.user_name()
            else:
                first, last = fake.first_name(), fake.last_name()
                name, handle = f"{first} {last}", f"{first}.{last}"
            segment, value_tier = self._weighted(SEGMENTS), self._weighted(VALUE_TIERS)
            at = self.founded + (self.window_start - self.founded) * rng.random()
            attributes = {
                "plan": rng.choice(texts.PLANS[segment]),
                "account_no": f"NW{rng.randrange(10**10):010d}",
                "city": rng.choice(texts.CITIES)[0 if language == "zh" else 1],
                "customer_since": rng.randint(2005, self.now.year),
            }
            row = self._row(
                Contact,
                at,
                name=name,
                value_tier=value_tier,
                segment=segment,
                language=language,
                attributes=attributes,
                updated_at=at,
            )
            handle = re.sub(r"[^a-z0-9._]", "", handle.lower()).strip(".") or "customer"
            contact = _Contact(row["id"], language, value_tier, handle, {})
            self.contacts.append(contact)
            self._phone(contact, at)
            if rng.random() < (0.7 if language == "zh" else 0.9):
                self._email(contact, at)
            if rng.random() < 0.2:
                self._social(contact, at)
            if rng.random() < 0.3:
                value = self._free(IdentityKind.WEB, lambda _: f"wv_{rng.getrandbits(64):016x}")
                self._identity(contact, at, IdentityKind.WEB, value, None)
            if done % CHUNK_SIZE == 0 or done == total:
                self._flush()
                self.progress("contacts", done, total)

    def _free(self, kind: IdentityKind, candidate: Callable[[int], str]) -> str:
        """The first candidate no identity of this kind has yet: values are unique per tenant."""
        attempt = 0
        while (kind, value := candidate(attempt)) in self.taken:
            attempt += 1
        self.taken.add((kind, value))
        return value

    def _identity(
        self, contact: _Contact, at: datetime, kind: IdentityKind, value: str, display: str | None
    ) -> None:
        verified = kind is IdentityKind.PHONE or (
            kind is IdentityKind.EMAIL and self.rng.random() < 0.6
        )
        identity = self._row(
            ContactIdentity,
            at,
            contact_id=contact.id,
            kind=kind,
            value=value,
            display=display,
            verified=verified,
        )
        contact.identities[kind] = identity["id"]

    def _phone(self, contact: _Contact, at: datetime) -> None:
        """E.164: +86 mobile numbers for zh contacts, +1 (area) 555 numbers for en contacts."""
        rng = self.rng
        if contact.language == "zh":
            value = self._free(
                IdentityKind.PHONE, lambda _: f"+861{rng.choice('35789')}{rng.randrange(10**9):09d}"
            )
            display = f"{value[3:6]} {value[6:10]} {value[10:]}"
        else:
            value = self._free(
                IdentityKind.PHONE,
                lambda _: f"+1{rng.choice(US_AREA_CODES)}555{rng.randrange(10**4):04d}",
            )
            display = f"({value[2:5]}) {value[5:8]}-{value[8:]}"
        self._identity(contact, at, IdentityKind.PHONE, value, display)

    def _email(self, contact: _Contact, at: datetime) -> None:
        domain = self.rng.choice(EMAIL_DOMAINS)
        value = self._free(IdentityKind.EMAIL, lambda n: f"{contact.handle}{n or ''}@{domain}")
        self._identity(contact, at, IdentityKind.EMAIL, value, value)

    def _social(self, contact: _Contact, at: datetime) -> None:
        network = "weibo" if contact.language == "zh" else "x"
        value = self._free(IdentityKind.SOCIAL, lambda n: f"{network}:{contact.handle}{n or ''}")
        self._identity(contact, at, IdentityKind.SOCIAL, value, "@" + value.partition(":")[2])

    def _arrivals(self) -> list[tuple[datetime, Channel]]:
        """Arrival times over the window along the intraday curve, weekends lighter; sorted."""
        rng, slots = self.rng, []
        hour = self.window_start.replace(minute=0, second=0, microsecond=0)
        while hour < self.now:
            begin, end = max(hour, self.window_start), min(hour + HOUR, self.now)
            local = hour.astimezone(LOCAL_TZ)
            weight = HOURLY[local.hour] * (WEEKEND_FACTOR if local.weekday() >= 5 else 1.0)
            slots.append((begin, end, weight * ((end - begin) / HOUR)))
            hour += HOUR
        scale = self.plan.days * self.plan.conversations_per_day / sum(w for _, _, w in slots)
        arrivals = []
        for begin, end, weight in slots:
            for _ in range(int(weight * scale + rng.random())):
                at = begin + (end - begin) * rng.random()
                channel = self._weighted(CHANNELS)
                if channel is Channel.PHONE and at > self.now - LONGEST_CALL:
                    at = self.now - LONGEST_CALL - 35 * MINUTE * rng.random()
                arrivals.append((at, channel))
        return sorted(arrivals, key=lambda arrival: arrival[0])

    def _conversations(self) -> int:
        """Number conversations 1..N in arrival order, flushing every chunk; returns N."""
        rng, arrivals = self.rng, self._arrivals()
        weights = [min(rng.paretovariate(1.8), 20) * (2 + c.value_tier.rank) for c in self.contacts]
        everyone = (self.contacts, list(itertools.accumulate(weights)))
        social = [
            (c, w)
            for c, w in zip(self.contacts, weights, strict=True)
            if IdentityKind.SOCIAL in c.identities
        ]
        on_social = ([c for c, _ in social], list(itertools.accumulate(w for _, w in social)))
        for number, (at, channel) in enumerate(arrivals, start=1):
            if channel is Channel.SOCIAL and not social:
                channel = Channel.PHONE
            population, cumulative = on_social if channel is Channel.SOCIAL else everyone
            self._conversation(
                number, at, channel, rng.choices(population, cum_weights=cumulative)[0]
            )
            if number % CHUNK_SIZE == 0 or number == len(arrivals):
                self._flush()
                self.progress("conversations", number, len(arrivals))
        return len(arrivals)

    def _conversation(self, number: int, at: datetime, channel: Channel, contact: _Contact) -> None:
        """One customer matter told as a story (D12): queue, answer, hand off, resolve, close."""
        rng, lang = self.rng, contact.language
        category = self._weighted({name: weight for name, (weight, _, _) in CATEGORIES.items()})
        subject, opener = rng.choice(texts.OPENERS[category][lang]).split(" | ")
        kind = IDENTITY_FOR.get(channel, IdentityKind.EMAIL)
        if kind not in contact.identities:  # writes in from an address we did not have yet
            self._email(contact, at)
        vip = contact.value_tier.rank >= ValueTier.DIAMOND.rank
        queue = self.queues[VIP_DESK if vip else FIRST_QUEUE.get(channel, FRONT_WRITTEN)]
        first_response_due = None if channel is Channel.PHONE else at + (1 if vip else 4) * HOUR
        conversation = self._row(
            Conversation,
            at,
            number=number,
            contact_id=contact.id,
            contact_identity_id=contact.identities[kind],
            channel=channel,
            subject=subject,
            category=category,
            language=lang,
            priority=self._priority(category, contact),
            first_response_due_at=first_response_due,
            resolution_due_at=at + timedelta(days=7 if category in COMPLEX_CATEGORIES else 1),
        )
        story = _Story()
        story.add(at, EventType.CREATED, data={"channel": channel.value, "number": number})
        story.say(at, Direction.INBOUND, opener, None)
        queued_at = at + (rng.randint(5, 40) if channel is Channel.PHONE else 1) * SECOND
        story.add(queued_at, EventType.QUEUED, queue=queue, data={"queue_id": str(queue.id)})
        agent = rng.choice(self.pools[(queue.name, lang)])
        answered = self._answer(story, conversation, queue, agent, queued_at, vip)
        if answered is not None:
            assigned_at, reply_at, done_at = answered
            verified = rng.random() < VERIFY_CHANCE[kind]
            if verified:
                data = {"method": VERIFY_METHOD.get(kind, "account_digits")}
                story.add(
                    assigned_at + 20 * SECOND, EventType.IDENTITY_VERIFIED, actor=agent, data=data
                )
            reply = rng.choice(texts.AGENT_REPLIES[category][lang])
            story.say(reply_at, Direction.OUTBOUND, reply, agent)
            handoff = self._handoff(story, category, queue, agent, lang, done_at, verified, subject)
            solved_on_call = channel is Channel.PHONE and handoff == (agent, done_at)
            self._settle(story, lang, *handoff, solved_on_call=solved_on_call)
        self._record(conversation, story)

    def _answer(
        self,
        story: _Story,
        conversation: Row,
        queue: _Queue,
        agent: uuid.UUID,
        queued_at: datetime,
        vip: bool,
    ) -> tuple[datetime, datetime, datetime] | None:
        """The agent takes it: a call is answered, or written work is picked up in desk hours.

        Returns when it was taken, when the first reply went out and when this first contact was
        done; None if the caller hung up while queued.
        """
        rng = self.rng
        if conversation["channel"] is Channel.PHONE:
            call = self._call(conversation, queue, agent, queued_at)
            if call["abandoned"]:
                story.move(call["ended_at"], Status.CLOSED, reason="abandoned")
                return None
            assigned_at = call["answered_at"]
            reply_at = assigned_at + rng.uniform(0.3, 0.9) * call["talk_seconds"] * SECOND
            done_at = call["ended_at"] + call["wrap_up_seconds"] * SECOND
        else:
            waited = rng.expovariate(1 / (10 if vip else 40)) * MINUTE
            assigned_at = self._staffed(queued_at + waited)
            done_at = reply_at = assigned_at + rng.uniform(2, 25) * MINUTE
        story.assign(assigned_at, agent, queue)
        story.move(assigned_at, Status.OPEN, agent)
        return assigned_at, reply_at, done_at

    def _settle(
        self, story: _Story, lang: str, assignee: uuid.UUID, at: datetime, *, solved_on_call: bool
    ) -> None:
        """From the last reply on: maybe a question to the customer, then resolve, reopen, close."""
        rng = self.rng
        if story.messages < 5 and rng.random() < 0.1:
            story.say(at + MINUTE, Direction.NOTE, rng.choice(texts.NOTES[lang]), assignee)
        if story.messages <= 3 and rng.random() < 0.3:  # asks the customer something; they answer
            story.move(at, Status.PENDING, assignee)
            at += rng.expovariate(1 / 180) * MINUTE
            story.say(at, Direction.INBOUND, rng.choice(texts.FOLLOW_UPS[lang]), None)
            story.move(at, Status.OPEN)
            at = self._staffed(at + rng.uniform(5, 60) * MINUTE)
            story.say(at, Direction.OUTBOUND, rng.choice(texts.CLOSINGS[lang]), assignee)
            solved_on_call = False
        if rng.random() < 0.04:  # stuck: waiting on a field engineer or on the customer
            story.move(at + 5 * MINUTE, rng.choice((Status.ON_HOLD, Status.PENDING)), assignee)
            return
        confirmed = rng.uniform(0, 2) if solved_on_call else rng.expovariate(1 / 240)
        at = self._staffed(at + confirmed * MINUTE)
        story.move(at, Status.RESOLVED, assignee)
        if story.messages <= 3 and rng.random() < 0.04:  # the customer writes back: reopened
            at += rng.uniform(2, 48) * HOUR
            story.add(at, EventType.REOPENED)
            story.say(at, Direction.INBOUND, rng.choice(texts.FOLLOW_UPS[lang]), None)
            story.status = Status.OPEN
            at = self._staffed(at + rng.uniform(10, 120) * MINUTE)
            story.say(at, Direction.OUTBOUND, rng.choice(texts.CLOSINGS[lang]), assignee)
            at += rng.uniform(1, 10) * MINUTE
            story.move(at, Status.RESOLVED, assignee)
        story.move(at + AUTO_CLOSE_AFTER, Status.CLOSED, reason="auto_close")

    def _handoff(
        self,
        story: _Story,
        category: str,
        queue: _Queue,
        agent: uuid.UUID,
        lang: str,
        at: datetime,
        verified: bool,
        subject: str,
    ) -> tuple[uuid.UUID, datetime]:
        """Escalate to experts with a handoff note (D1, D2), or rarely transfer; who has it, when."""
        rng, replies = self.rng, texts.AGENT_REPLIES[category][lang]
        _, target_name, chance = CATEGORIES[category]
        target = self.queues[target_name] if target_name else None
        if target and (queue.tier is Tier.L1 or target.tier is Tier.L3) and rng.random() < chance:
            at += rng.uniform(2, 30) * MINUTE
            yes, no = texts.YES_NO[lang]
            note = rng.choice(texts.HANDOFF_NOTES[lang])
            note = note.format(queue=target.name, summary=subject, verified=yes if verified else no)
            story.say(at, Direction.NOTE, note, agent)
            data = {
                "from_queue_id": str(queue.id),
                "to_queue_id": str(target.id),
                "from_tier": queue.tier.value,
                "to_tier": target.tier.value,
                "summary": subject,
                "identity_verified": verified,
            }
            story.add(at, EventType.ESCALATED, actor=agent, queue=target, data=data)
            if target.tier is Tier.L3:
                story.move(at, Status.ON_HOLD, agent, reason="back_office")
            expert = rng.choice(self.pools[(target.name, lang)])
            at = self._staffed(at + rng.expovariate(1 / 120) * MINUTE)
            story.assign(at, expert, target)
            if story.status is Status.ON_HOLD:  # the back office works offline, then reports back
                at = self._staffed(at + rng.uniform(2, 48) * HOUR)
                story.move(at, Status.OPEN, expert)
            at = self._staffed(at + rng.uniform(10, 240) * MINUTE)
            story.say(at, Direction.OUTBOUND, rng.choice(replies), expert)
            return expert, at
        colleagues = [other for other in self.pools[(queue.name, lang)] if other != agent]
        if colleagues and rng.random() < 0.05:
            colleague, at = rng.choice(colleagues), at + rng.uniform(1, 15) * MINUTE
            data = {
                "from_user_id": str(agent),
                "to_user_id": str(colleague),
                "queue_id": str(queue.id),
            }
            story.add(at, EventType.TRANSFERRED, actor=agent, assignee=colleague, data=data)
            at = self._staffed(at + rng.uniform(5, 60) * MINUTE)
            story.say(at, Direction.OUTBOUND, rng.choice(replies), colleague)
            return colleague, at
        return agent, at

    def _record(self, conversation: Row, story: _Story) -> None:
        """Cut the story at now; derive the conversation's columns, messages and events from it."""
        kept = sorted((step for step in story.steps if step.at <= self.now), key=lambda s: s.at)
        status, queue, assignee, owner, verified = Status.NEW, None, None, None, False
        resolved = closed = first_response = last_message = last_inbound = None
        counts = dict.fromkeys((EventType.REOPENED, EventType.TRANSFERRED, EventType.ESCALATED), 0)
        for step in kept:
            if step.type is EventType.STATUS_CHANGED:
                status = Status(step.data["to"])
                resolved = step.at if status is Status.RESOLVED else resolved
                closed = step.at if status is Status.CLOSED else None
            elif step.type is EventType.REOPENED:
                status, resolved = Status.OPEN, None
            if step.type in counts:
                counts[step.type] += 1
            queue, assignee = step.queue or queue, step.assignee or assignee
            owner = owner or step.assignee  # the agent who took it owns the outcome (D3)
            verified = verified or step.type is EventType.IDENTITY_VERIFIED
            if step.direction is Direction.OUTBOUND:
                first_response = first_response or step.at
            if step.direction is Direction.INBOUND:
                last_inbound = step.at
            if step.direction in (Direction.INBOUND, Direction.OUTBOUND):
                last_message = step.at
        breached = []
        for target, met_at in (
            ("first_response", first_response),
            ("resolution", resolved or closed),
        ):
            due = conversation[f"{target}_due_at"]
            if due is not None and (met_at or self.now) > due:
                breached.append(due)
                kept.append(_Step(due, EventType.SLA_BREACHED, data={"target": target}))
        kept.sort(key=lambda step: step.at)
        conversation.update(
            status=status,
            queue_id=queue.id if queue else None,
            tier=queue.tier if queue else Tier.L1,
            assignee_id=assignee,
            owner_id=owner,
            identity_verified=verified,
            first_response_at=first_response,
            resolved_at=resolved,
            closed_at=closed,
            last_message_at=last_message,
            last_inbound_at=last_inbound,
            sla_breached_at=min(breached, default=None),
            reopen_count=counts[EventType.REOPENED],
            transfer_count=counts[EventType.TRANSFERRED],
            escalation_count=counts[EventType.ESCALATED],
            updated_at=kept[-1].at,
        )
        for step in kept:
            if step.direction is not None:
                message = self._message(conversation, step)
                if step.type is not None:
                    step.data["message_id"] = str(message["id"])
            if step.type is not None:
                self._row(
                    ConversationEvent,
                    step.at,
                    conversation_id=conversation["id"],
                    type=step.type,
                    occurred_at=step.at,
                    actor_user_id=step.actor,
                    data=step.data,
                )

    def _message(self, conversation: Row, step: _Step) -> Row:
        """A message whose direction, delivery status and addresses agree with one another."""
        inbound, note = step.direction is Direction.INBOUND, step.direction is Direction.NOTE
        status, delivered_at = DeliveryStatus.SENT, None
        delivery = step.at + self.rng.randint(1, 30) * SECOND
        if inbound:
            status = DeliveryStatus.RECEIVED
        elif note:
            status = DeliveryStatus.NOT_APPLICABLE
        elif delivery <= self.now and self.rng.random() < 0.85:
            status, delivered_at = DeliveryStatus.DELIVERED, delivery
        channel = conversation["channel"]
        return self._row(
            Message,
            step.at,
            conversation_id=conversation["id"],
            direction=step.direction,
            channel=channel,
            author_user_id=None if inbound else step.actor,
            contact_identity_id=None if note else conversation["contact_identity_id"],
            external_id=EXTERNAL_ID[channel].format(token=self._token()) if inbound else None,
            text=step.text,
            sent_at=None if note else step.at,
            delivery_status=status,
            delivered_at=delivered_at,
        )

    def _call(self, conversation: Row, queue: _Queue, agent: uuid.UUID, queued_at: datetime) -> Row:
        """One ended call leg (D20): answered and timed, or abandoned while queued."""
        rng, sid = self.rng, f"CA{self._token()}"
        wait = min(600, 5 + int(rng.expovariate(1 / 40)))
        abandoned = rng.random() < 0.04 + wait / 1500
        talk, hold, wrap = 0, 0, 0
        if not abandoned:
            talk, wrap = rng.randint(60, 900), rng.randint(15, 180)
            hold = rng.choice((0, 0, rng.randint(10, 120)))
        return self._row(
            Interaction,
            queued_at,
            conversation_id=conversation["id"],
            channel=Channel.PHONE,
            external_id=sid,
            queue_id=queue.id,
            agent_id=None if abandoned else agent,
            state=InteractionState.ENDED,
            queued_at=queued_at,
            answered_at=None if abandoned else queued_at + wait * SECOND,
            ended_at=queued_at + (wait + talk + hold) * SECOND,
            talk_seconds=talk,
            hold_seconds=hold,
            wrap_up_seconds=wrap,
            abandoned=abandoned,
            recording_url=None if abandoned else f"https://recordings.northwind.example/{sid}.mp3",
            disposition="abandoned" if abandoned else "handled",
        )

    def _weighted(self, weights: dict[T, int]) -> T:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _priority(self, category: str, contact: _Contact) -> Priority:
        """Complaints high, feedback low, some faults urgent; valuable customers one up (D8)."""
        rank = {"feedback": 0, "complaint": 2}.get(category, 1)
        if category == "network_fault" and self.rng.random() < 0.1:
            rank = 3
        bump = contact.value_tier.rank >= ValueTier.GOLD.rank
        return list(Priority)[min(3, rank + bump)]

    def _staffed(self, at: datetime) -> datetime:
        """When written work from `at` is picked up: desks are staffed 08:00-21:00 local time."""
        local = at.astimezone(LOCAL_TZ)
        if 8 <= local.hour < 21:
            return at
        opening = local.replace(hour=8, minute=0, second=0, microsecond=0)
        if local.hour >= 21:
            opening += timedelta(days=1)
        return opening.astimezone(UTC) + 45 * MINUTE * self.rng.random()

    def _token(self) -> str:
        """A provider-style id, unique through its counter prefix."""
        return f"{next(self.tokens):07d}{self.rng.getrandbits(48):012x}"
