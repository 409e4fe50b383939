"""Who may take what: the agent's view of themselves and their queues, and the queries that
find candidates — agents for a conversation, conversations for an agent.

Both kinds of query are built once per shape (channel, number of skills and languages,
sticky mode; number of queues) and cached; slots that a call does not need are filled with
a value nothing is spelled like. Only the conditional UPDATEs in ``core.routing.assignment``
guard correctness; these queries pick whom to try, cheaply: each walks an index in order
and stops after a few eligible rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import statements as st
from core.models.agent_status import PresenceState, capacity_column, load_column
from core.models.channel import Channel
from core.routing import statements as rs
from core.routing.eligibility import meets, split_requirements

AGENT_CANDIDATES = 8  # agents tried per query, idle longest first
CONVERSATION_CANDIDATES = 3  # per queue, best first
QUEUE_SLOTS = 8  # queues searched in one statement
LANGUAGE_SLOTS = 6  # languages of an agent matched in SQL (more are still checked in Python)
NEVER = "~"  # fills unused slots: no channel, language or tag is spelled like this

Mode = Literal["agent", "team", "anyone"]

_status = rs.agent_status_t
_user = rs.user_t
_conversation = rs.conversation_t
_offer = rs.offer_t


@dataclass(slots=True)
class AgentView:
    """What routing needs of an agent, read once per route_agent call."""

    id: uuid.UUID
    state: PresenceState
    active: bool
    tier: str | None
    languages: list[str]
    org_unit_id: uuid.UUID | None
    overrides: dict[str, Any]
    loads: dict[Channel, int]
    caps: dict[Channel, int]
    phone_day: Any
    phone_seconds: int
    skills: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QueueView:
    id: uuid.UUID
    required_skills: dict[str, int]
    agent_capacity: dict[str, Any]


def _skipped(column: sa.Column[Any], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Declined or missed offers: agents skipped for a conversation, or conversations an
    agent skipped. Used as ``NOT IN``, computed once per query (a hashed subplan)."""
    return sa.select(column).where(
        _offer.c.tenant_id == rs.TENANT, _offer.c.state.in_(rs.SKIPPED_OFFER_STATES), *where
    )


@cache
def agent_candidates(
    channel: Channel, skill_count: int, language_count: int, mode: Mode
) -> sa.Select[Any]:
    """Available agents of a tier who may take a conversation, idle longest first.

    Parameters: tier, cid, queue_limit (0 without a queue cap), skill_i/level_i, lang_i
    (``%"zh"%``) and lang_prefix_i (``%"zh-%``), target (agent or team), today/phone_cap.
    """
    load = _status.c[load_column(channel)]
    conditions: list[sa.ColumnElement[bool]] = [
        _status.c.tenant_id == rs.TENANT,
        _status.c.state == rs.AVAILABLE,
        _user.c.active.is_(True),
        _user.c.tier == sa.bindparam("tier", type_=sa.String()),
        sa.or_(load < _status.c[capacity_column(channel)], load < sa.bindparam("queue_limit")),
        _status.c.id.not_in(
            _skipped(_offer.c.agent_id, _offer.c.conversation_id == sa.bindparam("cid"))
        ),
    ]
    if channel is Channel.PHONE:
        conditions.append(rs.under_phone_cap())
    if skill_count:
        skill = rs.skill_t
        matched = (
            sa.select(sa.func.count())
            .where(
                skill.c.tenant_id == rs.TENANT,
                skill.c.user_id == _status.c.id,
                sa.or_(
                    *(
                        sa.and_(
                            skill.c.skill == sa.bindparam(f"skill_{i}"),
                            skill.c.level >= sa.bindparam(f"level_{i}"),
                        )
                        for i in range(skill_count)
                    )
                ),
            )
            .scalar_subquery()
        )
        conditions.append(matched == skill_count)
    languages = sa.func.lower(sa.cast(_user.c.languages, sa.Text()))
    for i in range(language_count):
        conditions.append(
            sa.or_(
                languages.like(sa.bindparam(f"lang_{i}")),
                languages.like(sa.bindparam(f"lang_prefix_{i}")),
            )
        )
    if mode == "agent":
        conditions.append(_status.c.id == sa.bindparam("target", type_=sa.Uuid()))
    elif mode == "team":
        conditions.append(_user.c.org_unit_id == sa.bindparam("target", type_=sa.Uuid()))
    eligible = (
        sa.select(
            _status.c.id,
            _status.c.capacity_overrides,
            load.label("load"),
            _status.c.last_assigned_at,
        )
        .join(_user, sa.and_(_user.c.tenant_id == _status.c.tenant_id, _user.c.id == _status.c.id))
        .where(*conditions)
    )
    # Two index-ordered walks (never assigned, then oldest assignment first) that stop at the
    # first few eligible agents, instead of one sort over every available agent.
    never = (
        eligible.where(_status.c.last_assigned_at.is_(None))
        .order_by(_status.c.id)
        .limit(AGENT_CANDIDATES)
        .subquery("never_assigned")
    )
    longest = (
        eligible.where(_status.c.last_assigned_at.is_not(None))
        .order_by(_status.c.last_assigned_at, _status.c.id)
        .limit(AGENT_CANDIDATES)
        .subquery("idle_longest")
    )
    merged = sa.union_all(sa.select(*never.c), sa.select(*longest.c)).subquery("candidates")
    return (
        sa.select(merged.c.id, merged.c.capacity_overrides, merged.c.load)
        .order_by(merged.c.last_assigned_at.asc().nulls_first(), merged.c.id)
        .limit(AGENT_CANDIDATES)
    )


_language = sa.func.lower(_conversation.c.language)


