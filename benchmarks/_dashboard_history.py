"""The dashboard benchmark's history: one tenant's 90 days written by COPY, and the hour after.

What is written, and why it is written so, is in benchmarks/dashboard.py's docstring.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter, deque
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from operator import attrgetter
from types import TracebackType
from typing import Any, NamedTuple, Self
from zoneinfo import ZoneInfo

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from rich.console import Console
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel
from uuid_utils import uuid7

from benchmarks.access import PASSWORD
from core import local_sign_in, tenants, users
from core.clock import utcnow
from core.db import Database
from core.models import (
    AgentStateChange,
    AgentStatus,
    Channel,
    ClockOutcome,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    ConversationStatus,
    DeliveryStatus,
    EventType,
    IdentityKind,
    Interaction,
    InteractionState,
    Message,
    MessageDirection,
    OrgUnit,
    OrgUnitKind,
    PresenceState,
    Priority,
    Queue,
    Role,
    RoutingState,
    SlaClock,
    SlaMetric,
    Tier,
    User,
    ValueTier,
)
from core.models.social import (
    Monitor,
    MonitorHit,
    SentimentLabel,
    SocialNetwork,
    SocialPost,
    VolumeBucket,
)
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from core.seed.arrivals import CHANNELS, HOURLY, WEEKEND_FACTOR
from core.seed.rows import model_defaults
from core.social.volume import monitor_series

console = Console(stderr=True)
SECOND, MINUTE, HOUR, DAY = (timedelta(seconds=s) for s in (1, 60, 3_600, 86_400))
RUN_LOCAL_HOUR = 16
DESK_HOURS = (8, 21)  # written work is picked up in these local hours
NEW_EVENTS_PER_CONVERSATION = 7  # sizes the new hour's conversations (they are half told)
SUPERVISOR = "supervisor@bench.example.com"
Status = ConversationStatus
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Scale:
    """How much history to write, and how hard to measure."""

    conversations: int
    contacts: int
    days: int
    posts: int
    new_events: int
    calls: int  # timed callback calls per page
    probe_runs: int  # in-process runs of each KPI call for the breakdown on stderr (0: none)


FULL = Scale(1_000_000, 200_000, 90, 5_000, 10_000, 100, 5)
QUICK = Scale(20_000, 4_000, 10, 2_000, 2_000, 20, 0)

CATEGORIES: dict[str, tuple[int, str | None, float]] = {
    "billing": (22, "billing", 0.15),  # weight; the desk the front line escalates to; how often
    "network_fault": (16, "network", 0.5),
    "device_repair": (10, "back_office", 0.25),
    "complaint": (8, "complaints", 0.3),
    "complaint_complex": (2, "back_office", 0.6),
    "account_change": (14, "retention", 0.05),
    "roaming": (7, "network", 0.1),
    "broadband": (11, "network", 0.2),
    "feedback": (6, None, 0.0),
    "copyright": (4, "back_office", 1.0),
}
COMPLEX = {"network_fault", "device_repair", "copyright", "complaint_complex"}  # 7-day target
CATEGORY_NAMES, CATEGORY_WEIGHTS = list(CATEGORIES), [w for w, _, _ in CATEGORIES.values()]
CHANNEL_NAMES, CHANNEL_WEIGHTS = list(CHANNELS), list(CHANNELS.values())
VALUE_TIERS = {
    ValueTier.STANDARD: 70,
    ValueTier.SILVER: 15,
    ValueTier.GOLD: 10,
    ValueTier.DIAMOND: 4,
    ValueTier.VIP: 1,
}
HIGH_VALUE = {ValueTier.DIAMOND, ValueTier.VIP}
WRITTEN_EXCHANGES = (0, 1, 1, 2, 2, 3, 3)  # customer-agent rounds beyond the first reply
PHONE_EXCHANGES = (0, 0, 0, 1)
PRESENCE = {
    PresenceState.AVAILABLE: 40,
    PresenceState.BUSY: 40,
    PresenceState.WRAP_UP: 12,
    PresenceState.AWAY: 8,
}
INBOUND_TEXTS = (
    "My bill this month is much higher than usual, can you explain the roaming charges?",
    "There has been no signal at home since yesterday evening, what is going on?",
    "I would like to change my plan and keep my number.",
    "The replacement device you sent does not charge.",
    "Thanks, but the problem is back again this morning.",
    "I have been waiting for days, this is not acceptable.",
)
OUTBOUND_TEXTS = (
    "Thank you for getting in touch. I have checked your account and corrected the charge.",
    "Our engineers are working on the mast near you; service should be back within hours.",
    "I have changed your plan from the next billing cycle; your number stays the same.",
    "A courier will collect the device tomorrow and bring a tested replacement.",
    "Could you tell me when this started, and whether it happens everywhere?",
    "I am sorry for the wait. I have escalated this and will call you back today.",
)
MESSAGE_EVENTS = {
    MessageDirection.OUTBOUND: EventType.REPLIED,
    MessageDirection.NOTE: EventType.NOTE_ADDED,
}
HANDOFF_NOTE = "Handing over with the full history; identity checked."

# The two tables of millions of rows take positional tuples, in their tables' column order.
MESSAGE_COLUMNS = tuple(column.name for column in Message.__table__.columns)  # type: ignore[attr-defined]
EVENT_COLUMNS = tuple(column.name for column in ConversationEvent.__table__.columns)  # type: ignore[attr-defined]
PARENTS_FIRST = [table.name for table in SQLModel.metadata.sorted_tables]


def afternoon_zone(now: datetime) -> ZoneInfo:
    """A whole-hour zone in which ``now`` is between 16:00 and 17:00: the wallboard then shows
    a busy day so far, with agents on shift, whenever the benchmark runs."""
    offset = (RUN_LOCAL_HOUR - now.hour + 12) % 24 - 12
    return ZoneInfo(f"Etc/GMT{-offset:+d}")  # Etc/ names count the other way


def new_key() -> str:
    """A time-ordered id, as text (COPY takes it so, and it is cheaper than a uuid.UUID)."""
    return str(uuid7())


@dataclass(frozen=True, slots=True)
class Shape:
    """How a model's rows are copied: its table, columns, defaults and JSON columns."""

    table: str
    columns: tuple[str, ...]
    defaults: dict[str, Any]
    json: frozenset[str]

    @classmethod
    def of(cls, model: type[SQLModel]) -> Shape:
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        return cls(
            table.name,
            tuple(column.name for column in table.columns),
            model_defaults(model),
            frozenset(c.name for c in table.columns if isinstance(c.type, sa.JSON | JSONB)),
        )


