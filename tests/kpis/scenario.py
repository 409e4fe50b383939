"""Random days of contact-center work, written to the database as the services would leave it
at any moment ``cut``: what has happened by then is there, what has not is not yet.

A scenario is a list of conversations, each a small story (arrival, a wait ended by an answer
or a hang-up, maybe pending time, a transfer or an escalation, a resolution, a reopening, a
recategorisation, SLA clocks, a survey answer after the resolution), and agents' presence
periods. ``write_until`` brings the rows up
to ``cut``: rows are inserted when they begin and updated as their story goes on, events
appended, exactly as incremental rollup refreshes will meet them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st_
from sqlalchemy.orm import Session

from core import contacts, org_units, queues, users
from core.conversations import open_conversation
from core.events import record_event
from core.ids import new_id
from core.kpis.facts import clock_t, csat_t, interaction_t, state_change_t
from core.models import (
    Channel,
    ClockOutcome,
    ConversationStatus,
    EventType,
    InteractionState,
    OrgUnitKind,
    PresenceState,
    Role,
    SlaMetric,
    SurveyChannel,
    Tier,
    ValueTier,
)
from core.statements import conversation_t

BASE = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
HOURS = 8 * 3600


@dataclass(frozen=True)
class Story:
    """One conversation; times are seconds after BASE (fractions keep sub-second parts)."""

    channel: Channel
    created: float
    category: str | None
    gold: bool
    wait: int
    outcome: str  # answered | abandoned | waiting
    talk: int
    hold: int
    wrap: int
    wrap_done: bool
    pending: tuple[int, int] | None  # after the answer: starts after, lasts
    handoff: str  # none | transfer | escalate
    resolve_after: int | None  # after the answer (and any pending)
    reopen_after: int | None
    resolve_again_after: int | None
    recategorise_after: int | None
    clocks: tuple[tuple[bool, int, int], ...]  # (met, outcome after creation, stop delay)
    survey: tuple[int, int] | None  # (answered after the first resolution, score)


stories = st_.builds(
    Story,
    channel=st_.sampled_from([Channel.PHONE, Channel.EMAIL, Channel.WEBFORM]),
    created=st_.floats(min_value=0, max_value=HOURS, allow_nan=False),
    category=st_.sampled_from([None, "billing", "complaint"]),
    gold=st_.booleans(),
    wait=st_.integers(min_value=0, max_value=25) | st_.integers(min_value=0, max_value=3_000),
    outcome=st_.sampled_from(["answered", "answered", "abandoned", "waiting"]),
    talk=st_.integers(min_value=0, max_value=900),
    hold=st_.integers(min_value=0, max_value=120),
    wrap=st_.integers(min_value=0, max_value=300),
    wrap_done=st_.booleans(),
    pending=st_.none() | st_.tuples(st_.integers(1, 600), st_.integers(1, 7_200)),
    handoff=st_.sampled_from(["none", "none", "transfer", "escalate"]),
    resolve_after=st_.none() | st_.integers(min_value=1, max_value=20_000),
    reopen_after=st_.none() | st_.integers(min_value=1, max_value=6_000),
    resolve_again_after=st_.none() | st_.integers(min_value=1, max_value=6_000),
    recategorise_after=st_.none() | st_.integers(min_value=1, max_value=30_000),
    clocks=st_.lists(
        st_.tuples(st_.booleans(), st_.integers(1, 20_000), st_.integers(0, 3_000)), max_size=2
    ).map(tuple),
    survey=st_.none() | st_.tuples(st_.integers(1, 10_000), st_.integers(1, 5)),
)
presence_periods = st_.lists(
    st_.tuples(
        st_.sampled_from([PresenceState.AVAILABLE, PresenceState.WRAP_UP, PresenceState.AWAY]),
        st_.integers(min_value=1, max_value=5_000),
    ),
    min_size=1,
    max_size=6,
)


def moment(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


@dataclass
class Centre:
    """The scenario's tenant: two org units, a phone queue and a written queue, two agents."""

    tenant_id: uuid.UUID
    hq: uuid.UUID
    site: uuid.UUID
    phone_queue: uuid.UUID
    written_queue: uuid.UUID
    agents: tuple[uuid.UUID, uuid.UUID]


