"""Routing scenarios from the issue's acceptance, on both backends (core services, committed
step by step as workers and the API would)."""

from __future__ import annotations

from core.models import Channel, EventType, OfferState, PresenceState, Tier, ValueTier
from core.models.conversation import RoutingState
from core.routing.rank import explain
from core.routing.sweep import sweep
from tests.routing.routing_support import Centre


def test_a_vip_caller_overtakes_a_standard_one(centre: Centre) -> None:
    queue = centre.queue(channels=[Channel.PHONE])
    agent = centre.agent(available=False)
    standard = centre.conversation(channel=Channel.PHONE, value_tier=ValueTier.STANDARD)
    assert centre.route(standard) is None
    centre.later(120)  # the VIP calls two minutes later
    vip = centre.conversation(channel=Channel.PHONE, value_tier=ValueTier.VIP)
    assert centre.route(vip) is None
    with centre.database.tenant_session(centre.tenant_id) as session:
        standing = {
            name: explain(session, conversation_id=cid, at=centre.now)
            for name, cid in (("standard", standard), ("vip", vip))
        }
    assert standing["vip"].position == 1 and standing["standard"].position == 2
    assert standing["vip"].score is not None and standing["standard"].score is not None
    assert standing["vip"].score > standing["standard"].score
    assert standing["vip"].components is not None
    assert standing["vip"].components.value_tier_weight == 900
    assert standing["vip"].queue_id == queue

    centre.later(5)
    centre.presence(agent, PresenceState.AVAILABLE)
    routed = centre.route_agent(agent)

    assert [(r.conversation_id, r.offered) for r in routed] == [(vip, True)]
    assert centre.get(vip).routing_state is RoutingState.OFFERED
    assert centre.get(standard).routing_state is RoutingState.WAITING
    assert centre.status(agent).load_phone == 1


def test_a_chinese_speaking_l2_fault_goes_to_the_agent_with_that_skill(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL], tier=Tier.L2, required_skills={"network": 3})
    centre.agent(tier=Tier.L2, languages=["en"], skills={"network": 5})
    centre.agent(tier=Tier.L2, languages=["zh"], skills={"billing": 5, "network": 2})
    centre.agent(tier=Tier.L1, languages=["zh"], skills={"network": 5})
    expert = centre.agent(tier=Tier.L2, languages=["zh", "en"], skills={"network": 4})
    fault = centre.conversation(tier=Tier.L2, language="zh-CN")

    routed = centre.route(fault)

    assert routed is not None and routed.agent_id == expert and not routed.offered
    conversation = centre.get(fault)
    assert conversation.assignee_id == expert and conversation.owner_id == expert
    assert conversation.routing_state is RoutingState.ASSIGNED
    assert conversation.required_skills == {"network": 3, "language:zh": 1}
    [assigned] = centre.events(fault, EventType.ASSIGNED)
    assert assigned.data == {"assignee_id": str(expert), "via": "routing"}


def test_an_agent_only_gets_what_they_may_take(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL], tier=Tier.L2, required_skills={"network": 3})
    english = centre.agent(tier=Tier.L2, languages=["en"], skills={"network": 5}, available=False)
    junior = centre.agent(tier=Tier.L2, languages=["zh"], skills={"network": 2}, available=False)
    fault = centre.conversation(tier=Tier.L2, language="zh")
    assert centre.route(fault) is None
    for agent in (english, junior):
        centre.presence(agent, PresenceState.AVAILABLE)

    assert centre.route_agent(english) == []
    assert centre.route_agent(junior) == []
    assert centre.get(fault).routing_state is RoutingState.WAITING


def test_sticky_routing_hits_then_falls_back_to_the_team_then_to_anyone(centre: Centre) -> None:
    centre.policy(sticky_window_seconds=300)
    centre.queue(channels=[Channel.EMAIL])
    home, elsewhere = centre.team("home"), centre.team("away")
    last_agent = centre.agent(team=home)
    customer = centre.contact()
    first = centre.conversation(contact_id=customer)
    assert centre.route(first).agent_id == last_agent  # type: ignore[union-attr]
    stranger = centre.agent(team=elsewhere)  # idle longer than anyone from now on

    centre.later(60)
    second = centre.conversation(contact_id=customer)
    hit = centre.route(second)
    assert hit is not None and hit.agent_id == last_agent
    assert centre.get(second).sticky_agent_id == last_agent
    assert centre.get(second).sticky_org_unit_id == home

    centre.later(60)
    centre.presence(last_agent, PresenceState.AWAY)
    teammate = centre.agent(team=home)
    third = centre.conversation(contact_id=customer)
    fallback = centre.route(third)
    assert fallback is not None and fallback.agent_id == teammate

    centre.later(60)
    centre.presence(teammate, PresenceState.AWAY)
    fourth = centre.conversation(contact_id=customer)
    assert centre.route(fourth) is None  # reserved: the stranger is free but must not take it
    assert centre.route_agent(stranger) == []
    reserved_until = centre.get(fourth).sticky_until
    assert reserved_until is not None and reserved_until > centre.now

    centre.later(301)
    sweep(centre.database, at=centre.now)

    after = centre.get(fourth)
    assert after.assignee_id == stranger
    assert after.routing_state is RoutingState.ASSIGNED
    assert centre.get(first).assignee_id == last_agent  # earlier work stays where it is


def test_an_unanswered_offer_moves_on_to_the_next_agent(centre: Centre) -> None:
    centre.policy(offer_timeout_seconds=20)
    centre.queue(channels=[Channel.PHONE])
    first_choice = centre.agent()
    second_choice = centre.agent()
    call = centre.conversation(channel=Channel.PHONE)
    offered = centre.route(call)
    assert offered is not None and offered.agent_id == first_choice and offered.offered

    centre.later(10)
    sweep(centre.database, at=centre.now)  # not due yet
    assert [o.state for o in centre.offers_of(call)] == [OfferState.PENDING]

    centre.later(11)
    sweep(centre.database, at=centre.now)

    first, second = centre.offers_of(call)
    assert (first.agent_id, first.state) == (first_choice, OfferState.EXPIRED)
    assert (second.agent_id, second.state) == (second_choice, OfferState.PENDING)
    assert [e.type for e in centre.events(call, EventType.OFFERED, EventType.OFFER_EXPIRED)] == [
        EventType.OFFERED,
        EventType.OFFER_EXPIRED,
        EventType.OFFERED,
    ]
    missed = centre.status(first_choice)
    assert (missed.state, missed.load_phone, missed.missed_offers) == (PresenceState.AWAY, 0, 1)
    assert centre.status(second_choice).load_phone == 1

    centre.accept(second.id)
    answered = centre.get(call)
    assert (answered.routing_state, answered.assignee_id) == (
        RoutingState.ASSIGNED,
        second_choice,
    )
    assert centre.status(second_choice).load_phone == 1
