"""The last seeding stage: put the demo centre in service, through the real services.

History is written as rows for speed (its business calendar, D15 policies and settled SLA
clocks included, see sla.py); what is still going on is then handed to routing and the SLA engine
the way live traffic would be: most agents sign in, assigned work counts against their capacity,
and every open conversation gets the SLA clocks it still lacks and (if nobody has it) a place in
line, so the workers of a running demo route it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.db import Database
from core.models import (
    AgentStatus,
    Conversation,
    ConversationEvent,
    PresenceState,
    Role,
    RoutingState,
    User,
)
from core.models.agent_status import load_column
from core.models.conversation import OPEN_STATUSES
from core.routing import waiting
from core.routing.presence import set_presence
from core.seed.plan import Progress
from core.sla import hooks

AWAY_EVERY = 5  # one agent in five is away or offline at the demo's "now"


def bring_to_life(
    database: Database, *, tenant_id: uuid.UUID, now: datetime, progress: Progress
) -> int:
    """Sign agents in, start the open conversations' clocks, queue the unassigned.

    Returns how many timeline events this wrote (queueing, SLA), for the seed's report.
    """
    with database.tenant_unit(tenant_id) as session:
        events_before = _event_count(session)
        staff = session.execute(
            sa.select(col(User.id), col(User.roles))
            .where(col(User.tier).is_not(None), col(User.active).is_(True))
            .order_by(col(User.email))
        ).all()
        agents = [user_id for user_id, roles in staff if Role.AGENT.value in roles]
        for index, agent_id in enumerate(agents):
            state = PresenceState.AVAILABLE
            if index % AWAY_EVERY == AWAY_EVERY - 1:
                state = PresenceState.AWAY if index % 2 else PresenceState.OFFLINE
            set_presence(session, agent_id=agent_id, state=state, at=now - timedelta(hours=1))
            progress("agents", index + 1, len(agents))
        _count_loads(session)
        open_ones = session.execute(
            sa.select(
                col(Conversation.id), col(Conversation.assignee_id), col(Conversation.queue_id)
            )
            .where(col(Conversation.status).in_(OPEN_STATUSES))
            .order_by(col(Conversation.number))
        ).all()
        for done, (conversation_id, assignee_id, queue_id) in enumerate(open_ones, start=1):
            hooks.start_clocks(session, conversation_id=conversation_id, at=now)
            if assignee_id is None:
                waiting.make_waiting(
                    session, conversation_id=conversation_id, queue_id=queue_id, at=now
                )
            progress("open conversations", done, len(open_ones))
        return _event_count(session) - events_before


def _event_count(session: Session) -> int:
    return int(session.execute(sa.select(sa.func.count(col(ConversationEvent.id)))).scalar_one())


def _count_loads(session: Session) -> None:
    """Open assigned conversations count against their agent's capacity, as routing's would."""
    session.execute(
        sa.update(Conversation)
        .where(col(Conversation.status).not_in(OPEN_STATUSES))
        .values(routing_state=RoutingState.DONE)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(Conversation)
        .where(
            col(Conversation.status).in_(OPEN_STATUSES), col(Conversation.assignee_id).is_not(None)
        )
        .values(routing_state=RoutingState.ASSIGNED)
        .execution_options(synchronize_session=False)
    )
    loads = session.execute(
        sa.select(col(Conversation.assignee_id), col(Conversation.channel), sa.func.count())
        .where(col(Conversation.routing_state) == RoutingState.ASSIGNED)
        .group_by(col(Conversation.assignee_id), col(Conversation.channel))
    ).all()
    for agent_id, channel, count in loads:
        session.execute(
            sa.update(AgentStatus)
            .where(col(AgentStatus.id) == agent_id)
            .values({load_column(channel): count})
            .execution_options(synchronize_session=False)
        )