class Copier:
    """One tenant's rows into tables by COPY, counted per table.

    ``parallel``: one connection per table, every stream open at once, so the server takes in
    rows while this process makes more (two cores), foreign-key triggers off. Otherwise rows
    are buffered, then copied parents first in one transaction with every check on.
    """

    def __init__(self, url: str, tenant_id: str, *, parallel: bool) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.tenant_id, self.parallel = tenant_id, parallel
        self.stack = ExitStack()
        self.shapes: dict[type[SQLModel], Shape] = {}
        self.streams: dict[str, psycopg.Copy] = {}
        self.buffered: dict[str, tuple[Sequence[str], list[Row]]] = {}
        self.rows: Counter[str] = Counter()

    def add(self, model: type[SQLModel], at: datetime, **values: Any) -> str:
        """A row of the model's table: its defaults, then ``values``; returns its id."""
        shape = self.shapes.get(model) or self.shapes.setdefault(model, Shape.of(model))
        row = {**shape.defaults, "tenant_id": self.tenant_id, "created_at": at, **values}
        row["id"] = values.get("id") or new_key()
        self.write(
            shape.table,
            shape.columns,
            tuple(Jsonb(row[c]) if c in shape.json else row[c] for c in shape.columns),
        )
        return str(row["id"])

    def write(self, table: str, columns: Sequence[str], row: Row) -> None:
        self.rows[table] += 1
        if not self.parallel:
            self.buffered.setdefault(table, (columns, []))[1].append(row)
            return
        stream = self.streams.get(table)
        if stream is None:
            stream = self.streams[table] = self._open(table, columns)
        stream.write_row(row)

    def _open(self, table: str, columns: Sequence[str]) -> psycopg.Copy:
        connection = self.stack.enter_context(psycopg.connect(self.url))
        connection.execute("SET session_replication_role = replica")
        connection.execute("SET synchronous_commit = off")
        cursor = self.stack.enter_context(connection.cursor())
        return self.stack.enter_context(cursor.copy(_copy_statement(table, columns)))

    def after(self, connection: psycopg.Connection[Any]) -> None:
        """Statements for the buffered transaction, after its rows (none here)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None or self.parallel:
            self.stack.__exit__(kind, error, trace)
            return
        with psycopg.connect(self.url) as connection:
            for table in sorted(self.buffered, key=_parent_rank):
                columns, rows = self.buffered[table]
                statement = _copy_statement(table, columns)
                with connection.cursor() as cursor, cursor.copy(statement) as stream:
                    for row in rows:
                        stream.write_row(row)
            self.after(connection)


def _copy_statement(table: str, columns: Sequence[str]) -> str:
    return f'COPY "{table}" ({", ".join(columns)}) FROM STDIN'


def _parent_rank(table: str) -> int:
    return PARENTS_FIRST.index(table)


@dataclass(frozen=True, slots=True)
class Desk:
    """A queue as the generator needs it: its tier and who works it."""

    id: str
    tier: Tier
    agents: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    org_unit_id: str


@dataclass(slots=True)
class Org:
    """HQ → 2 regions → 4 sites; a phone and a written desk per site, social care and two
    expert desks per region, six desks at headquarters: 20 queues, 206 agents."""

    phone: list[Desk]
    written: list[Desk]
    social: list[Desk]
    experts: dict[str, list[Desk]]  # billing, network: one per region
    hq: dict[str, Desk]
    agents: list[Agent]

    def entry(
        self, rng: random.Random, channel: Channel, category: str, english: bool, vip: bool
    ) -> tuple[Desk, int]:
        """Where a new contact first waits, and the site (so the region) it reached."""
        site = rng.randrange(len(self.phone))
        if vip:
            return self.hq["vip"], site
        if channel is Channel.SOCIAL:
            return self.social[site // 2], site
        if english:
            return self.hq["english"], site
        if channel is Channel.PHONE:
            roaming = category == "roaming" and rng.random() < 0.5
            return (self.hq["roaming"] if roaming else self.phone[site]), site
        complaint = category.startswith("complaint") and rng.random() < 0.5
        return (self.hq["complaints"] if complaint else self.written[site]), site

    def escalation(self, target: str, site: int) -> Desk:
        if target in self.experts:
            return self.experts[target][site // 2]
        return self.hq[target]


def build_org(copier: Copier, founded: datetime) -> Org:
    """Org units, queues with their service-level thresholds, and their agents (rows only)."""
    agents: list[Agent] = []
    serial = count(1)

    def unit(code: str, name: str, kind: OrgUnitKind, parent: str | None) -> str:
        return copier.add(OrgUnit, founded, name=name, code=code, kind=kind, parent_id=parent)

    def desk(
        name: str, unit_id: str, tier: Tier, channels: list[str], threshold: int, staff: int
    ) -> Desk:
        members = []
        for _ in range(staff):
            n = next(serial)
            agent_id = copier.add(
                User,
                founded,
                email=f"agent{n}@bench.example.com",
                name=f"Agent {n}",
                roles=[Role.AGENT.value],
                tier=tier,
                languages=["en" if name == "English line" else "zh"],
                org_unit_id=unit_id,
            )
            members.append(agent_id)
            agents.append(Agent(agent_id, unit_id))
        queue_id = copier.add(
            Queue,
            founded,
            name=name,
            org_unit_id=unit_id,
            tier=tier,
            channels=channels,
            service_level_seconds=threshold,
        )
        return Desk(queue_id, tier, tuple(members))

    hq = unit("HQ", "Headquarters", OrgUnitKind.HEADQUARTERS, None)
    regions = {
        name: unit(f"R{n}", f"Region {name}", OrgUnitKind.REGION, hq)
        for n, name in enumerate(("North", "South"), start=1)
    }
    parents = [region for region in regions.values() for _ in range(2)]
    cities = ("Harbin", "Dalian", "Guangzhou", "Shenzhen")
    sites = {
        city: unit(f"S{n}", city, OrgUnitKind.SITE, parents[n - 1])
        for n, city in enumerate(cities, start=1)
    }
    written, calls = ["email", "webform"], ["phone", "email", "webform"]
    return Org(
        phone=[desk(f"Phone {c}", s, Tier.L1, ["phone"], 20, 16) for c, s in sites.items()],
        written=[desk(f"Written {c}", s, Tier.L1, written, 3_600, 10) for c, s in sites.items()],
        social=[
            desk(f"Social care {r}", u, Tier.L1, ["social"], 1_800, 6) for r, u in regions.items()
        ],
        experts={
            kind: [
                desk(f"{kind.title()} experts {r}", u, Tier.L2, calls, 60, 10)
                for r, u in regions.items()
            ]
            for kind in ("billing", "network")
        },
        hq={
            "back_office": desk("Back office", hq, Tier.L3, written, 14_400, 12),
            "vip": desk("VIP desk", hq, Tier.L2, [*calls, "social"], 15, 8),
            "complaints": desk("Complaints desk", hq, Tier.L2, [*calls, "social"], 300, 8),
            "roaming": desk("Roaming line", hq, Tier.L1, ["phone"], 30, 8),
            "english": desk("English line", hq, Tier.L1, ["phone", "email"], 30, 8),
            "retention": desk("Retention", hq, Tier.L2, ["phone", "email"], 30, 6),
        },
        agents=agents,
    )


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    value_tier: ValueTier
    language: str
    identities: dict[Channel, str]  # the identity each channel reaches them at


def seed_contacts(
    copier: Copier, rng: random.Random, total: int, founded: datetime
) -> tuple[list[Customer], list[Customer]]:
    """Customers with a phone number and an email address, a fifth also on social media;
    everyone, and those on social."""
    tiers, weights = list(VALUE_TIERS), list(VALUE_TIERS.values())
    everyone, on_social = [], []
    for n in range(total):
        tier = rng.choices(tiers, weights)[0]
        language = "en" if rng.random() < 0.08 else "zh"
        contact_id = copier.add(
            Contact, founded, name=f"Customer {n}", value_tier=tier, language=language
        )
        addresses = {IdentityKind.PHONE: f"+86139{n:08d}", IdentityKind.EMAIL: f"c{n}@example.cn"}
        if rng.random() < 0.2:
            addresses[IdentityKind.SOCIAL] = f"x:customer{n}"
        ids = {
            kind: copier.add(
                ContactIdentity, founded, contact_id=contact_id, kind=kind, value=value
            )
            for kind, value in addresses.items()
        }
        email = ids[IdentityKind.EMAIL]
        reach = {Channel.PHONE: ids[IdentityKind.PHONE], Channel.EMAIL: email}
        reach[Channel.WEBFORM] = email
        if IdentityKind.SOCIAL in ids:
            reach[Channel.SOCIAL] = ids[IdentityKind.SOCIAL]
        everyone.append(Customer(contact_id, tier, language, reach))
        if Channel.SOCIAL in reach:
            on_social.append(everyone[-1])
    return everyone, on_social


class Step(NamedTuple):
    """One moment of a conversation: an event, a message (with its event, if any), or both."""

    at: datetime
    type: EventType | None
    actor: str | None = None
    data: str = "{}"
    direction: MessageDirection | None = None
    text: str = ""
    assignee: str | None = None  # "" takes the conversation off its assignee
    queue: Desk | None = None
    status: Status | None = None  # where a status change (or a reopening) leaves it


class Story:
    """A conversation's timeline as it would have gone; steps may lie beyond the cut."""

    __slots__ = ("status", "steps")

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.status = Status.NEW

    def event(self, at: datetime, type: EventType, data: str = "{}", **fields: Any) -> None:
        self.steps.append(Step(at, type, data=data, **fields))

    def say(self, at: datetime, direction: MessageDirection, by: str | None, text: str) -> None:
        self.steps.append(Step(at, MESSAGE_EVENTS.get(direction), by, "", direction, text))

    def assign(self, at: datetime, agent: str, queue: Desk, via: str) -> None:
        data = f'{{"assignee_id": "{agent}", "via": "{via}"}}'
        self.event(at, EventType.ASSIGNED, data, assignee=agent, queue=queue)

    def move(self, at: datetime, to: Status, by: str | None = None, reason: str = "") -> None:
        extra = f', "reason": "{reason}"' if reason else ""
        data = f'{{"from": "{self.status.value}", "to": "{to.value}"{extra}}}'
        self.event(at, EventType.STATUS_CHANGED, data, actor=by, status=to)
        self.status = to

    def reopen(self, at: datetime) -> None:
        self.event(at, EventType.REOPENED, status=Status.OPEN)
        self.status = Status.OPEN


