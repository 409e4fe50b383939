"""The stored rank orders conversations as the live score does, at any time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from core.models import Channel, PresenceState, Priority, ValueTier
from core.routing.context import RoutingContext
from core.routing.rank import compute_rank, due_for_rank, explain, live_score
from tests.routing.routing_support import Centre

BASE = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # a DST change in Europe, for good measure
weights = st.floats(min_value=-5000, max_value=5000, allow_nan=False)
contexts = st.builds(
    lambda tiers, priorities, wait, sla: RoutingContext(
        timezone=ZoneInfo("Europe/Berlin"),
        value_tier_weights=dict(zip([t.value for t in ValueTier], tiers, strict=True)),
        priority_weights=dict(zip([p.value for p in Priority], priorities, strict=True)),
        wait_weight=wait,
        sla_weight=sla,
        sticky_window_seconds=900,
        offer_timeout_seconds=20,
        missed_offer_sets_away=True,
        default_capacity={},
        daily_phone_cap_seconds=21600,
    ),
    st.lists(weights, min_size=len(ValueTier), max_size=len(ValueTier)),
    st.lists(weights, min_size=len(Priority), max_size=len(Priority)),
    st.floats(min_value=0, max_value=20, allow_nan=False),
    st.floats(min_value=0, max_value=20, allow_nan=False),
)
waiting = st.tuples(
    st.sampled_from(ValueTier),
    st.sampled_from(Priority),
    st.integers(min_value=0, max_value=7 * 86_400),  # waiting since, after BASE
    st.one_of(st.none(), st.integers(min_value=-86_400, max_value=3 * 86_400)),  # due, after it
)


@settings(max_examples=300, deadline=None)
@given(
    context=contexts,
    conversations=st.lists(waiting, min_size=2, max_size=12),
    later=st.integers(min_value=0, max_value=30 * 86_400),
)
def test_stored_rank_order_is_the_live_score_order_at_any_time(
    context: RoutingContext,
    conversations: list[tuple[ValueTier, Priority, int, int | None]],
    later: int,
) -> None:
    ranks, scores = [], []
    now = BASE + timedelta(seconds=7 * 86_400 + later)
    for tier, priority, since, due in conversations:
        waiting_since = BASE + timedelta(seconds=since)
        due_at, _ = due_for_rank(
            waiting_since=waiting_since,
            first_response_at=None,
            first_response_due_at=None if due is None else waiting_since + timedelta(seconds=due),
            next_response_due_at=None,
        )
        rank = compute_rank(
            context, value_tier=tier, priority=priority, waiting_since=waiting_since, due_at=due_at
        )
        explained = (
            context.value_tier_weight(tier)
            + context.priority_weight(priority)
            + context.wait_weight * (now - waiting_since).total_seconds()
            - context.sla_weight * (due_at - now).total_seconds()
        )
        assert abs(live_score(context, rank, now) - explained) < 1e-2
        ranks.append(rank)
        scores.append(explained)
    for i, j in combinations(range(len(ranks)), 2):
        if abs(scores[i] - scores[j]) > 1e-2:
            assert (ranks[i] > ranks[j]) == (scores[i] > scores[j])


def test_an_agent_gets_conversations_in_live_score_order(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL])
    agent = centre.agent(available=False, capacity={"email": 6})
    line: list[uuid.UUID] = []
    for tier, priority, gap in [
        (ValueTier.STANDARD, Priority.NORMAL, 400),
        (ValueTier.GOLD, Priority.LOW, 100),
        (ValueTier.STANDARD, Priority.HIGH, 700),
        (ValueTier.VIP, Priority.NORMAL, 50),
        (ValueTier.SILVER, Priority.URGENT, 10),
        (ValueTier.STANDARD, Priority.LOW, 0),
    ]:
        conversation = centre.conversation(value_tier=tier, priority=priority)
        assert centre.route(conversation) is None
        line.append(conversation)
        centre.later(gap)
    with centre.database.tenant_session(centre.tenant_id) as session:
        scores = {cid: explain(session, conversation_id=cid, at=centre.now).score for cid in line}
    expected = sorted(line, key=lambda cid: -(scores[cid] or 0.0))

    centre.presence(agent, PresenceState.AVAILABLE)
    taken = [routed.conversation_id for routed in centre.route_agent(agent)]

    assert taken == expected
    assert taken != line  # the line is not simply first come, first served


def test_new_weights_reorder_the_line(centre: Centre) -> None:
    centre.queue(channels=[Channel.EMAIL])
    standard = centre.conversation(value_tier=ValueTier.STANDARD)
    centre.route(standard)
    centre.later(300)
    vip = centre.conversation(value_tier=ValueTier.VIP)
    centre.route(vip)

    def positions() -> tuple[int | None, int | None]:
        with centre.database.tenant_session(centre.tenant_id) as session:
            return tuple(  # type: ignore[return-value]
                explain(session, conversation_id=cid, at=centre.now).position
                for cid in (vip, standard)
            )

    assert positions() == (1, 2)  # 900 s of VIP weight beat 300 s of waiting
    centre.policy(value_tier_weights={"vip": 0}, sla_weight=0)
    assert positions() == (2, 1)  # now only waiting counts
    centre.policy(wait_weight=0, value_tier_weights={"vip": 1})
    assert positions() == (1, 2)
