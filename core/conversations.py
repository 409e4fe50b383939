"""Opening conversations: numbering, first events and follow-up jobs, shared by all creators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core import outbox
from core import statements as st
from core.clock import utcnow
from core.events import record_event
from core.ids import new_id
from core.models.channel import Channel
from core.models.conversation import ConversationStatus, Priority, RoutingState
from core.models.event import EventType
from core.models.user import Tier

ROUTE_ACTOR = "route_conversation"


@dataclass(frozen=True, slots=True)
class OpenedConversation:
    id: uuid.UUID
    number: int


def next_conversation_number(session: Session) -> int:
    """Take the tenant's next reference number; holds the tenant row lock until commit."""
    return int(st.run(session, st.NEXT_CONVERSATION_NUMBER).scalar_one())


def open_conversation(
    session: Session,
    *,
    contact_id: uuid.UUID,
    channel: Channel,
    contact_identity_id: uuid.UUID | None = None,
    subject: str = "",
    priority: Priority = Priority.NORMAL,
    category: str | None = None,
    tier: Tier = Tier.L1,
    language: str | None = None,
    queue_id: uuid.UUID | None = None,
    actor_user_id: uuid.UUID | None = None,
    at: datetime | None = None,
    last_inbound_at: datetime | None = None,
) -> OpenedConversation:
    """Insert a new conversation with its `created` event and a routing job (no commit).

    ``last_inbound_at`` is given when a customer's message opens it (ingest), so that the
    conversation is born touched and needs no second write.
    """
    now = at or utcnow()
    conversation_id = new_id()
    number = next_conversation_number(session)
    row: dict[str, object] = {column.name: None for column in st.conversation_t.columns}
    row.update(
        id=conversation_id,
        created_at=now,
        updated_at=now,
        last_message_at=last_inbound_at,
        last_inbound_at=last_inbound_at,
        number=number,
        contact_id=contact_id,
        contact_identity_id=contact_identity_id,
        channel=channel,
        subject=subject[:500],
        status=ConversationStatus.NEW,
        priority=priority,
        category=category,
        tier=tier,
        language=language,
        queue_id=queue_id,
        identity_verified=False,
        reopen_count=0,
        transfer_count=0,
        escalation_count=0,
        routing_state=RoutingState.UNROUTED,
        required_skills={},
        bounce_count=0,
        tiers_left=[],
        sla_at_risk=False,
    )
    st.insert_row(session, st.INSERT_CONVERSATION, row)
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.CREATED,
        actor_user_id=actor_user_id,
        data={"channel": channel.value, "number": number},
        occurred_at=now,
    )
    outbox.enqueue(session, actor=ROUTE_ACTOR, payload={"conversation_id": str(conversation_id)})
    return OpenedConversation(id=conversation_id, number=number)
