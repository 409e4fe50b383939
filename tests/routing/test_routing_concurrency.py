"""Many workers routing at once on PostgreSQL (READ COMMITTED): no conversation is handed out
twice and no agent goes past capacity."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.models import (
    AgentStatus,
    Channel,
    Conversation,
    ConversationEvent,
    EventType,
    OfferState,
    PresenceState,
    RoutingOffer,
)
from core.models.conversation import RoutingState
from core.routing import router
from tests.routing.routing_support import Centre

THREADS = 12
OPERATIONS_PER_THREAD = 60
AGENTS = 40
EMAILS, CALLS = 200, 100
EMAIL_CAPACITY = 3


@pytest.mark.postgres_only
def test_racing_routers_never_double_assign_nor_exceed_capacity(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL, Channel.PHONE])
    agents = [
        centre.agent(available=False, capacity={"email": EMAIL_CAPACITY}) for _ in range(AGENTS)
    ]
    conversations = [centre.conversation() for _ in range(EMAILS)]
    conversations += [centre.conversation(channel=Channel.PHONE) for _ in range(CALLS)]
    for conversation in conversations:
        assert centre.route(conversation) is None
    for agent in agents:
        centre.presence(agent, PresenceState.AVAILABLE)

    racing = Database(centre.database.url, pool_size=THREADS)
    barrier = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        barrier.wait()
        for _ in range(OPERATIONS_PER_THREAD):
            try:
                with racing.tenant_unit(centre.tenant_id) as session:
                    if rng.random() < 0.5:
                        router.route_agent(session, agent_id=rng.choice(agents), at=centre.now)
                    else:
                        router.route_conversation(
                            session, conversation_id=rng.choice(conversations), at=centre.now
                        )
            except BaseException as exc:  # collected: a thread's failure must fail the test
                failures.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    racing.dispose()
    assert failures == []
    for agent in agents:  # whatever the race left (skipped locked rows), one calm pass fills
        centre.route_agent(agent)

    with centre.database.tenant_session(centre.tenant_id) as session:
        rows = session.execute(
            sa.select(Conversation).where(col(Conversation.id).in_(conversations))
        ).scalars()
        held = {c.id: c for c in rows if c.routing_state is not RoutingState.WAITING}
        handed_out = Counter(
            session.execute(
                sa.select(col(ConversationEvent.conversation_id)).where(
                    col(ConversationEvent.conversation_id).in_(conversations),
                    col(ConversationEvent.type).in_([EventType.ASSIGNED, EventType.OFFERED]),
                )
            ).scalars()
        )
        pending = list(
            session.execute(
                sa.select(RoutingOffer).where(col(RoutingOffer.state) == OfferState.PENDING)
            ).scalars()
        )
        statuses = list(session.execute(sa.select(AgentStatus)).scalars())

    assert set(handed_out) == set(held) and max(handed_out.values()) == 1
    assert Counter(o.conversation_id for o in pending).most_common(1)[0][1] == 1
    email_holders = Counter(c.assignee_id for c in held.values() if c.channel is Channel.EMAIL)
    call_holders = Counter(o.agent_id for o in pending)
    for status in statuses:
        assert status.load_email == email_holders[status.id] <= status.cap_email
        assert status.load_phone == call_holders[status.id] <= status.cap_phone
    assert len(held) == AGENTS * (EMAIL_CAPACITY + 1)  # every unit of capacity was used