def make_centre(session: Session, tenant_id: uuid.UUID) -> Centre:
    tag = uuid.uuid4().hex[:6]
    hq = org_units.create_org_unit(
        session, name="HQ", code=f"H{tag}", kind=OrgUnitKind.HEADQUARTERS
    )
    region = org_units.create_org_unit(
        session, name="R", code=f"R{tag}", kind=OrgUnitKind.REGION, parent_id=hq.id
    )
    site = org_units.create_org_unit(
        session, name="S", code=f"S{tag}", kind=OrgUnitKind.SITE, parent_id=region.id
    )
    phone = queues.create_queue(
        session, name=f"p{tag}", org_unit_id=site.id, channels=[Channel.PHONE],
        service_level_seconds=20,
    )  # fmt: skip
    written = queues.create_queue(
        session, name=f"w{tag}", org_unit_id=hq.id, tier=Tier.L2,
        channels=[Channel.EMAIL, Channel.WEBFORM], service_level_seconds=600,
    )  # fmt: skip
    agents = tuple(
        users.create_user(
            session, email=f"a{i}{tag}@example.com", name="A", roles=[Role.AGENT],
            tier=Tier.L1 if i == 0 else Tier.L2, org_unit_id=(site.id, hq.id)[i],
        ).id
        for i in range(2)
    )  # fmt: skip
    return Centre(tenant_id, hq.id, site.id, phone.id, written.id, (agents[0], agents[1]))


@dataclass
class Written:
    """What ``write_until`` has put in the database so far."""

    conversations: dict[int, uuid.UUID] = field(default_factory=dict)
    events: set[tuple[int, int]] = field(default_factory=set)
    rows: set[uuid.UUID] = field(default_factory=set)


@dataclass
class Plan:
    """A scenario turned into timed facts, with ids fixed up front."""

    centre: Centre
    stories: list[Story]
    presence: list[list[tuple[PresenceState, int]]]
    call_ids: list[uuid.UUID] = field(default_factory=list)
    clock_ids: list[list[uuid.UUID]] = field(default_factory=list)
    survey_ids: list[uuid.UUID] = field(default_factory=list)
    period_ids: list[list[uuid.UUID]] = field(default_factory=list)
    written: Written = field(default_factory=Written)

    def __post_init__(self) -> None:
        self.call_ids = [new_id() for _ in self.stories]
        self.clock_ids = [[new_id() for _ in s.clocks] for s in self.stories]
        self.survey_ids = [new_id() for _ in self.stories]
        self.period_ids = [[new_id() for _ in periods] for periods in self.presence]

    @property
    def end(self) -> datetime:
        """After every fact of the scenario."""
        return moment(HOURS + 46_000)


def _agent(plan: Plan, index: int) -> uuid.UUID:
    return plan.centre.agents[index % 2]


def _events(plan: Plan, index: int) -> list[tuple[float, EventType, dict[str, Any], Any]]:
    """The story's timeline events after creation: (seconds, type, data, actor)."""
    s, centre = plan.stories[index], plan.centre
    queue = centre.phone_queue if s.channel is Channel.PHONE else centre.written_queue
    events: list[tuple[float, EventType, dict[str, Any], Any]] = [
        (s.created + 0.25, EventType.QUEUED, {"queue_id": str(queue)}, None)
    ]
    if s.recategorise_after is not None:
        data = {"from": s.category, "to": "complaint_complex"}
        events.append((s.created + s.recategorise_after, EventType.CATEGORY_CHANGED, data, None))
    if s.outcome != "answered":
        return events
    answered = s.created + 0.25 + s.wait
    agent = _agent(plan, index)
    events.append((answered, EventType.ASSIGNED, {"assignee_id": str(agent)}, None))
    t = answered + s.talk + s.hold + s.wrap
    if s.pending is not None:
        start, lasts = s.pending
        events.append(
            (t + start, EventType.STATUS_CHANGED, {"from": "open", "to": "pending"}, agent)
        )
        events.append(
            (t + start + lasts, EventType.STATUS_CHANGED, {"from": "pending", "to": "open"}, None)
        )
        t += start + lasts
    if s.handoff == "transfer":
        data = {"from_queue_id": str(queue), "to_queue_id": str(queue)}
        events.append((t + 1, EventType.TRANSFERRED, data, agent))
    elif s.handoff == "escalate":
        data = {"from_queue_id": str(queue), "to_queue_id": str(_other(centre, queue))}
        events.append((t + 1, EventType.ESCALATED, data, agent))
    if s.resolve_after is None:
        return events
    t += 1 + s.resolve_after
    events.append((t, EventType.STATUS_CHANGED, {"from": "open", "to": "resolved"}, agent))
    if s.reopen_after is None:
        return events
    t += s.reopen_after
    events.append((t, EventType.REOPENED, {}, None))
    if s.resolve_again_after is not None:
        t += s.resolve_again_after
        events.append((t, EventType.STATUS_CHANGED, {"from": "open", "to": "closed"}, agent))
    return events