@dataclass(frozen=True, slots=True)
class Recent:
    """A conversation as the history left it, for the new hour to continue."""

    id: str
    channel: Channel
    identity_id: str
    assignee: str | None
    queue: Desk | None
    site: int


class History:
    """Tells each conversation as it would have gone, cuts it at ``cut``, and writes the rows
    the services would have: conversation, messages, events, call leg, SLA clocks."""

    def __init__(
        self,
        org: Org,
        customers: tuple[list[Customer], list[Customer]],
        rng: random.Random,
        zone: ZoneInfo,
    ) -> None:
        self.org, self.rng, self.zone = org, rng, zone
        self.everyone, self.on_social = customers
        self.serial = count(1)
        self.open: deque[Recent] = deque(maxlen=5_000)  # the newest open ones
        self.resolved: deque[Recent] = deque(maxlen=2_000)  # the newest resolved ones

    def tell(
        self, copier: Copier, cut: datetime, number: int, at: datetime, channel: Channel
    ) -> None:
        """Conversation ``number``, arriving ``at`` on ``channel``, as it stands at ``cut``."""
        self.copier, self.cut, self.tenant, rng = copier, cut, copier.tenant_id, self.rng
        customer = rng.choice(self.on_social if channel is Channel.SOCIAL else self.everyone)
        category = rng.choices(CATEGORY_NAMES, CATEGORY_WEIGHTS)[0]
        vip = customer.value_tier in HIGH_VALUE
        queue, site = self.org.entry(rng, channel, category, customer.language == "en", vip)
        story = Story()
        story.event(at, EventType.CREATED, f'{{"channel": "{channel.value}", "number": {number}}}')
        story.say(at, MessageDirection.INBOUND, None, rng.choice(INBOUND_TEXTS))
        phone = channel is Channel.PHONE
        queued = at + (rng.randint(5, 40) if phone else 1) * SECOND
        story.event(queued, EventType.QUEUED, f'{{"queue_id": "{queue.id}"}}', queue=queue)
        conversation_id = new_key()
        if phone:
            taken = self._call(story, conversation_id, customer, queue, queued, vip)
        else:
            waited = rng.expovariate(1 / (10 if vip else 40)) * MINUTE
            agent = rng.choice(queue.agents)
            assigned = self._staffed(queued + waited)
            story.assign(assigned, agent, queue, "router")
            story.move(assigned, Status.OPEN, agent)
            done = assigned + rng.uniform(2, 25) * MINUTE
            story.say(done, MessageDirection.OUTBOUND, agent, rng.choice(OUTBOUND_TEXTS))
            taken = (agent, assigned, done)
        if taken is not None:
            agent, assigned, done = taken
            if rng.random() < (0.85 if phone else 0.4):
                verified = '{"method": "caller_number"}'
                story.event(assigned + 20 * SECOND, EventType.IDENTITY_VERIFIED, verified)
            agent, done = self._exchanges(story, agent, done, phone)
            agent, done = self._handoff(story, category, queue, site, agent, done)
            self._settle(story, agent, done)
        urgent = category.startswith("complaint") or vip
        given = {
            "id": conversation_id,
            "number": number,
            "contact_id": customer.id,
            "contact_identity_id": customer.identities[channel],
            "channel": channel,
            "subject": f"{category.replace('_', ' ').capitalize()} #{number}",
            "priority": Priority.HIGH if urgent else Priority.NORMAL,
            "category": category,
            "language": customer.language,
        }
        targets = [(SlaMetric.RESOLUTION, 7 * 86_400 if category in COMPLEX else 86_400)]
        if not phone:
            targets.insert(0, (SlaMetric.FIRST_RESPONSE, 3_600 if vip else 14_400))
        self._record(story, at, given, targets, site)

    def _call(
        self,
        story: Story,
        conversation_id: str,
        customer: Customer,
        queue: Desk,
        queued: datetime,
        vip: bool,
    ) -> tuple[str, datetime, datetime] | None:
        """A call leg (D20): answered and timed, or abandoned in the queue; who took it, when,
        and when its wrap-up ends. None if the caller hung up."""
        rng = self.rng
        wait = min(600, 3 + int(rng.expovariate(1 / (6 if vip else 15))))
        abandoned = rng.random() < 0.03 + wait / 2000
        talk, hold, wrap = 0, 0, 0
        if not abandoned:
            talk, wrap = rng.randint(60, 900), rng.randint(15, 180)
            hold = rng.choice((0, 0, rng.randint(10, 120)))
        agent = rng.choice(queue.agents)
        answered = queued + wait * SECOND  # or hung up
        ended = answered + (talk + hold) * SECOND
        who = None if abandoned else agent
        times, seconds = (queued, answered, ended), (talk, hold, wrap)
        self._write_call(conversation_id, customer, queue, who, times, seconds)
        if abandoned:
            story.move(answered, Status.CLOSED, reason="abandoned")
            return None
        story.assign(answered, agent, queue, "phone")
        story.move(answered, Status.OPEN, agent)
        reply = answered + rng.uniform(0.3, 0.9) * talk * SECOND
        story.say(reply, MessageDirection.OUTBOUND, agent, rng.choice(OUTBOUND_TEXTS))
        return agent, answered, ended + wrap * SECOND

    def _write_call(
        self,
        conversation_id: str,
        customer: Customer,
        queue: Desk,
        agent: str | None,
        times: tuple[datetime, datetime, datetime],
        seconds: tuple[int, int, int],
    ) -> None:
        """The interaction as it stands at the cut: waiting, talking, in wrap-up, or done.

        ``agent`` None: the caller hung up at ``answered``. ``times``: queued, answered, ended;
        ``seconds``: talk, hold, wrap-up."""
        queued, answered, ended = times
        talk, hold, wrap = seconds
        call: dict[str, Any] = {"state": InteractionState.ENDED, "ended_at": ended}
        if agent is None:
            call |= {"abandoned": True, "disposition": "abandoned"}
        else:
            call |= {
                "agent_id": agent,
                "answered_at": answered,
                "talk_seconds": talk,
                "hold_seconds": hold,
                "wrap_up_seconds": wrap,
                "wrap_up_started_at": ended,
                "wrap_up_ended_at": ended + wrap * SECOND,
                "disposition": "handled",
            }
        if ended > self.cut:
            waiting = agent is None or answered > self.cut
            call = {"state": InteractionState.QUEUED if waiting else InteractionState.ANSWERED}
            if not waiting:
                call |= {"agent_id": agent, "answered_at": answered}
        elif agent is not None and ended + wrap * SECOND > self.cut:
            call |= {"wrap_up_ended_at": None, "wrap_up_seconds": 0}
        self.copier.add(
            Interaction,
            queued,
            conversation_id=conversation_id,
            contact_id=customer.id,
            channel=Channel.PHONE,
            external_id=f"CA{next(self.serial):012d}{self.rng.getrandbits(40):010x}",
            queue_id=queue.id,
            queued_at=queued,
            **call,
        )

    def _exchanges(
        self, story: Story, agent: str, at: datetime, phone: bool
    ) -> tuple[str, datetime]:
        """Rounds of the customer writing and the agent answering, beyond the first reply."""
        rng = self.rng
        for _ in range(rng.choice(PHONE_EXCHANGES if phone else WRITTEN_EXCHANGES)):
            at += rng.uniform(10, 240) * MINUTE
            story.say(at, MessageDirection.INBOUND, None, rng.choice(INBOUND_TEXTS))
            at = self._staffed(at + rng.uniform(5, 90) * MINUTE)
            story.say(at, MessageDirection.OUTBOUND, agent, rng.choice(OUTBOUND_TEXTS))
        return agent, at

    def _handoff(
        self, story: Story, category: str, queue: Desk, site: int, agent: str, at: datetime
    ) -> tuple[str, datetime]:
        """Escalate to the experts the category needs (D1), or now and then transfer."""
        rng = self.rng
        _, target_name, chance = CATEGORIES[category]
        if target_name and queue.tier is Tier.L1 and rng.random() < chance:
            target = self.org.escalation(target_name, site)
            at += rng.uniform(2, 30) * MINUTE
            story.say(at, MessageDirection.NOTE, agent, HANDOFF_NOTE)
            data = handoff_data("escalation", queue, target, agent, None)
            story.event(at, EventType.ESCALATED, data, actor=agent, assignee="", queue=target)
            if target.tier is Tier.L3:
                story.move(at, Status.ON_HOLD, agent, reason="back_office")
            expert = rng.choice(target.agents)
            at = self._staffed(at + rng.expovariate(1 / 120) * MINUTE)
            story.assign(at, expert, target, "router")
            if story.status is Status.ON_HOLD:
                at = self._staffed(at + rng.uniform(2, 48) * HOUR)
                story.move(at, Status.OPEN, expert)
            at = self._staffed(at + rng.uniform(10, 240) * MINUTE)
            story.say(at, MessageDirection.OUTBOUND, expert, rng.choice(OUTBOUND_TEXTS))
            return expert, at
        if rng.random() < 0.05:
            colleague = rng.choice(queue.agents)
            at += rng.uniform(1, 15) * MINUTE
            data = handoff_data("transfer", queue, queue, agent, colleague)
            story.event(at, EventType.TRANSFERRED, data, actor=agent, assignee=colleague)
            at = self._staffed(at + rng.uniform(5, 60) * MINUTE)
            story.say(at, MessageDirection.OUTBOUND, colleague, rng.choice(OUTBOUND_TEXTS))
            return colleague, at
        return agent, at

    def _settle(self, story: Story, agent: str, at: datetime) -> None:
        """Perhaps a question to the customer; resolved (sometimes reopened); closed 3 days on."""
        rng = self.rng
        if rng.random() < 0.25:
            story.move(at, Status.PENDING, agent)
            at += rng.expovariate(1 / 180) * MINUTE
            story.say(at, MessageDirection.INBOUND, None, rng.choice(INBOUND_TEXTS))
            story.move(at, Status.OPEN)
            at = self._staffed(at + rng.uniform(5, 60) * MINUTE)
            story.say(at, MessageDirection.OUTBOUND, agent, rng.choice(OUTBOUND_TEXTS))
        if rng.random() < 0.012:  # stuck: waiting on a field engineer, or on the customer
            story.move(at + 5 * MINUTE, rng.choice((Status.ON_HOLD, Status.PENDING)), agent)
            return
        at = self._staffed(at + rng.expovariate(1 / 120) * MINUTE)
        story.move(at, Status.RESOLVED, agent)
        if rng.random() < 0.04:  # the customer writes back
            at += rng.uniform(2, 48) * HOUR
            story.reopen(at)
            story.say(at, MessageDirection.INBOUND, None, rng.choice(INBOUND_TEXTS))
            at = self._staffed(at + rng.uniform(10, 120) * MINUTE)
            story.say(at, MessageDirection.OUTBOUND, agent, rng.choice(OUTBOUND_TEXTS))
            at += rng.uniform(1, 10) * MINUTE
            story.move(at, Status.RESOLVED, agent)
        story.move(at + 3 * DAY, Status.CLOSED, reason="auto_close")

    def _staffed(self, at: datetime) -> datetime:
        """When written work waiting at ``at`` is picked up: desks work 08:00-21:00 local."""
        local = at.astimezone(self.zone)
        if DESK_HOURS[0] <= local.hour < DESK_HOURS[1]:
            return at
        opening = local.replace(hour=DESK_HOURS[0], minute=0, second=0, microsecond=0)
        if local.hour >= DESK_HOURS[1]:
            opening += DAY
        return opening.astimezone(UTC) + self.rng.uniform(0, 30) * MINUTE

    def _record(
        self,
        story: Story,
        at: datetime,
        given: dict[str, Any],
        targets: list[tuple[SlaMetric, int]],
        site: int,
    ) -> None:
        """Cut the story; write the conversation (``given`` columns and those its steps up to
        the cut leave), its clocks, messages and events."""
        cut, conversation_id = self.cut, given["id"]
        kept = sorted((step for step in story.steps if step.at <= cut), key=attrgetter("at"))
        state = _state_at_cut(kept)
        status, resolved = state["status"], state.pop("first_resolved")
        breaches = []
        for metric, target in targets:
            stopped = state["first_response_at"]
            if metric is SlaMetric.RESOLUTION:
                stopped = resolved or state["closed_at"]
            unmet = metric is SlaMetric.RESOLUTION and resolved is None
            kept += self._clock(conversation_id, at, metric, target, stopped, status, unmet)
            due = at + target * SECOND
            state[f"{metric.value}_due_at"] = None if stopped is not None else due
            if due <= (stopped or cut):
                breaches.append(due)
        kept.sort(key=attrgetter("at"))
        channel, identity, tenant = given["channel"], given["contact_identity_id"], self.tenant
        for step in kept:
            data = step.data
            if step.direction is not None:
                message_id = self._message(conversation_id, channel, identity, step)
                data = f'{{"message_id": "{message_id}"}}'
            if step.type is not None:
                row = (tenant, new_key(), step.at, conversation_id, step.type, step.at, step.actor)
                self.copier.write("conversation_event", EVENT_COLUMNS, (*row, data))
        queue: Desk | None = state.pop("queue")
        self.copier.add(
            Conversation,
            at,
            **given,
            **state,
            tier=queue.tier if queue else Tier.L1,
            queue_id=queue.id if queue else None,
            sla_breached_at=min(breaches, default=None),
            updated_at=kept[-1].at,
            routing_rank=-given["number"] if state["waiting_since"] else None,
        )
        assignee = state["assignee_id"]
        recent = Recent(conversation_id, channel, identity, assignee, queue, site)
        if status is Status.OPEN and assignee is not None:
            self.open.append(recent)
        elif status is Status.RESOLVED:
            self.resolved.append(recent)

    def _message(self, conversation_id: str, channel: Channel, identity: str, step: Step) -> str:
        inbound = step.direction is MessageDirection.INBOUND
        note = step.direction is MessageDirection.NOTE
        delivery = DeliveryStatus.DELIVERED
        if inbound or note:
            delivery = DeliveryStatus.RECEIVED if inbound else DeliveryStatus.NOT_APPLICABLE
        message_id = new_key()
        external_id = f"in-{next(self.serial):012d}" if inbound else None
        delivered = step.at + 5 * SECOND if delivery is DeliveryStatus.DELIVERED else None
        row: Row = (self.tenant, message_id, step.at, conversation_id, step.direction, channel)
        row += (step.actor, None if note else identity, external_id, None, step.text, None, "[]")
        row += (None if note else step.at, delivery, delivered, None)
        self.copier.write("message", MESSAGE_COLUMNS, row)
        return message_id

    def _clock(
        self,
        conversation_id: str,
        at: datetime,
        metric: SlaMetric,
        target: int,
        stopped: datetime | None,
        status: Status,
        cancelled: bool,
    ) -> list[Step]:
        """One SLA clock as the cut finds it (calendar time stands in for working time), and
        the events it recorded: started, met or breached. ``cancelled``: stopped unmet."""
        due, warn = at + target * SECOND, at + target * 0.8 * SECOND
        until = stopped or self.cut
        breached = due if due <= until else None
        outcome = None
        if stopped is not None:
            outcome = ClockOutcome.CANCELLED if cancelled else ClockOutcome.MET
            outcome = ClockOutcome.BREACHED if breached else outcome
        self.copier.add(
            SlaClock,
            at,
            conversation_id=conversation_id,
            metric=metric,
            target_seconds=target,
            started_at=at,
            elapsed_seconds=(until - at).total_seconds(),
            running_since=None if stopped is not None or status is Status.PENDING else at,
            due_at=due,
            warn_at=warn,
            warned_at=warn if warn <= until else None,
            breached_at=breached,
            stopped_at=stopped,
            outcome=outcome,
        )
        name = f'"metric": "{metric.value}", "level": 0'
        steps = [Step(at, EventType.SLA_STARTED, data=f'{{{name}, "policy": "Standard"}}')]
        if outcome is ClockOutcome.MET and stopped is not None:
            steps.append(Step(stopped, EventType.SLA_MET, data=f"{{{name}}}"))
        if breached is not None:
            steps.append(Step(breached, EventType.SLA_BREACHED, data=f"{{{name}}}"))
        return steps


