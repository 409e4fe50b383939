"""The history's SLA clocks (D15), as the SLA engine would have left them.

The demo centre has run on its hotline calendar and the default policies since it was founded,
so both are history rows here, not something the live stage adds afterwards: the clocks below
need the policies' ids, and a policy created after its own clocks would make no sense.

Each conversation's story, cut at now, is replayed through the engine's rules (core.sla.hooks:
clocks start at creation; an agent's answer stops the response clocks; a customer writing after
an answer starts next response; pending pauses everything; resolving or closing stops it; a
reopening starts a fresh resolution clock) with the engine's own target choice and
working-time arithmetic (core.sla.policies, core.sla.clocks, core.sla.business_hours). Warnings
and breaches are booked at their warn and due moments, as the sweep stores them.

Only clocks that have stopped by now become rows; those still running belong to the live stage,
which starts them through the engine itself. Breach actions (raising priority, the lead's
notice, climbing the org tree) are not replayed: a story's hand-offs are its own, and the
history must not send notices.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from core.models import BusinessCalendarRecord, ConversationStatus, EventType, ValueTier
from core.models import MessageDirection as Direction
from core.models.sla import ClockOutcome, SlaClock, SlaMetric, SlaPolicy
from core.seed.rows import Row
from core.seed.run import LOCAL_TZ, SeedRun
from core.seed.story import Step
from core.sla.calendars import to_calendar
from core.sla.clocks import RESPONSE_METRICS, pause, resume, schedule, settle
from core.sla.policies import DEFAULT_POLICIES, MatchFacts, Target, choose_targets

HOTLINE_HOURS = {str(day): [["08:00", "22:00"]] for day in range(7)}
PUBLIC_HOLIDAYS = (  # mainland China statutory days off around the demo's months
    "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06",
    "2026-10-07", "2027-01-01", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09",
)  # fmt: skip
CLOCK_COLUMNS = tuple(SlaClock.model_fields)
LIFECYCLE = frozenset({EventType.CREATED, EventType.REOPENED, EventType.STATUS_CHANGED})


class SlaHistory:
    """The tenant's calendar and policies as rows, and the settled clocks of each story."""

    def __init__(self, run: SeedRun) -> None:
        self.run = run
        record = run.rows.add(
            BusinessCalendarRecord,
            run.founded,
            name="Hotline hours",
            timezone=LOCAL_TZ.key,
            weekly=HOTLINE_HOURS,
            holidays=list(PUBLIC_HOLIDAYS),
            is_default=True,
        )
        # No seeded queue or default policy names a calendar: every clock runs on the default.
        self.calendar = to_calendar(BusinessCalendarRecord(**record))
        rows = [run.rows.add(SlaPolicy, run.founded, **spec) for spec in DEFAULT_POLICIES]
        self.policies = sorted((SlaPolicy(**row) for row in rows), key=_tried_order)
        self._targets: dict[MatchFacts, dict[SlaMetric, Target]] = {}

    def targets(self, facts: MatchFacts) -> dict[SlaMetric, Target]:
        """policies.targets_for, from the policies above (a few hundred distinct facts)."""
        if facts not in self._targets:
            self._targets[facts] = choose_targets(self.policies, facts)
        return self._targets[facts]

    def settle(self, conversation: Row, tier: ValueTier, steps: Iterable[Step]) -> list[Step]:
        """Write the clocks that stopped among ``steps`` (in order, none after now); returns
        their timeline events, and sets the conversation's breach moment from them."""
        replay = _Replay(self, conversation, tier)
        for step in steps:
            replay.step(step)
        settled = [clock for clock in replay.clocks if clock.stopped_at is not None]
        for clock in settled:
            values = {name: getattr(clock, name) for name in CLOCK_COLUMNS}
            self.run.rows.add(SlaClock, clock.started_at, **values)
        # Clocks still running are the live stage's: it writes the due columns when it starts them.
        conversation.update(
            first_response_due_at=None,
            next_response_due_at=None,
            resolution_due_at=None,
            sla_breached_at=min(
                (c.breached_at for c in settled if c.breached_at is not None), default=None
            ),
        )
        ids = {clock.id for clock in settled}
        return [event for clock_id, event in replay.events if clock_id in ids]