def _other(centre: Centre, queue: uuid.UUID) -> uuid.UUID:
    return centre.written_queue if queue == centre.phone_queue else centre.phone_queue


def write_until(session: Session, plan: Plan, cut: datetime) -> None:
    """Bring the database to the scenario's state at ``cut`` (no commit)."""
    for index, story in enumerate(plan.stories):
        if moment(story.created) > cut:
            continue
        _conversation(session, plan, index, cut)
        if story.channel is Channel.PHONE:
            _call(session, plan, index, cut)
        _clocks(session, plan, index, cut)
        _survey(session, plan, index, cut)
    for agent_index, periods in enumerate(plan.presence):
        _presence(session, plan, agent_index, periods, cut)


def _conversation(session: Session, plan: Plan, index: int, cut: datetime) -> None:
    s, written, centre = plan.stories[index], plan.written, plan.centre
    if index not in written.conversations:
        tier = ValueTier.GOLD if s.gold else ValueTier.STANDARD
        contact = contacts.create_contact(session, name="C", value_tier=tier)
        opened = open_conversation(
            session, contact_id=contact.id, channel=s.channel, category=s.category,
            at=moment(s.created),
        )  # fmt: skip
        written.conversations[index] = opened.id
    cid = written.conversations[index]
    values: dict[str, Any] = {}
    for n, (seconds, type_, data, actor) in enumerate(_events(plan, index)):
        if moment(seconds) > cut or (index, n) in written.events:
            continue
        record_event(
            session, conversation_id=cid, type=type_, data=data, actor_user_id=actor,
            occurred_at=moment(seconds),
        )  # fmt: skip
        written.events.add((index, n))
    for seconds, type_, data, _ in _events(plan, index):  # the columns as of the cut
        if moment(seconds) > cut:
            continue
        if type_ is EventType.QUEUED:
            values["queue_id"] = uuid.UUID(data["queue_id"])
            values["tier"] = Tier.L1 if values["queue_id"] == centre.phone_queue else Tier.L2
        elif type_ is EventType.ASSIGNED:
            values.setdefault("owner_id", uuid.UUID(data["assignee_id"]))
        elif type_ is EventType.CATEGORY_CHANGED:
            values["category"] = data["to"]
        elif type_ is EventType.ESCALATED:
            values["queue_id"] = uuid.UUID(data["to_queue_id"])
            values["tier"] = Tier.L1 if values["queue_id"] == centre.phone_queue else Tier.L2
        elif type_ is EventType.STATUS_CHANGED:
            values["status"] = ConversationStatus(data["to"])
        elif type_ is EventType.REOPENED:
            values["status"] = ConversationStatus.OPEN
    if values:
        session.execute(
            sa.update(conversation_t).where(conversation_t.c.id == cid).values(**values)
        )


