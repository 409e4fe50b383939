"""Presence periods, who may go available, the phone day in the tenant's time zone, and
capacities following the policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core import users
from core.errors import ConflictError, InvalidInputError
from core.models import AgentStateChange, Channel, OutboxJob, PresenceState, Tenant, Tier
from core.models.conversation import RoutingState
from core.routing import offers, presence
from core.routing.jobs import ROUTE_AGENT_ACTOR
from core.routing.sweep import sweep
from tests.routing.routing_support import Centre


def periods(centre: Centre, agent_id: object) -> list[AgentStateChange]:
    with centre.database.tenant_session(centre.tenant_id) as session:
        query = (
            sa.select(AgentStateChange)
            .where(col(AgentStateChange.user_id) == agent_id)
            .order_by(col(AgentStateChange.started_at))
        )
        return list(session.execute(query).scalars())


def test_each_presence_change_closes_one_period_and_opens_the_next(centre: Centre) -> None:
    agent = centre.agent(available=False)
    start = centre.now
    centre.presence(agent, PresenceState.AVAILABLE)
    centre.later(600)
    centre.presence(agent, PresenceState.AVAILABLE)  # no change, no new period
    centre.presence(agent, PresenceState.WRAP_UP)
    centre.later(60)
    centre.presence(agent, PresenceState.OFFLINE)

    history = periods(centre, agent)
    assert [(p.state, p.started_at, p.ended_at) for p in history] == [
        (PresenceState.AVAILABLE, start, history[1].started_at),
        (PresenceState.WRAP_UP, history[1].started_at, centre.now),
        (PresenceState.OFFLINE, centre.now, None),
    ]
    assert (history[1].started_at - start).total_seconds() == 600
    status = centre.status(agent)
    assert (status.state, status.state_since) == (PresenceState.OFFLINE, centre.now)
    with centre.database.tenant_session(centre.tenant_id) as session:
        jobs = session.execute(
            sa.select(OutboxJob).where(col(OutboxJob.actor) == ROUTE_AGENT_ACTOR)
        ).scalars()
        assert [job.payload for job in jobs] == [{"agent_id": str(agent)}]


def test_only_active_agents_with_a_tier_go_available(centre: Centre) -> None:
    with centre.database.tenant_unit(centre.tenant_id) as session:
        manager = users.create_user(session, email="lead@example.com", name="Lead").id
        leaver = users.create_user(session, email="x@example.com", name="X", tier=Tier.L1).id
        users.update_user(session, user_id=leaver, changes={"active": False})
    for user_id in (manager, leaver):
        unit = centre.database.tenant_unit(centre.tenant_id)
        with unit as session, pytest.raises(ConflictError):
            presence.set_presence(session, agent_id=user_id, state=PresenceState.AVAILABLE)
    centre.presence(manager, PresenceState.OFFLINE)  # other states are fine
    assert centre.status(manager).state is PresenceState.OFFLINE


def test_the_phone_day_is_the_tenants_local_date(centre: Centre) -> None:
    with centre.database.system_unit() as session:
        session.get_one(Tenant, centre.tenant_id).timezone = "Asia/Shanghai"
    agent = centre.agent(available=False)
    late_evening = datetime(2026, 5, 4, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    after_midnight = datetime(2026, 5, 4, 16, 30, tzinfo=UTC)  # 00:30 the next day there
    with centre.database.tenant_unit(centre.tenant_id) as session:
        presence.add_phone_time(session, agent_id=agent, seconds=3000, at=late_evening)
        presence.add_phone_time(session, agent_id=agent, seconds=600, at=late_evening)
        assert (
            presence.get_status(session, agent_id=agent, at=late_evening).phone_seconds_today
            == 3600
        )
        presence.add_phone_time(session, agent_id=agent, seconds=120, at=after_midnight)
        status = presence.get_status(session, agent_id=agent, at=after_midnight)
        with pytest.raises(InvalidInputError):
            presence.add_phone_time(session, agent_id=agent, seconds=-5, at=after_midnight)
    assert status.phone_seconds_today == 120
    assert str(centre.status(agent).phone_day) == "2026-05-05"


def test_capacities_follow_the_policy_unless_the_agent_has_their_own(centre: Centre) -> None:
    plain = centre.agent(available=False)
    centre.presence(plain, PresenceState.AWAY)  # has a status row with the defaults
    own = centre.agent(available=False, capacity={"email": 2})
    assert centre.status(plain).cap_email == 6

    centre.policy(default_capacity={"email": 4, "social": 1})

    assert (centre.status(plain).cap_email, centre.status(plain).cap_social) == (4, 1)
    assert (centre.status(own).cap_email, centre.status(own).cap_social) == (2, 1)
    assert centre.status(plain).cap_webform == 3
    with centre.database.tenant_unit(centre.tenant_id) as session, pytest.raises(InvalidInputError):
        presence.set_capacity(session, agent_id=plain, overrides={"fax": 2})


def test_a_declined_offer_goes_back_in_line_and_skips_that_agent(centre: Centre) -> None:
    centre.policy(missed_offer_sets_away=False, offer_timeout_seconds=30)
    centre.queue(channels=[Channel.SOCIAL])
    declining = centre.agent()
    post = centre.conversation(channel=Channel.SOCIAL)
    offer = centre.route(post)
    assert offer is not None and offer.offer_id is not None
    waited_since = centre.get(post).waiting_since

    with centre.database.tenant_unit(centre.tenant_id) as session:
        offers.decline_offer(session, offer_id=offer.offer_id, at=centre.now)
    assert centre.route(post) is None  # the only agent declined it
    back = centre.get(post)
    assert (back.routing_state, back.waiting_since) == (RoutingState.WAITING, waited_since)
    assert centre.status(declining).load_social == 0

    later_agent = centre.agent()
    again = centre.route(post)
    assert again is not None and again.agent_id == later_agent
    centre.later(31)
    sweep(centre.database, at=centre.now)  # missed, but this tenant keeps agents available
    assert centre.status(later_agent).state is PresenceState.AVAILABLE
    assert centre.status(later_agent).missed_offers == 1
