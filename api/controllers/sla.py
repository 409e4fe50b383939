"""/sla: business-hours calendars, SLA policies, the breach list and prediction accuracy."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.sla import (
    AccuracyOut,
    BreachOut,
    CalendarIn,
    CalendarOut,
    CalendarUpdate,
    PolicyIn,
    PolicyOut,
    PolicyUpdate,
)
from core.clock import utcnow
from core.errors import FieldProblem, InvalidInputError
from core.models.sla import SlaMetric
from core.sla import calendars, policies, prediction
from core.sla.state import BreachFilter, BreachRow, list_breaches

CALENDAR = "/calendars/{calendar_id:uuid}"
POLICY = "/policies/{policy_id:uuid}"
ACCURACY_WINDOW = timedelta(days=7)


def breach_out(row: BreachRow) -> BreachOut:
    clock = row.clock
    return BreachOut(
        clock_id=clock.id,
        conversation_id=clock.conversation_id,
        conversation_number=row.conversation_number,
        queue_id=row.queue_id,
        metric=clock.metric,
        level=clock.level,
        target_seconds=clock.target_seconds,
        due_at=clock.due_at,
        breached_at=clock.breached_at,
        stopped_at=clock.stopped_at,
        outcome=clock.outcome,
        policy_id=clock.policy_id,
    )


def _aware(value: datetime | None, field: str) -> datetime | None:
    """Instants in queries need a UTC offset; a naive one is bad input, not a guess."""
    if value is not None and value.utcoffset() is None:
        raise InvalidInputError(
            "time without offset", [FieldProblem(field, "give an offset, like 2026-03-09T08:00Z")]
        )
    return value


class SlaController(Controller):
    path = "/sla"
    opt = {"resource": "sla"}  # permissions: api.guards
    tags = ["sla"]

    @get(
        "/calendars",
        sync_to_thread=True,
        summary="List business-hours calendars",
        responses=problem_responses(),
    )
    def list_calendars(self, session: TenantSession) -> list[CalendarOut]:
        """The default first, then by name."""
        return [CalendarOut.model_validate(c) for c in calendars.list_calendars(session)]

    @post(
        "/calendars",
        sync_to_thread=True,
        summary="Create a business-hours calendar",
        responses=problem_responses(409),
    )
    def create_calendar(self, session: TenantSession, data: JSONBody[CalendarIn]) -> CalendarOut:
        """422 names each bad interval, holiday or time zone; 409 if the name is taken."""
        return CalendarOut.model_validate(calendars.create_calendar(session, **data.fields()))

    @get(CALENDAR, sync_to_thread=True, summary="Get a calendar", responses=problem_responses(404))
    def get_calendar(self, session: TenantSession, calendar_id: FromPath[uuid.UUID]) -> CalendarOut:
        return CalendarOut.model_validate(calendars.get_calendar(session, calendar_id=calendar_id))

    @patch(
        CALENDAR,
        sync_to_thread=True,
        summary="Change a calendar (running clocks keep their due times until they next move)",
        responses=problem_responses(404, 409),
    )
    def update_calendar(
        self,
        session: TenantSession,
        calendar_id: FromPath[uuid.UUID],
        data: JSONBody[CalendarUpdate],
    ) -> CalendarOut:
        record = calendars.update_calendar(session, calendar_id=calendar_id, changes=data.changes())
        return CalendarOut.model_validate(record)

    @delete(
        CALENDAR,
        sync_to_thread=True,
        summary="Delete a calendar no queue or policy uses",
        responses=problem_responses(404, 409),
    )
    def delete_calendar(self, session: TenantSession, calendar_id: FromPath[uuid.UUID]) -> None:
        calendars.delete_calendar(session, calendar_id=calendar_id)

    @get(
        "/policies",
        sync_to_thread=True,
        summary="List SLA policies in the order they are tried",
        responses=problem_responses(),
    )
    def list_policies(self, session: TenantSession) -> list[PolicyOut]:
        return [PolicyOut.model_validate(p) for p in policies.list_policies(session)]

    @post(
        "/policies",
        sync_to_thread=True,
        summary="Create an SLA policy",
        responses=problem_responses(409),
    )
    def create_policy(self, session: TenantSession, data: JSONBody[PolicyIn]) -> PolicyOut:
        """Unknown calendar or queue ids answer 422 on that field; 409 if the name is taken."""
        return PolicyOut.model_validate(policies.create_policy(session, **data.fields()))

    @get(POLICY, sync_to_thread=True, summary="Get an SLA policy", responses=problem_responses(404))
    def get_policy(self, session: TenantSession, policy_id: FromPath[uuid.UUID]) -> PolicyOut:
        return PolicyOut.model_validate(policies.get_policy(session, policy_id=policy_id))

    @patch(
        POLICY,
        sync_to_thread=True,
        summary="Change an SLA policy (clocks already running keep their targets)",
        responses=problem_responses(404, 409),
    )
    def update_policy(
        self, session: TenantSession, policy_id: FromPath[uuid.UUID], data: JSONBody[PolicyUpdate]
    ) -> PolicyOut:
        policy = policies.update_policy(session, policy_id=policy_id, changes=data.changes())
        return PolicyOut.model_validate(policy)

    @delete(
        POLICY,
        sync_to_thread=True,
        summary="Delete a policy that never started a clock (else deactivate it)",
        responses=problem_responses(404, 409),
    )
    def delete_policy(self, session: TenantSession, policy_id: FromPath[uuid.UUID]) -> None:
        policies.delete_policy(session, policy_id=policy_id)

    @get("/breaches", sync_to_thread=True, summary="List breaches", responses=problem_responses())
    def list_breaches(
        self,
        session: TenantSession,
        metric: FromQuery[SlaMetric | None] = None,
        queue_id: Annotated[
            uuid.UUID | None, QueryParameter(description="the conversation's current queue")
        ] = None,
        level: Annotated[int | None, QueryParameter(ge=0, le=100)] = None,
        since: Annotated[
            datetime | None, QueryParameter(description="breached at or after (with offset)")
        ] = None,
        until: Annotated[
            datetime | None, QueryParameter(description="breached before (with offset)")
        ] = None,
        open: Annotated[
            bool | None,
            QueryParameter(description="true: the clock still runs; false: it has stopped"),
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[BreachOut]:
        """Newest clock first; every filter narrows."""
        filters = BreachFilter(
            metric=metric,
            queue_id=queue_id,
            level=level,
            since=_aware(since, "since"),
            until=_aware(until, "until"),
            open=open,
        )
        page = list_breaches(session, filters=filters, limit=limit, cursor=cursor)
        return page_out(page, breach_out)

    @get(
        "/predictions/accuracy",
        sync_to_thread=True,
        summary="How well breach prediction did",
        responses=problem_responses(),
    )
    def prediction_accuracy(
        self,
        session: TenantSession,
        since: Annotated[
            datetime | None,
            QueryParameter(description="predictions made from (with offset); default 7 days ago"),
        ] = None,
    ) -> AccuracyOut:
        start = _aware(since, "since") or utcnow() - ACCURACY_WINDOW
        return AccuracyOut.model_validate(prediction.accuracy(session, since=start))
