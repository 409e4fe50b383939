"""Capacity per channel, the daily phone cap (D7), pulling written work, and giving capacity
back when work is released, re-queued, reassigned or finished."""

from __future__ import annotations

import pytest

from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.models import Channel, EventType, PresenceState, Priority
from core.models.conversation import RoutingState
from core.routing import assignment, presence, router, waiting
from tests.routing.routing_support import Centre


def test_each_channel_has_its_own_capacity(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL, Channel.PHONE])
    agent = centre.agent(available=False, capacity={"email": 2})
    emails = [centre.conversation() for _ in range(3)]
    calls = [centre.conversation(channel=Channel.PHONE) for _ in range(2)]
    for conversation in (*emails, *calls):
        assert centre.route(conversation) is None
    centre.presence(agent, PresenceState.AVAILABLE)

    routed = centre.route_agent(agent)

    taken = {r.conversation_id for r in routed}
    assert len(taken & set(emails)) == 2 and len(taken & set(calls)) == 1  # email 2, phone 1
    status = centre.status(agent)
    assert (status.load_email, status.cap_email, status.load_phone, status.cap_phone) == (
        2,
        2,
        1,
        1,
    )
    assert centre.route_agent(agent) == []


def test_a_queue_cap_applies_to_agents_without_their_own(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL], agent_capacity={"email": 1})
    plain = centre.agent(available=False)
    own = centre.agent(available=False, capacity={"email": 3})
    for _ in range(5):
        centre.route(centre.conversation())
    for agent in (plain, own):
        centre.presence(agent, PresenceState.AVAILABLE)

    assert len(centre.route_agent(plain)) == 1  # the queue's 1, not the default 6
    assert len(centre.route_agent(own)) == 3  # their override wins


def test_after_the_daily_phone_cap_an_agent_gets_written_work_only(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL, Channel.PHONE])
    agent = centre.agent(available=False)
    with centre.database.tenant_unit(centre.tenant_id) as session:
        presence.add_phone_time(session, agent_id=agent, seconds=4 * 3600, at=centre.now)
        presence.add_phone_time(session, agent_id=agent, seconds=2 * 3600, at=centre.now)
    call = centre.conversation(channel=Channel.PHONE)
    email = centre.conversation()
    centre.route(call)
    centre.route(email)
    centre.presence(agent, PresenceState.AVAILABLE)

    assert [r.conversation_id for r in centre.route_agent(agent)] == [email]
    assert centre.get(call).routing_state is RoutingState.WAITING

    centre.later(86_400)  # a new day: the count starts again
    assert [r.conversation_id for r in centre.route_agent(agent)] == [call]
    with centre.database.tenant_unit(centre.tenant_id) as session:
        presence.add_phone_time(session, agent_id=agent, seconds=60, at=centre.now)
        assert presence.get_status(session, agent_id=agent, at=centre.now).phone_seconds_today == 60


def test_an_agent_pulls_the_best_written_conversation(centre: Centre) -> None:
    queue = centre.queue(channels=[Channel.EMAIL, Channel.PHONE])
    other_queue = centre.queue(channels=[Channel.EMAIL])
    agent = centre.agent(available=False, capacity={"email": 1, "webform": 0})
    centre.route(centre.conversation(channel=Channel.PHONE, priority=Priority.URGENT))
    centre.route(centre.conversation(queue_id=queue))
    centre.later(1)
    urgent_email = centre.conversation(queue_id=queue, priority=Priority.URGENT)
    centre.route(urgent_email)
    elsewhere = centre.conversation(queue_id=other_queue, priority=Priority.URGENT)
    centre.route(elsewhere)

    with centre.database.tenant_unit(centre.tenant_id) as session, pytest.raises(ConflictError):
        router.pull(session, agent_id=agent, at=centre.now)  # not available yet
    centre.presence(agent, PresenceState.AVAILABLE)
    with centre.database.tenant_unit(centre.tenant_id) as session:
        pulled = router.pull(session, agent_id=agent, queue_id=queue, at=centre.now)
    with centre.database.tenant_unit(centre.tenant_id) as session, pytest.raises(ConflictError):
        router.pull(session, agent_id=agent, at=centre.now)  # email capacity used up

    assert pulled.conversation_id == urgent_email and not pulled.offered
    assert centre.events(urgent_email, EventType.ASSIGNED)[0].data["via"] == "pull"
    assert centre.get(elsewhere).routing_state is RoutingState.WAITING


