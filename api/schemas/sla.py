"""SLA calendars, policies, clock state, breaches and prediction accuracy on the wire."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG, Label, patch_field
from core.models.channel import Channel
from core.models.contact import ValueTier
from core.models.conversation import Priority
from core.models.sla import BreachAction, ClockOutcome, SlaMetric
from core.sla.calendars import MAX_HOLIDAYS, MAX_INTERVALS_PER_DAY
from core.sla.policies import MAX_TARGET_SECONDS

CalendarName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=NO_NUL)]
PolicyName = CalendarName
TimeZoneName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=NO_NUL),
    Field(description="IANA time zone, like Asia/Shanghai"),
]
WallTime = Annotated[
    str,
    StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?|24:00)$"),
    Field(description='local "HH:MM"; an end of "24:00" is midnight'),
]
Interval = Annotated[list[WallTime], Field(min_length=2, max_length=2)]
Weekly = Annotated[
    dict[
        Annotated[str, StringConstraints(pattern=r"^[0-6]$")],
        Annotated[list[Interval], Field(max_length=MAX_INTERVALS_PER_DAY)],
    ],
    Field(
        description='weekday (0 = Monday) → working intervals, e.g. {"0": [["09:00", "18:00"]]}',
        max_length=7,
    ),
]
Holidays = Annotated[list[date], Field(max_length=MAX_HOLIDAYS, description="local dates off")]
TargetSeconds = Annotated[int, Field(ge=1, le=MAX_TARGET_SECONDS, description="working seconds")]
WarnShare = Annotated[float, Field(gt=0, le=1, description="share of the target that warns")]
Position = Annotated[int, Field(ge=0, le=1_000_000, description="policies are tried lowest first")]


class CalendarIn(BaseModel):
    model_config = INPUT_CONFIG

    name: CalendarName
    timezone: TimeZoneName
    weekly: Weekly
    holidays: Holidays = Field(default_factory=list)
    is_default: bool = Field(default=False, description="the tenant's calendar where none is set")

    def fields(self) -> dict[str, Any]:
        return {**self.model_dump(), "holidays": [day.isoformat() for day in self.holidays]}


class CalendarUpdate(BaseModel):
    model_config = INPUT_CONFIG

    name: CalendarName = patch_field()
    timezone: TimeZoneName = patch_field()
    weekly: Weekly = patch_field()
    holidays: Holidays = patch_field()
    is_default: bool = patch_field()

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        if "holidays" in changes:
            changes["holidays"] = [day.isoformat() for day in self.holidays]
        return changes


class CalendarOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    timezone: str
    weekly: dict[str, list[list[str]]]
    holidays: list[str]
    is_default: bool
    created_at: datetime


class PolicyIn(BaseModel):
    """Empty match lists match anything; each target left out falls through to later policies."""

    model_config = INPUT_CONFIG

    name: PolicyName
    position: Position = 100
    active: bool = True
    match_priorities: list[Priority] = Field(default_factory=list, max_length=len(Priority))
    match_value_tiers: list[ValueTier] = Field(default_factory=list, max_length=len(ValueTier))
    match_channels: list[Channel] = Field(default_factory=list, max_length=len(Channel))
    match_categories: list[Label] = Field(default_factory=list, max_length=100)
    first_response_seconds: TargetSeconds | None = None
    next_response_seconds: TargetSeconds | None = None
    resolution_seconds: TargetSeconds | None = None
    warn_share: WarnShare = 0.8
    calendar_id: uuid.UUID | None = None
    breach_actions: list[BreachAction] = Field(default_factory=list, max_length=len(BreachAction))
    move_to_queue_id: uuid.UUID | None = Field(default=None, description="for move_queue")

    def fields(self) -> dict[str, Any]:
        return self.model_dump()


class PolicyUpdate(BaseModel):
    model_config = INPUT_CONFIG

    name: PolicyName = patch_field()
    position: Position = patch_field()
    active: bool = patch_field()
    match_priorities: list[Priority] = patch_field(max_length=len(Priority))
    match_value_tiers: list[ValueTier] = patch_field(max_length=len(ValueTier))
    match_channels: list[Channel] = patch_field(max_length=len(Channel))
    match_categories: list[Label] = patch_field(max_length=100)
    first_response_seconds: TargetSeconds | None = None
    next_response_seconds: TargetSeconds | None = None
    resolution_seconds: TargetSeconds | None = None
    warn_share: WarnShare = patch_field()
    calendar_id: uuid.UUID | None = None
    breach_actions: list[BreachAction] = patch_field(max_length=len(BreachAction))
    move_to_queue_id: uuid.UUID | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class PolicyOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    name: str
    position: int
    active: bool
    match_priorities: list[str]
    match_value_tiers: list[str]
    match_channels: list[str]
    match_categories: list[str]
    first_response_seconds: int | None
    next_response_seconds: int | None
    resolution_seconds: int | None
    warn_share: float
    calendar_id: uuid.UUID | None
    breach_actions: list[str]
    move_to_queue_id: uuid.UUID | None
    created_at: datetime


class SlaClockOut(BaseModel):
    """One target on a conversation, running or finished."""

    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    metric: SlaMetric
    level: int = Field(description="escalations up the org tree before this clock started")
    target_seconds: int = Field(description="working seconds")
    started_at: datetime
    due_at: datetime | None = Field(description="null while paused (waiting on the customer)")
    remaining_seconds: float = Field(description="working seconds left; negative once breached")
    paused: bool
    warned: bool
    breached: bool
    stopped_at: datetime | None
    outcome: ClockOutcome | None
    predicted_answer_at: datetime | None = Field(description="breach prediction, while waiting")
    at_risk: bool = Field(description="predicted to be answered after the due time")
    policy_id: uuid.UUID | None


class BreachOut(BaseModel):
    model_config = OUTPUT_CONFIG

    clock_id: uuid.UUID
    conversation_id: uuid.UUID
    conversation_number: int
    queue_id: uuid.UUID | None = Field(description="the conversation's queue now")
    metric: SlaMetric
    level: int
    target_seconds: int
    due_at: datetime | None
    breached_at: datetime
    stopped_at: datetime | None
    outcome: ClockOutcome | None
    policy_id: uuid.UUID | None


class AccuracyOut(BaseModel):
    model_config = OUTPUT_CONFIG

    since: datetime
    precision: float | None = Field(description="share of at-risk flags that did breach")
    recall: float | None = Field(description="share of response breaches flagged before")
    counts: dict[str, int]