def _waiting_in_queue(slot: int) -> sa.Subquery:
    """The best few waiting conversations of queue ``queue_<slot>`` that the agent may take:
    their tier, a channel they have room on (``channel_<slot>_<i>``), a language they speak
    (``lang_<i>``, ``lang_prefix_<i>``), not reserved for someone else, not skipped by them."""
    return (
        sa.select(
            _conversation.c.id,
            _conversation.c.queue_id,
            _conversation.c.channel,
            _conversation.c.routing_rank,
            _conversation.c.waiting_since,
            _conversation.c.required_skills,
        )
        .where(
            _conversation.c.tenant_id == rs.TENANT,
            _conversation.c.queue_id == sa.bindparam(f"queue_{slot}", type_=sa.Uuid()),
            _conversation.c.routing_state == rs.WAITING,
            _conversation.c.assignee_id.is_(None),
            _conversation.c.tier == sa.bindparam("tier", type_=sa.String()),
            _conversation.c.channel.in_(
                [
                    sa.bindparam(f"channel_{slot}_{i}", type_=sa.String())
                    for i in range(len(Channel))
                ]
            ),
            sa.or_(
                _conversation.c.language.is_(None),
                _conversation.c.language == "",
                _language.in_([sa.bindparam(f"lang_{i}") for i in range(LANGUAGE_SLOTS)]),
                *(_language.like(sa.bindparam(f"lang_prefix_{i}")) for i in range(LANGUAGE_SLOTS)),
            ),
            sa.or_(
                _conversation.c.sticky_until.is_(None),
                _conversation.c.sticky_until <= sa.bindparam("now"),
                _conversation.c.sticky_agent_id == sa.bindparam("agent_id", type_=sa.Uuid()),
                _conversation.c.sticky_org_unit_id == sa.bindparam("org_unit_id", type_=sa.Uuid()),
            ),
            _conversation.c.id.not_in(
                _skipped(
                    _offer.c.conversation_id,
                    _offer.c.agent_id == sa.bindparam("agent_id", type_=sa.Uuid()),
                )
            ),
        )
        .order_by(
            _conversation.c.routing_rank.desc(),
            _conversation.c.waiting_since,
            _conversation.c.id,
        )
        .limit(CONVERSATION_CANDIDATES)
        .subquery(f"queue_{slot}")
    )


@cache
def waiting_for_agent(queue_count: int) -> sa.Select[Any]:
    """The best waiting conversations across ``queue_count`` queues, in one round trip: each
    queue's best few by its index (rank within queue), merged."""
    branches = [_waiting_in_queue(slot) for slot in range(queue_count)]
    merged = sa.union_all(*(sa.select(*branch.c) for branch in branches)).subquery("merged")
    return (
        sa.select(*merged.c)
        .order_by(merged.c.routing_rank.desc(), merged.c.waiting_since, merged.c.id)
        .limit(CONVERSATION_CANDIDATES + 2)
    )


AGENT = (
    sa.select(
        _status.c.id,
        _status.c.state,
        _status.c.capacity_overrides,
        _status.c.phone_day,
        _status.c.phone_seconds,
        *(_status.c[load_column(c)] for c in Channel),
        *(_status.c[capacity_column(c)] for c in Channel),
        _user.c.active,
        _user.c.tier,
        _user.c.languages,
        _user.c.org_unit_id,
    )
    .join(_user, sa.and_(_user.c.tenant_id == _status.c.tenant_id, _user.c.id == _status.c.id))
    .where(_status.c.tenant_id == rs.TENANT, _status.c.id == sa.bindparam("agent_id"))
)
AGENT_SKILLS = sa.select(rs.skill_t.c.skill, rs.skill_t.c.level).where(
    rs.skill_t.c.tenant_id == rs.TENANT, rs.skill_t.c.user_id == sa.bindparam("agent_id")
)
QUEUES_OF_TIER = sa.select(
    rs.queue_t.c.id, rs.queue_t.c.required_skills, rs.queue_t.c.agent_capacity
).where(
    rs.queue_t.c.tenant_id == rs.TENANT,
    rs.queue_t.c.active.is_(True),
    rs.queue_t.c.tier == sa.bindparam("tier", type_=sa.String()),
)


def load_agent(session: Session, agent_id: uuid.UUID) -> AgentView | None:
    """The agent's status, profile and skills; None for someone who never had a presence."""
    row = st.run(session, AGENT, {"agent_id": agent_id}).first()
    if row is None:
        return None
    mapping = row._mapping
    skills = {
        name: level for name, level in st.run(session, AGENT_SKILLS, {"agent_id": agent_id}).all()
    }
    return AgentView(
        id=row.id,
        state=PresenceState(row.state),
        active=row.active,
        tier=None if row.tier is None else str(row.tier),
        languages=list(row.languages or []),
        org_unit_id=row.org_unit_id,
        overrides=dict(row.capacity_overrides or {}),
        loads={c: mapping[load_column(c)] for c in Channel},
        caps={c: mapping[capacity_column(c)] for c in Channel},
        phone_day=row.phone_day,
        phone_seconds=row.phone_seconds,
        skills=skills,
    )


def eligible_queues(session: Session, agent: AgentView) -> list[QueueView]:
    """Active queues of the agent's tier whose graded skill requirements they meet.

    A conversation waiting in a queue of another tier (placed there for want of one of its
    own) is found from its side: route_conversation, and the sweep's pass over such work.
    """
    queues = [
        QueueView(row.id, dict(row.required_skills or {}), dict(row.agent_capacity or {}))
        for row in st.run(session, QUEUES_OF_TIER, {"tier": agent.tier}).all()
    ]
    return [
        queue
        for queue in queues
        if meets(split_requirements(queue.required_skills)[0], skills=agent.skills, languages=())
    ]