def handoff_data(kind: str, source: Desk, target: Desk, agent: str, to_agent: str | None) -> str:
    """An escalation's or a transfer's event data, as core.handoffs records it."""
    return json.dumps(
        {
            "kind": kind,
            "from_queue_id": source.id,
            "to_queue_id": target.id,
            "from_agent_id": agent,
            "to_agent_id": to_agent,
            "from_tier": source.tier.value,
            "to_tier": target.tier.value,
        }
    )


def _state_at_cut(kept: list[Step]) -> dict[str, Any]:
    """The conversation's columns as its steps up to the cut leave them (and its queue, and
    its first resolution for the clocks)."""
    state: dict[str, Any] = dict.fromkeys(
        [
            "first_resolved",
            "resolved_at",
            "closed_at",
            "first_response_at",
            "last_message_at",
            "last_inbound_at",
            "assignee_id",
            "owner_id",
            "assigned_at",
            "queue",
            "waiting_since",
        ]
    )
    state |= {"status": Status.NEW, "identity_verified": False}
    counts = dict.fromkeys((EventType.REOPENED, EventType.TRANSFERRED, EventType.ESCALATED), 0)
    queued_at = None
    for step in kept:
        if step.status is not None:
            state["status"] = step.status
            if step.status is Status.RESOLVED:
                state["first_resolved"] = state["first_resolved"] or step.at
                state["resolved_at"] = step.at
            state["closed_at"] = step.at if step.status is Status.CLOSED else None
        if step.type in counts:
            counts[step.type] += 1
        if step.type is EventType.IDENTITY_VERIFIED:
            state["identity_verified"] = True
        if step.queue is not None:
            state["queue"], queued_at = step.queue, step.at
        if step.assignee is not None:
            state["assignee_id"] = step.assignee or None
            state["assigned_at"] = step.at if step.assignee else None
            state["owner_id"] = state["owner_id"] or state["assignee_id"]
        if step.direction is MessageDirection.OUTBOUND:
            state["first_response_at"] = state["first_response_at"] or step.at
        if step.direction is MessageDirection.INBOUND:
            state["last_inbound_at"] = step.at
        if step.direction in (MessageDirection.INBOUND, MessageDirection.OUTBOUND):
            state["last_message_at"] = step.at
    status = state["status"]
    if status not in (Status.RESOLVED, Status.CLOSED):
        state["resolved_at"] = None
    routing = RoutingState.UNROUTED
    if status in (Status.RESOLVED, Status.CLOSED):
        routing = RoutingState.DONE
    elif state["assignee_id"] is not None:
        routing = RoutingState.ASSIGNED
    elif state["queue"] is not None:
        routing, state["waiting_since"] = RoutingState.WAITING, queued_at
    state |= {
        "routing_state": routing,
        "reopen_count": counts[EventType.REOPENED],
        "transfer_count": counts[EventType.TRANSFERRED],
        "escalation_count": counts[EventType.ESCALATED],
    }
    return state


