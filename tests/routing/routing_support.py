"""A contact centre to route in: agents, queues, contacts and conversations of one tenant,
made through core services and committed, each step its own transaction as in production."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core import contacts, org_units, users
from core.clock import utcnow
from core.conversations import open_conversation
from core.db import Database
from core.models import (
    AgentStatus,
    Channel,
    Conversation,
    ConversationEvent,
    EventType,
    OrgUnitKind,
    PresenceState,
    Priority,
    Queue,
    RoutingOffer,
    Tier,
    ValueTier,
)
from core.routing import offers, policy, presence, router
from core.routing.router import Routed
from core.users import SkillInput


@dataclass
class Centre:
    """One tenant's routing world; ``now`` moves forward as the test says."""

    database: Database
    tenant_id: uuid.UUID
    now: datetime = field(default_factory=utcnow)

    def later(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def team(self, code: str) -> uuid.UUID:
        with self.database.tenant_unit(self.tenant_id) as session:
            unit = org_units.create_org_unit(
                session, name=f"Team {code}", code=f"{code}-{uuid.uuid4().hex[:6]}",
                kind=OrgUnitKind.HEADQUARTERS,
            )  # fmt: skip
            return unit.id

    def agent(
        self,
        *,
        tier: Tier = Tier.L1,
        languages: Sequence[str] = ("en",),
        skills: Mapping[str, int] | None = None,
        team: uuid.UUID | None = None,
        available: bool = True,
        capacity: Mapping[str, int | None] | None = None,
    ) -> uuid.UUID:
        with self.database.tenant_unit(self.tenant_id) as session:
            user = users.create_user(
                session,
                email=f"agent-{uuid.uuid4().hex[:10]}@example.com",
                name="Agent",
                tier=tier,
                languages=list(languages),
                org_unit_id=team,
                skills=[SkillInput(name, level) for name, level in (skills or {}).items()],
            )
            agent_id = user.id
            if capacity is not None:
                presence.set_capacity(session, agent_id=agent_id, overrides=capacity)
            if available:
                presence.set_presence(
                    session, agent_id=agent_id, state=PresenceState.AVAILABLE, at=self.now
                )
        return agent_id

    def queue(
        self,
        *,
        channels: Sequence[Channel],
        tier: Tier = Tier.L1,
        required_skills: Mapping[str, int] | None = None,
        agent_capacity: Mapping[str, int] | None = None,
    ) -> uuid.UUID:
        with self.database.tenant_unit(self.tenant_id) as session:
            queue = Queue(
                name=f"queue-{uuid.uuid4().hex[:8]}",
                tier=tier,
                channels=[c.value for c in channels],
                required_skills=dict(required_skills or {}),
                agent_capacity=dict(agent_capacity or {}),
            )
            session.add(queue)
            session.flush()
            return queue.id

    def contact(self, value_tier: ValueTier = ValueTier.STANDARD) -> uuid.UUID:
        with self.database.tenant_unit(self.tenant_id) as session:
            return contacts.create_contact(session, name="Customer", value_tier=value_tier).id

    def conversation(
        self,
        *,
        channel: Channel = Channel.EMAIL,
        contact_id: uuid.UUID | None = None,
        value_tier: ValueTier = ValueTier.STANDARD,
        tier: Tier = Tier.L1,
        language: str | None = None,
        priority: Priority = Priority.NORMAL,
        queue_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """A new conversation, not routed yet (its routing job is left in the outbox)."""
        contact_id = contact_id or self.contact(value_tier)
        with self.database.tenant_unit(self.tenant_id) as session:
            return open_conversation(
                session,
                contact_id=contact_id,
                channel=channel,
                tier=tier,
                language=language,
                priority=priority,
                queue_id=queue_id,
                at=self.now,
            ).id

    def route(self, conversation_id: uuid.UUID) -> Routed | None:
        with self.database.tenant_unit(self.tenant_id) as session:
            return router.route_conversation(session, conversation_id=conversation_id, at=self.now)

    def route_agent(self, agent_id: uuid.UUID, **options: Any) -> list[Routed]:
        with self.database.tenant_unit(self.tenant_id) as session:
            return router.route_agent(session, agent_id=agent_id, at=self.now, **options)

    def presence(self, agent_id: uuid.UUID, state: PresenceState) -> None:
        with self.database.tenant_unit(self.tenant_id) as session:
            presence.set_presence(session, agent_id=agent_id, state=state, at=self.now)

    def accept(self, offer_id: uuid.UUID) -> None:
        with self.database.tenant_unit(self.tenant_id) as session:
            offers.accept_offer(session, offer_id=offer_id, at=self.now)

    def policy(self, **changes: Any) -> None:
        with self.database.tenant_unit(self.tenant_id) as session:
            policy.update_policy(session, changes=changes)

    def get(self, conversation_id: uuid.UUID) -> Conversation:
        with self.database.tenant_session(self.tenant_id) as session:
            return session.get_one(Conversation, (self.tenant_id, conversation_id))

    def status(self, agent_id: uuid.UUID) -> AgentStatus:
        with self.database.tenant_session(self.tenant_id) as session:
            return session.get_one(AgentStatus, (self.tenant_id, agent_id))

    def offers_of(self, conversation_id: uuid.UUID) -> list[RoutingOffer]:
        with self.database.tenant_session(self.tenant_id) as session:
            query = (
                sa.select(RoutingOffer)
                .where(col(RoutingOffer.conversation_id) == conversation_id)
                .order_by(col(RoutingOffer.id))
            )
            return list(session.execute(query).scalars())

    def events(self, conversation_id: uuid.UUID, *types: EventType) -> list[ConversationEvent]:
        with self.database.tenant_session(self.tenant_id) as session:
            query = (
                sa.select(ConversationEvent)
                .where(col(ConversationEvent.conversation_id) == conversation_id)
                .order_by(col(ConversationEvent.id))
            )
            if types:
                query = query.where(col(ConversationEvent.type).in_(types))
            return list(session.execute(query).scalars())