def _call(session: Session, plan: Plan, index: int, cut: datetime) -> None:
    s, call_id = plan.stories[index], plan.call_ids[index]
    queued = moment(s.created + 0.25)
    answered = ended = wrap_started = wrap_ended = None
    if s.outcome == "answered":
        answered = queued + timedelta(seconds=s.wait)
        ended = answered + timedelta(seconds=s.talk + s.hold)
        wrap_started = ended
        wrap_ended = ended + timedelta(seconds=s.wrap) if s.wrap_done else None
    elif s.outcome == "abandoned":
        ended = queued + timedelta(seconds=s.wait)

    def known(at: datetime | None) -> datetime | None:
        return at if at is not None and at <= cut else None

    values: dict[str, Any] = {
        "answered_at": known(answered),
        "ended_at": known(ended),
        "wrap_up_started_at": known(wrap_started),
        "wrap_up_ended_at": known(wrap_ended),
        "agent_id": _agent(plan, index) if known(answered) else None,
        "talk_seconds": s.talk if known(ended) and answered else 0,
        "hold_seconds": s.hold if known(ended) and answered else 0,
        "wrap_up_seconds": s.wrap if known(wrap_ended) else 0,
        "abandoned": s.outcome == "abandoned" and known(ended) is not None,
        "state": InteractionState.ENDED if known(ended) else InteractionState.QUEUED,
    }
    if call_id not in plan.written.rows:
        session.execute(
            sa.insert(interaction_t).values(
                tenant_id=plan.centre.tenant_id, id=call_id, created_at=queued,
                conversation_id=plan.written.conversations[index], channel=Channel.PHONE,
                inbound=True, external_id=f"CA{call_id.hex}", queue_id=plan.centre.phone_queue,
                queued_at=queued, ivr_path=[], voicemail=False, **values,
            )
        )  # fmt: skip
        plan.written.rows.add(call_id)
    else:
        session.execute(
            sa.update(interaction_t).where(interaction_t.c.id == call_id).values(**values)
        )


def _clocks(session: Session, plan: Plan, index: int, cut: datetime) -> None:
    s = plan.stories[index]
    for clock_id, (met, after, delay) in zip(plan.clock_ids[index], s.clocks, strict=True):
        outcome_at = moment(s.created + after)
        values: dict[str, Any] = {"stopped_at": None, "outcome": None, "breached_at": None}
        if met and outcome_at <= cut:
            values.update(stopped_at=outcome_at, outcome=ClockOutcome.MET)
        if not met and outcome_at <= cut:
            values["breached_at"] = outcome_at
            stop = outcome_at + timedelta(seconds=delay)
            if stop <= cut:
                values.update(stopped_at=stop, outcome=ClockOutcome.BREACHED)
        if clock_id not in plan.written.rows:
            session.execute(
                sa.insert(clock_t).values(
                    tenant_id=plan.centre.tenant_id, id=clock_id, created_at=moment(s.created),
                    conversation_id=plan.written.conversations[index],
                    metric=SlaMetric.RESOLUTION, level=0, target_seconds=after, warn_share=0.8,
                    started_at=moment(s.created), elapsed_seconds=0.0, **values,
                )
            )  # fmt: skip
            plan.written.rows.add(clock_id)
        else:
            session.execute(sa.update(clock_t).where(clock_t.c.id == clock_id).values(**values))


def _survey(session: Session, plan: Plan, index: int, cut: datetime) -> None:
    """The customer's answer, some time after the first resolution (whatever followed it)."""
    s, survey_id = plan.stories[index], plan.survey_ids[index]
    resolutions = [
        seconds
        for seconds, type_, data, _ in _events(plan, index)
        if type_ is EventType.STATUS_CHANGED and data["to"] == "resolved"
    ]
    if s.survey is None or not resolutions or survey_id in plan.written.rows:
        return
    after, score = s.survey
    answered = moment(resolutions[0] + after)
    if answered > cut:
        return
    session.execute(
        sa.insert(csat_t).values(
            tenant_id=plan.centre.tenant_id, id=survey_id, created_at=answered,
            conversation_id=plan.written.conversations[index], score=score, comment="",
            channel=SurveyChannel.WEB, answered_at=answered,
        )
    )  # fmt: skip
    plan.written.rows.add(survey_id)


def _presence(
    session: Session,
    plan: Plan,
    agent_index: int,
    periods: list[tuple[PresenceState, int]],
    cut: datetime,
) -> None:
    start = moment(agent_index * 137.5)
    for period_id, (state, lasts) in zip(plan.period_ids[agent_index], periods, strict=True):
        end = start + timedelta(seconds=lasts)
        is_last = period_id == plan.period_ids[agent_index][-1]
        if start > cut:
            return
        ended = None if is_last or end > cut else end
        if period_id not in plan.written.rows:
            session.execute(
                sa.insert(state_change_t).values(
                    tenant_id=plan.centre.tenant_id, id=period_id, created_at=start,
                    user_id=plan.centre.agents[agent_index], state=state, started_at=start,
                    ended_at=ended,
                )
            )  # fmt: skip
            plan.written.rows.add(period_id)
        else:
            session.execute(
                sa.update(state_change_t)
                .where(state_change_t.c.id == period_id)
                .values(ended_at=ended)
            )
        start = end