def arrivals(
    rng: random.Random, total: int, start: datetime, end: datetime, zone: ZoneInfo
) -> list[datetime]:
    """Arrival moments along the demo's intraday curve (tenant time), weekends lighter; sorted."""
    spans, weights = [], []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        begin, stop = max(hour, start), min(hour + HOUR, end)
        local = hour.astimezone(zone)
        weekday = WEEKEND_FACTOR if local.weekday() >= 5 else 1.0
        spans.append((begin, stop - begin))
        weights.append(HOURLY[local.hour] * weekday * ((stop - begin) / HOUR))
        hour += HOUR
    chosen = rng.choices(spans, weights, k=total)
    return sorted(begin + length * rng.random() for begin, length in chosen)


def seed_presence(
    copier: Copier, org: Org, rng: random.Random, start: datetime, end: datetime, zone: ZoneInfo
) -> None:
    """Each agent's presence periods: five 8-hour shifts a week, states changing every few
    minutes, offline between shifts; and their routing state now (the open period's)."""
    states, weights = list(PRESENCE), list(PRESENCE.values())
    first_day = start.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    for agent in org.agents:
        shift_hour, days_off = rng.choice((8, 13)), set(rng.sample(range(7), 2))
        state, since, day = PresenceState.OFFLINE, start, first_day
        while day < end:
            begin = (day + shift_hour * HOUR).astimezone(UTC)
            day += DAY
            if begin.astimezone(zone).weekday() in days_off or not start <= begin < end:
                continue
            finish, moment = begin + 8 * HOUR, begin
            while moment < finish and moment < end:
                state, since = rng.choices(states, weights)[0], moment
                moment = min(finish, moment + rng.uniform(5, 40) * MINUTE)
                period(copier, agent, state, since, moment if moment <= end else None)
            if finish <= end:
                state, since, back = PresenceState.OFFLINE, finish, finish + 16 * HOUR
                period(copier, agent, state, finish, back if back <= end else None)
        busy = int(state is PresenceState.BUSY)
        copier.add(
            AgentStatus,
            start,
            id=agent.id,
            state=state,
            state_since=since,
            load_phone=busy,
            load_email=2 * busy,
            load_webform=busy,
        )


