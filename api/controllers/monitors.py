"""/monitors: boolean keyword watchlists over social posts, and trying a rule before saving."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.monitors import (
    MonitorCreate,
    MonitorOut,
    MonitorUpdate,
    RuleTrialIn,
    RuleTrialOut,
    ThresholdsOut,
)
from core.models.social import Monitor
from core.monitors import service
from core.permissions import Action


def monitor_out(monitor: Monitor) -> MonitorOut:
    return MonitorOut.model_validate(
        {
            **monitor.model_dump(exclude={"webhook_secret"}),
            "thresholds": ThresholdsOut.model_validate(monitor),
            "webhook_secret_set": bool(monitor.webhook_secret),
        }
    )


class MonitorController(Controller):
    path = "/monitors"
    opt = {"resource": "monitors"}  # permissions: api.guards
    tags = ["social"]

    @get("/", sync_to_thread=True, summary="List monitors", responses=problem_responses())
    def list_monitors(
        self,
        session: TenantSession,
        active: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[MonitorOut]:
        page = service.list_monitors(session, active=active, limit=limit, cursor=cursor)
        return page_out(page, monitor_out)

    @post(
        "/",
        sync_to_thread=True,
        summary="Create a monitor (the rule is checked; 422 on `rule` says where it fails)",
        responses=problem_responses(409),
    )
    def create_monitor(self, session: TenantSession, data: JSONBody[MonitorCreate]) -> MonitorOut:
        monitor = service.create_monitor(session, name=data.name, rule=data.rule, **data.settings())
        return monitor_out(monitor)

    @post(
        "/test",
        sync_to_thread=True,
        action=Action.MONITORS_READ,  # a dry run changes nothing
        status_code=200,
        summary="Try a rule on sample texts: which match, and on which terms",
        responses=problem_responses(),
    )
    def test_rule(self, data: JSONBody[RuleTrialIn]) -> list[RuleTrialOut]:
        trials = service.try_rule(rule=data.rule, texts=data.texts)
        return [RuleTrialOut(match=trial.match, terms=list(trial.terms)) for trial in trials]

    @get(
        "/{monitor_id:uuid}",
        sync_to_thread=True,
        summary="Get a monitor",
        responses=problem_responses(404),
    )
    def get_monitor(self, session: TenantSession, monitor_id: FromPath[uuid.UUID]) -> MonitorOut:
        return monitor_out(service.get_monitor(session, monitor_id=monitor_id))

    @patch(
        "/{monitor_id:uuid}",
        sync_to_thread=True,
        summary="Change a monitor",
        responses=problem_responses(404, 409),
    )
    def update_monitor(
        self,
        session: TenantSession,
        monitor_id: FromPath[uuid.UUID],
        data: JSONBody[MonitorUpdate],
    ) -> MonitorOut:
        monitor = service.update_monitor(session, monitor_id=monitor_id, changes=data.changes())
        return monitor_out(monitor)

    @delete(
        "/{monitor_id:uuid}",
        sync_to_thread=True,
        summary="Delete a monitor and its hits (its alerts stay)",
        responses=problem_responses(404, 409),
    )
    def delete_monitor(self, session: TenantSession, monitor_id: FromPath[uuid.UUID]) -> None:
        service.delete_monitor(session, monitor_id=monitor_id)
