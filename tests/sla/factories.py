"""Small factories for SLA tests: calendars, policies, org trees, conversations at a given time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col

from core import contacts, org_units, queues, users
from core.conversations import open_conversation
from core.db import Database
from core.models import Channel, ConversationEvent, EventType, IdentityKind, OrgUnitKind, Role
from core.models.contact import ContactIdentity, ValueTier
from core.models.conversation import Conversation, Priority
from core.models.sla import SlaClock, SlaMetric
from core.sla import calendars, hooks, policies

SHANGHAI = "Asia/Shanghai"
OFFICE_WEEK = {str(day): [["09:00", "18:00"]] for day in range(5)}


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(SHANGHAI))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def office_calendar(database: Database, tenant_id: uuid.UUID, *, default: bool = True) -> uuid.UUID:
    """Monday to Friday, 09:00-18:00 in Shanghai."""
    with database.tenant_unit(tenant_id) as session:
        record = calendars.create_calendar(
            session, name=unique("office"), timezone=SHANGHAI, weekly=OFFICE_WEEK,
            is_default=default,
        )  # fmt: skip
        return record.id


def policy(database: Database, tenant_id: uuid.UUID, **fields: Any) -> uuid.UUID:
    with database.tenant_unit(tenant_id) as session:
        return policies.create_policy(
            session, name=fields.pop("name", unique("policy")), **fields
        ).id


@dataclass(frozen=True)
class OrgTree:
    """Headquarters → region → site, each with a queue serving email, and the site's lead."""

    hq_queue: uuid.UUID
    region_queue: uuid.UUID
    site_queue: uuid.UUID
    site: uuid.UUID
    site_lead_email: str


def org_tree(database: Database, tenant_id: uuid.UUID) -> OrgTree:
    with database.tenant_unit(tenant_id) as session:
        parent: uuid.UUID | None = None
        queue_ids: list[uuid.UUID] = []
        unit_ids: list[uuid.UUID] = []
        for kind in (OrgUnitKind.HEADQUARTERS, OrgUnitKind.REGION, OrgUnitKind.SITE):
            unit = org_units.create_org_unit(
                session, name=f"{kind.value} unit", code=unique(kind.value[:3]), kind=kind,
                parent_id=parent,
            )  # fmt: skip
            queue = queues.create_queue(
                session, name=unique(f"{kind.value} desk"), org_unit_id=unit.id,
                channels=[Channel.EMAIL],
            )  # fmt: skip
            parent = unit.id
            unit_ids.append(unit.id)
            queue_ids.append(queue.id)
        lead = users.create_user(
            session, email=f"{unique('lead')}@example.com", name="Site Lead",
            roles=[Role.TEAM_LEAD], org_unit_id=unit_ids[2],
        )  # fmt: skip
        users.create_user(  # a lead elsewhere, who must not be told
            session, email=f"{unique('other-lead')}@example.com", name="Region Lead",
            roles=[Role.TEAM_LEAD], org_unit_id=unit_ids[1],
        )  # fmt: skip
        return OrgTree(
            hq_queue=queue_ids[0], region_queue=queue_ids[1], site_queue=queue_ids[2],
            site=unit_ids[2], site_lead_email=lead.email,
        )  # fmt: skip


def conversation(
    database: Database,
    tenant_id: uuid.UUID,
    *,
    at: datetime,
    channel: Channel = Channel.EMAIL,
    category: str | None = None,
    queue_id: uuid.UUID | None = None,
    value_tier: ValueTier = ValueTier.STANDARD,
    priority: Priority = Priority.NORMAL,
    start: bool = True,
) -> uuid.UUID:
    """A conversation opened at ``at`` by a new contact, its clocks started (as routing does)."""
    with database.tenant_unit(tenant_id) as session:
        if channel is Channel.PHONE:
            kind, value = IdentityKind.PHONE, f"+86138{uuid.uuid4().int % 10**8:08d}"
        else:
            kind, value = IdentityKind.EMAIL, f"{unique('customer')}@example.com"
        contact = contacts.create_contact(
            session, name="Customer", value_tier=value_tier,
            identities=[contacts.IdentityInput(kind=kind, value=value)],
        )  # fmt: skip
        identity_id = session.execute(
            sa.select(col(ContactIdentity.id)).where(col(ContactIdentity.contact_id) == contact.id)
        ).scalar_one()
        opened = open_conversation(
            session, contact_id=contact.id, channel=channel, subject="Bill is wrong",
            category=category, queue_id=queue_id, priority=priority, at=at,
            contact_identity_id=identity_id,
        )  # fmt: skip
        if start:
            hooks.start_clocks(session, conversation_id=opened.id, at=at)
        return opened.id


def clocks_of(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID, metric: SlaMetric
) -> list[SlaClock]:
    """The conversation's clocks of one metric, by level and start."""
    with database.tenant_unit(tenant_id) as session:
        query = (
            sa.select(SlaClock)
            .where(col(SlaClock.conversation_id) == conversation_id, col(SlaClock.metric) == metric)
            .order_by(col(SlaClock.level), col(SlaClock.started_at))
        )
        return list(session.execute(query).scalars())


def only_clock(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID, metric: SlaMetric
) -> SlaClock:
    (clock,) = clocks_of(database, tenant_id, conversation_id, metric)
    return clock


def events_of(
    database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID, type_: EventType
) -> list[ConversationEvent]:
    with database.tenant_unit(tenant_id) as session:
        query = (
            sa.select(ConversationEvent)
            .where(
                col(ConversationEvent.conversation_id) == conversation_id,
                col(ConversationEvent.type) == type_,
            )
            .order_by(col(ConversationEvent.occurred_at), col(ConversationEvent.id))
        )
        return list(session.execute(query).scalars())


def get(database: Database, tenant_id: uuid.UUID, conversation_id: uuid.UUID) -> Conversation:
    with database.tenant_unit(tenant_id) as session:
        return session.execute(
            sa.select(Conversation).where(col(Conversation.id) == conversation_id)
        ).scalar_one()