def period(
    copier: Copier, agent: Agent, state: PresenceState, began: datetime, ended: datetime | None
) -> None:
    copier.add(
        AgentStateChange, began, user_id=agent.id, state=state, started_at=began, ended_at=ended
    )


MONITORS = (
    ("Network outage", '"no signal" OR outage OR "network down"', "network_fault"),
    ("Billing anger", "bill AND (overcharged OR scam OR refund)", "billing"),
    ("Brand mentions", "northwind OR @northwind_care", None),
)


def seed_social(
    copier: Copier, rng: random.Random, total: int, start: datetime, end: datetime
) -> str:
    """Three monitors, their matched posts (with a spike two days ago), the five-minute volume
    buckets intake keeps, and a few alerts per monitor; the first monitor's id."""
    monitors = [
        copier.add(Monitor, start, name=name, rule=rule, category=category)
        for name, rule, category in MONITORS
    ]
    spike, span = end - 2 * DAY, (end - start).total_seconds()
    volume: dict[tuple[str, datetime], list[int]] = {}
    for n in range(total):
        in_spike = rng.random() < 0.15
        posted = spike + rng.uniform(0, 3 * 3_600) * SECOND
        if not in_spike:
            posted = start + rng.uniform(0, span) * SECOND
        score = max(-1.0, min(1.0, rng.gauss(-0.6 if in_spike else -0.1, 0.45)))
        label = SentimentLabel.NEUTRAL
        if abs(score) > 0.3:
            label = SentimentLabel.NEGATIVE if score < 0 else SentimentLabel.POSITIVE
        followers, shares = int(rng.paretovariate(1.2) * 200), int(rng.paretovariate(1.5)) - 1
        hit = [monitors[0]] if in_spike else rng.sample(monitors, rng.choice((1, 1, 2)))
        post_id = copier.add(
            SocialPost,
            posted,
            network=SocialNetwork.X,
            external_id=f"x{n}",
            author_handle=f"user{n % 997}",
            author_name=f"User {n % 997}",
            author_followers=followers,
            text=INBOUND_TEXTS[n % len(INBOUND_TEXTS)],
            language="en",
            url=f"https://x.example/status/{n}",
            posted_at=posted,
            shares=shares,
            monitor_ids=hit,
            matched_terms=["outage"] if in_spike else ["northwind"],
            sentiment_score=score,
            sentiment_label=label,
        )
        negative = label is SentimentLabel.NEGATIVE
        for monitor_id in hit:
            copier.add(
                MonitorHit,
                posted,
                monitor_id=monitor_id,
                post_id=post_id,
                posted_at=posted,
                sentiment_score=score,
                negative=negative,
                author_followers=followers,
                shares=shares,
                influential=negative and followers >= 50_000,
            )
            minute = posted.minute - posted.minute % 5
            bucket = posted.replace(minute=minute, second=0, microsecond=0)
            tally = volume.setdefault((monitor_id, bucket), [0, 0])
            tally[0] += 1
            tally[1] += negative
    for (monitor_id, bucket), (posts, negatives) in sorted(volume.items()):
        series = monitor_series(monitor_id)
        counts = {"total": posts, "negative": negatives}
        copier.add(VolumeBucket, bucket, series=series, bucket_start=bucket, **counts)
    for monitor_id in monitors:
        seed_alerts(copier, monitor_id, spike, end)
    return monitors[0]