def test_pulling_with_nothing_to_take_or_an_unknown_queue_is_refused(centre: Centre) -> None:
    centre.queue(channels=[Channel.PHONE])
    agent = centre.agent()
    centre.route(centre.conversation(channel=Channel.PHONE))  # calls are offered, not pulled
    with centre.database.tenant_unit(centre.tenant_id) as session, pytest.raises(NotFoundError):
        router.pull(session, agent_id=agent, at=centre.now)
    with centre.database.tenant_unit(centre.tenant_id) as session, pytest.raises(InvalidInputError):
        router.pull(session, agent_id=agent, queue_id=agent, at=centre.now)


def test_finishing_frees_capacity_once_and_keeps_the_assignee(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL])
    agent = centre.agent(capacity={"email": 1})
    done, waiting_one = centre.conversation(), centre.conversation()
    assert centre.route(done).agent_id == agent  # type: ignore[union-attr]
    assert centre.route(waiting_one) is None

    for _ in range(2):
        with centre.database.tenant_unit(centre.tenant_id) as session:
            assignment.finish(session, conversation_id=done, at=centre.now)

    finished = centre.get(done)
    assert (finished.routing_state, finished.assignee_id) == (RoutingState.DONE, agent)
    assert centre.status(agent).load_email == 0
    assert [r.conversation_id for r in centre.route_agent(agent)] == [waiting_one]


def test_requeueing_and_reassigning_move_capacity_with_the_work(centre: Centre) -> None:
    queue = centre.queue(channels=[Channel.EMAIL])
    first, second = centre.agent(), centre.agent()
    conversation = centre.conversation()
    assert centre.route(conversation).agent_id == first  # type: ignore[union-attr]

    with centre.database.tenant_unit(centre.tenant_id) as session:
        assert assignment.assign(session, conversation_id=conversation, agent_id=second)
    assert (centre.status(first).load_email, centre.status(second).load_email) == (0, 1)
    [reassigned] = centre.events(conversation, EventType.ASSIGNED)[1:]
    assert reassigned.data["previous_assignee_id"] == str(first)

    with centre.database.tenant_unit(centre.tenant_id) as session:
        waiting.make_waiting(session, conversation_id=conversation, queue_id=queue, at=centre.now)
    back = centre.get(conversation)
    assert (back.routing_state, back.assignee_id, back.owner_id) == (
        RoutingState.WAITING,
        None,
        first,
    )
    assert centre.status(second).load_email == 0
    assert len(centre.events(conversation, EventType.UNASSIGNED)) == 1

    centre.presence(first, PresenceState.AWAY)
    with centre.database.tenant_unit(centre.tenant_id) as session:
        assert not assignment.assign(session, conversation_id=conversation, agent_id=first)
        presence.set_capacity(session, agent_id=second, overrides={"email": 0})
        assert not assignment.assign(session, conversation_id=conversation, agent_id=second)
        presence.set_capacity(session, agent_id=second, overrides={})
        assert assignment.assign(session, conversation_id=conversation, agent_id=second)
        assignment.release(session, conversation_id=conversation, at=centre.now)
    released = centre.get(conversation)
    assert (released.routing_state, released.assignee_id) == (RoutingState.UNROUTED, None)
    assert centre.status(second).load_email == 0
    assert len(centre.events(conversation, EventType.UNASSIGNED)) == 2