class _Replay:
    """One conversation's clocks while its story is told to the engine's rules (hooks.py)."""

    def __init__(self, history: SlaHistory, conversation: Row, tier: ValueTier) -> None:
        self.history, self.calendar = history, history.calendar
        self.conversation = conversation
        self.facts = MatchFacts(
            priority=conversation["priority"],
            value_tier=tier,
            channel=conversation["channel"],
            category=conversation["category"],
        )
        self.status = ConversationStatus.NEW
        self.answered = False  # the conversation's first_response_at is set
        self.clocks: list[SlaClock] = []
        self.events: list[tuple[uuid.UUID, Step]] = []  # each with its clock's id

    def step(self, step: Step) -> None:
        """What the lifecycle would have told the engine at this step, after the sweep's due
        warnings and breaches up to its moment (other steps change no clock)."""
        inbound = step.direction is Direction.INBOUND
        if not (step.responds or inbound or step.type in LIFECYCLE):
            return
        at = step.at
        self._sweep(at)
        if step.type is EventType.CREATED:
            self._start_clocks(at)
        elif step.type is EventType.REOPENED:
            self._status(ConversationStatus.OPEN, at)
        elif step.type is EventType.STATUS_CHANGED:
            self._status(ConversationStatus(step.data["to"]), at)
        if step.responds:
            self.answered = True
            for clock in self._running(*RESPONSE_METRICS):
                self._stop(clock, at, met=True)
        elif inbound:
            self._customer_message(at)

    def _start_clocks(self, at: datetime) -> None:
        """hooks.start_clocks: first response and resolution, from the creation."""
        targets = self._targets()
        for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION):
            if metric in targets:
                self._start(targets[metric], at)

    def _customer_message(self, at: datetime) -> None:
        """ingest._tell_sla: a message makes a pending or resolved conversation open first;
        then hooks.customer_message starts next response after an agent's answer."""
        if self.status in (ConversationStatus.PENDING, ConversationStatus.RESOLVED):
            self._status(ConversationStatus.OPEN, at)
        if not self.answered or self._running(SlaMetric.NEXT_RESPONSE):
            return
        target = self._targets().get(SlaMetric.NEXT_RESPONSE)
        if target is not None:
            self._start(target, at)

    def _status(self, new: ConversationStatus, at: datetime) -> None:
        """hooks.status_changed."""
        old, self.status = self.status, new
        if old is new:
            return
        if not new.is_open:
            for clock in self._running(SlaMetric.RESOLUTION):
                self._stop(clock, at, met=True)
            for clock in self._running(*RESPONSE_METRICS):
                self._stop(clock, at, met=False)
        elif not old.is_open:
            target = self._targets().get(SlaMetric.RESOLUTION)
            if target is not None and not self._running(SlaMetric.RESOLUTION):
                resolutions = [c for c in self.clocks if c.metric is SlaMetric.RESOLUTION]
                self._start(target, at, level=max((c.level for c in resolutions), default=0))
            if new is ConversationStatus.PENDING:
                for clock in self._running():
                    pause(clock, self.calendar, at)
        elif new is ConversationStatus.PENDING:
            for clock in self._running():
                pause(clock, self.calendar, at)
        elif old is ConversationStatus.PENDING:
            for clock in self._running():
                resume(clock, self.calendar, at)

    def _targets(self) -> dict[SlaMetric, Target]:
        return self.history.targets(self.facts)

    def _running(self, *metrics: SlaMetric) -> list[SlaClock]:
        return [
            c for c in self.clocks if c.stopped_at is None and (not metrics or c.metric in metrics)
        ]

    def _start(self, target: Target, at: datetime, *, level: int = 0) -> None:
        """ConversationClocks.start."""
        clock = SlaClock(
            tenant_id=self.history.run.rows.tenant_id,
            created_at=at,
            conversation_id=self.conversation["id"],
            policy_id=target.policy.id,
            metric=target.metric,
            level=level,
            target_seconds=target.seconds,
            warn_share=target.policy.warn_share,
            started_at=at,
            running_since=at,
        )
        schedule(clock, self.calendar, at)
        self.clocks.append(clock)
        self._record(clock, EventType.SLA_STARTED, at, policy=target.policy.name)

    def _stop(self, clock: SlaClock, at: datetime, *, met: bool) -> None:
        """ConversationClocks.stop (the sweep has already booked a breach that came due)."""
        if settle(clock, self.calendar, at, met=met) is ClockOutcome.MET:
            self._record(clock, EventType.SLA_MET, at, elapsed_seconds=clock.elapsed_seconds)

    def _sweep(self, until: datetime) -> None:
        """The sweep's warnings and breaches of running clocks due by ``until``, each booked at
        the instant it came due (paused clocks have no due or warning time)."""
        for clock in self._running():
            if clock.warned_at is None and clock.warn_at is not None and clock.warn_at <= until:
                clock.warned_at = clock.warn_at
                self._record(clock, EventType.SLA_WARNED, clock.warn_at)
            if clock.breached_at is None and clock.due_at is not None and clock.due_at <= until:
                clock.breached_at = clock.due_at
                policy = next(p for p in self.history.policies if p.id == clock.policy_id)
                self._record(
                    clock,
                    EventType.SLA_BREACHED,
                    clock.due_at,
                    policy=policy.name,
                    actions=list(policy.breach_actions),
                )

    def _record(self, clock: SlaClock, type_: EventType, at: datetime, **data: object) -> None:
        """The event ConversationClocks._record (or the sweep) writes for this clock."""
        due = None if clock.due_at is None else clock.due_at.isoformat()
        described = {
            "clock_id": str(clock.id),
            "metric": clock.metric.value,
            "level": clock.level,
            "target_seconds": clock.target_seconds,
            "due_at": due,
        }
        self.events.append((clock.id, Step(at, type_, data=described | data)))


def _tried_order(policy: SlaPolicy) -> tuple[int, str]:
    """policies.list_policies' order: position, then name."""
    return policy.position, policy.name