def seed_alerts(copier: Copier, monitor_id: str, spike: datetime, end: datetime) -> None:
    """Two spikes (one open, one resolved), an open negative share, an acknowledged influencer."""
    for kind, status, seen in (
        (AlertKind.VOLUME_SPIKE, AlertStatus.OPEN, spike),
        (AlertKind.VOLUME_SPIKE, AlertStatus.RESOLVED, end - 6 * DAY),
        (AlertKind.NEGATIVE_SHARE, AlertStatus.OPEN, spike + HOUR),
        (AlertKind.INFLUENCER, AlertStatus.ACKNOWLEDGED, end - DAY),
    ):
        copier.add(
            SocialAlert,
            seen,
            monitor_id=monitor_id,
            kind=kind,
            dedup_key=f"{kind.value}:{monitor_id}:{seen.timestamp():.0f}",
            status=status,
            severity=Severity.HIGH,
            title=f"{kind.value.replace('_', ' ').capitalize()} on the monitor",
            post_count=25,
            evaluations=3,
            first_seen_at=seen,
            last_seen_at=seen + HOUR,
            acknowledged_at=None if status is AlertStatus.OPEN else seen + HOUR,
            resolved_at=seen + 2 * HOUR if status is AlertStatus.RESOLVED else None,
        )


@dataclass(frozen=True, slots=True)
class Seeded:
    tenant_id: uuid.UUID
    monitor_id: str
    history: History
    rows: dict[str, int]

    @property
    def conversations(self) -> int:
        return self.rows["conversation"]


def seed_history(database: Database, scale: Scale, cut: datetime) -> Seeded:
    """The tenant, its supervisor, and ``scale``'s history up to ``cut``, written by COPY."""
    rng, zone = random.Random(8), afternoon_zone(cut + HOUR)
    start = cut - scale.days * DAY
    with database.system_unit() as session:
        tenant = tenants.create_tenant(session, slug="bench", name="Bench", timezone=zone.key)
        tenant_id = tenant.id
    with database.tenant_unit(tenant_id) as session:
        supervisor = users.create_user(
            session, email=SUPERVISOR, name="Supervisor", roles=[Role.SUPERVISOR]
        )
        local_sign_in.set_password(session, user=supervisor, password=PASSWORD)
    with Copier(database.url, str(tenant_id), parallel=True) as copier:
        founded = start - 30 * DAY
        org = build_org(copier, founded)
        customers = seed_contacts(copier, rng, scale.contacts, founded)
        seed_presence(copier, org, rng, start, cut, zone)
        monitor_id = seed_social(copier, rng, scale.posts, cut - 30 * DAY, cut)
        console.print(f"org, {scale.contacts:,} contacts, presence and social posts written")
        history = History(org, customers, rng, zone)
        moments = arrivals(rng, scale.conversations, start, cut, zone)
        channels = rng.choices(CHANNEL_NAMES, CHANNEL_WEIGHTS, k=len(moments))
        began = time.perf_counter()
        for number, (at, channel) in enumerate(zip(moments, channels, strict=True), start=1):
            history.tell(copier, cut, number, at, channel)
            if number % 100_000 == 0:
                rate = number / (time.perf_counter() - began)
                console.print(f"  {number:,} conversations ({rate:,.0f}/s)")
    console.print(_counts(copier.rows))
    return Seeded(tenant_id, monitor_id, history, copier.rows)


