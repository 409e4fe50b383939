"""Routing runs when something changes, through the outbox and workers (embedded here)."""

from __future__ import annotations

from core.ingest import ingest_committed
from core.models import Channel, EventType, PresenceState
from core.models.conversation import RoutingState
from core.routing import assignment
from tests.routing.routing_support import Centre
from tests.workers.factories import inbound_email
from workers.embedded import EmbeddedWorkers

IDLE_TIMEOUT = 15.0


def test_a_new_mail_reaches_an_available_agent_and_waiting_work_a_returning_one(
    centre: Centre, embedded: EmbeddedWorkers
) -> None:
    queue = centre.queue(channels=[Channel.EMAIL])
    agent = centre.agent(capacity={"email": 1})
    embedded.join_idle(IDLE_TIMEOUT)

    first = ingest_committed(
        centre.database, inbound_email(centre.tenant_id, "ann@example.com", "<r1@mail>")
    )
    embedded.join_idle(IDLE_TIMEOUT)
    second = ingest_committed(
        centre.database, inbound_email(centre.tenant_id, "bob@example.com", "<r2@mail>")
    )
    embedded.join_idle(IDLE_TIMEOUT)

    assigned = centre.get(first.conversation_id)
    assert (assigned.queue_id, assigned.assignee_id) == (queue, agent)
    assert assigned.routing_state is RoutingState.ASSIGNED
    assert centre.get(second.conversation_id).routing_state is RoutingState.WAITING
    [queued] = centre.events(first.conversation_id, EventType.QUEUED)
    assert queued.data == {"queue_id": str(queue)}

    centre.presence(agent, PresenceState.AWAY)
    with centre.database.tenant_unit(centre.tenant_id) as session:
        assignment.finish(session, conversation_id=first.conversation_id)
    centre.presence(agent, PresenceState.AVAILABLE)  # queues a route_agent job
    embedded.join_idle(IDLE_TIMEOUT)

    assert centre.get(second.conversation_id).assignee_id == agent