def _counts(rows: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {table}" for table, n in rows.items() if n)


def vacuum_analyze(database: Database, tables: Sequence[str] = ()) -> None:
    """What autovacuum would have done by now: hint bits, visibility map, statistics."""
    names = ", ".join(f'"{table}"' for table in tables)
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {names}")


class NewHour(Copier):
    """The hour after the history: the rows services add, then the updates they make."""

    def __init__(self, url: str, tenant_id: str) -> None:
        super().__init__(url, tenant_id, parallel=False)
        self.updates: list[tuple[str, Any]] = []  # statement, parameters

    def after(self, connection: psycopg.Connection[Any]) -> None:
        with connection.cursor() as cursor:
            for statement, values in self.updates:
                cursor.execute(statement, values)

    def event(
        self, recent: Recent, at: datetime, type: EventType, data: str = "{}", actor: Any = None
    ) -> None:
        row = (self.tenant_id, new_key(), at, recent.id, type, at, actor, data)
        self.write("conversation_event", EVENT_COLUMNS, row)

    def message(self, recent: Recent, at: datetime, agent: str | None) -> str:
        """The customer writes (no agent), or the agent answers."""
        message_id, inbound = new_key(), agent is None
        direction = MessageDirection.INBOUND if inbound else MessageDirection.OUTBOUND
        external_id = f"in-new-{message_id}" if inbound else None
        text = INBOUND_TEXTS[4] if inbound else OUTBOUND_TEXTS[0]
        delivery = DeliveryStatus.RECEIVED if inbound else DeliveryStatus.SENT
        row: Row = (self.tenant_id, message_id, at, recent.id, direction, recent.channel, agent)
        row += (recent.identity_id, external_id, None, text, None, "[]", at, delivery, None, None)
        self.write("message", MESSAGE_COLUMNS, row)
        return message_id


RESOLVE = """UPDATE conversation SET status = 'resolved', resolved_at = %(at)s,
    updated_at = %(at)s, routing_state = 'done' WHERE tenant_id = %(tenant)s AND id = %(id)s"""
STOP_CLOCKS = """UPDATE sla_clock SET stopped_at = %(at)s, running_since = NULL,
    outcome = CASE WHEN breached_at IS NULL THEN 'met' ELSE 'breached' END
    WHERE tenant_id = %(tenant)s AND conversation_id = %(id)s AND stopped_at IS NULL"""
REOPEN = """UPDATE conversation SET status = 'open', resolved_at = NULL,
    reopen_count = reopen_count + 1, routing_state = 'waiting', waiting_since = %(at)s,
    updated_at = %(at)s WHERE tenant_id = %(tenant)s AND id = %(id)s"""
ESCALATE = """UPDATE conversation SET queue_id = %(queue)s, assignee_id = NULL,
    routing_state = 'waiting', waiting_since = %(at)s, escalation_count = escalation_count + 1,
    updated_at = %(at)s WHERE tenant_id = %(tenant)s AND id = %(id)s"""


def add_new_hour(database: Database, seeded: Seeded, scale: Scale, start: datetime) -> int:
    """``scale.new_events`` events from ``start`` to now, as the services would write them:
    new conversations (most of the events), then replies, resolutions, escalations and
    reopenings of the history's newest conversations to make up the number."""
    history, rng = seeded.history, random.Random(9)
    now, number, tenant = utcnow(), seeded.conversations, str(seeded.tenant_id)
    with NewHour(database.url, tenant) as hour:
        total = scale.new_events // NEW_EVENTS_PER_CONVERSATION
        for at in arrivals(rng, total, start, now, history.zone):
            number += 1
            history.tell(hour, now, number, at, rng.choices(CHANNEL_NAMES, CHANNEL_WEIGHTS)[0])
        from_new = hour.rows["conversation_event"]
        while hour.rows["conversation_event"] < scale.new_events and history.open:
            at, roll = start + (now - start) * rng.random(), rng.random()
            if roll < 0.08 and history.resolved:
                reopen(hour, history.resolved.pop(), at)
            else:
                carry_on(hour, history, history.open.pop(), at, escalate=roll > 0.95)
        sequence = "UPDATE tenant SET conversation_seq = %s WHERE id = %s"
        hour.updates.append((sequence, (number, tenant)))
    console.print(f"the new hour: {_counts(hour.rows)} ({from_new:,} events of new ones)")
    return hour.rows["conversation_event"]


def reopen(hour: NewHour, recent: Recent, at: datetime) -> None:
    """The customer writes back to resolved work (as core.ingest does): reopened, in line."""
    hour.event(recent, at, EventType.REOPENED)
    hour.message(recent, at, None)
    hour.updates.append((REOPEN, {"at": at, "tenant": hour.tenant_id, "id": recent.id}))


def carry_on(
    hour: NewHour, history: History, recent: Recent, at: datetime, *, escalate: bool
) -> None:
    """An open conversation moves on: escalated, or answered and usually resolved."""
    agent, keys = recent.assignee, {"at": at, "tenant": hour.tenant_id, "id": recent.id}
    if escalate and recent.queue is not None and recent.queue.tier is Tier.L1:
        target = history.org.escalation("billing", recent.site)
        data = handoff_data("escalation", recent.queue, target, agent or "", None)
        hour.event(recent, at, EventType.ESCALATED, data, agent)
        hour.updates.append((ESCALATE, {**keys, "queue": target.id}))
        return
    message_id = hour.message(recent, at, agent)
    hour.event(recent, at, EventType.REPLIED, f'{{"message_id": "{message_id}"}}', agent)
    if history.rng.random() < 0.8:
        done = at + MINUTE
        resolved = '{"from": "open", "to": "resolved"}'
        hour.event(recent, done, EventType.STATUS_CHANGED, resolved, agent)
        hour.event(recent, done, EventType.SLA_MET, '{"metric": "resolution", "level": 0}')
        hour.updates += [(RESOLVE, {**keys, "at": done}), (STOP_CLOCKS, {**keys, "at": done})]
