"""/incidents: crisis response (D16): what a storm touched, one public statement, call-backs
to the affected customers, and the post-incident review."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.incidents import (
    CallbacksIn,
    CallbacksQueuedOut,
    CloseIn,
    IncidentCreate,
    IncidentDetailOut,
    IncidentOut,
    IncidentUpdate,
    LinksIn,
    LinksOut,
    StatementIn,
)
from core.models.social_alert import IncidentLinkKind, IncidentSeverity, IncidentStatus
from core.social import incidents
from core.social.incidents import IncidentDetail

INCIDENT = "/{incident_id:uuid}"


def detail_out(detail: IncidentDetail) -> IncidentDetailOut:
    links = LinksOut(
        alerts=detail.links[IncidentLinkKind.ALERT],
        posts=detail.links[IncidentLinkKind.POST],
        conversations=detail.links[IncidentLinkKind.CONVERSATION],
    )
    shaped = IncidentOut.model_validate(detail.incident).model_dump()
    return IncidentDetailOut(**shaped, links=links)


class IncidentController(Controller):
    path = "/incidents"
    opt = {"resource": "incidents"}  # permissions: api.guards
    tags = ["social"]

    @post(
        "/",
        sync_to_thread=True,
        summary="Open an incident, covering alerts with their posts and conversations",
        responses=problem_responses(409),
    )
    def open_incident(
        self, session: TenantSession, principal: Caller, data: JSONBody[IncidentCreate]
    ) -> IncidentDetailOut:
        detail = incidents.open_incident(
            session,
            title=data.title,
            severity=data.severity,
            summary=data.summary,
            alert_ids=data.alert_ids,
            opened_by_id=principal.user_id,
        )
        return detail_out(detail)

    @get("/", sync_to_thread=True, summary="List incidents", responses=problem_responses())
    def list_incidents(
        self,
        session: TenantSession,
        status: FromQuery[IncidentStatus | None] = None,
        severity: FromQuery[IncidentSeverity | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[IncidentOut]:
        page = incidents.list_incidents(
            session, status=status, severity=severity, limit=limit, cursor=cursor
        )
        return page_out(page, IncidentOut.model_validate)

    @get(
        INCIDENT,
        sync_to_thread=True,
        summary="Get an incident with its links and statement results",
        responses=problem_responses(404),
    )
    def get_incident(
        self, session: TenantSession, incident_id: FromPath[uuid.UUID]
    ) -> IncidentDetailOut:
        return detail_out(incidents.get_incident(session, incident_id=incident_id))

    @patch(
        INCIDENT,
        sync_to_thread=True,
        summary="Change an incident's title, severity, status, summary or review",
        responses=problem_responses(404, 409),
    )
    def update_incident(
        self,
        session: TenantSession,
        incident_id: FromPath[uuid.UUID],
        data: JSONBody[IncidentUpdate],
    ) -> IncidentDetailOut:
        detail = incidents.update_incident(session, incident_id=incident_id, changes=data.changes())
        return detail_out(detail)

    @post(
        f"{INCIDENT}/links",
        sync_to_thread=True,
        status_code=200,
        summary="Link alerts, posts or conversations to an incident",
        responses=problem_responses(404, 409),
    )
    def link(
        self, session: TenantSession, incident_id: FromPath[uuid.UUID], data: JSONBody[LinksIn]
    ) -> IncidentDetailOut:
        detail = incidents.link_to_incident(
            session,
            incident_id=incident_id,
            alert_ids=data.alert_ids,
            post_ids=data.post_ids,
            conversation_ids=data.conversation_ids,
        )
        return detail_out(detail)

    @post(
        f"{INCIDENT}/statement",
        sync_to_thread=True,
        status_code=202,
        summary="Publish the incident's one public statement from our accounts (queued)",
        responses=problem_responses(404, 409),
    )
    def request_statement(
        self,
        session: TenantSession,
        incident_id: FromPath[uuid.UUID],
        data: JSONBody[StatementIn],
    ) -> IncidentDetailOut:
        detail = incidents.request_statement(
            session, incident_id=incident_id, text=data.text, account_ids=data.account_ids
        )
        return detail_out(detail)

    @post(
        f"{INCIDENT}/callbacks",
        sync_to_thread=True,
        status_code=202,
        summary="Queue call-backs to the affected customers who have a phone number",
        responses=problem_responses(404, 409),
    )
    def queue_callbacks(
        self,
        session: TenantSession,
        incident_id: FromPath[uuid.UUID],
        data: JSONBody[CallbacksIn],
    ) -> CallbacksQueuedOut:
        queued = incidents.queue_callbacks(session, incident_id=incident_id, reason=data.reason)
        total = incidents.get_incident(session, incident_id=incident_id).incident.callbacks_queued
        return CallbacksQueuedOut(queued=queued, callbacks_queued=total)

    @post(
        f"{INCIDENT}/close",
        sync_to_thread=True,
        status_code=200,
        summary="Close an incident with its post-incident review",
        responses=problem_responses(404, 409),
    )
    def close(
        self, session: TenantSession, incident_id: FromPath[uuid.UUID], data: JSONBody[CloseIn]
    ) -> IncidentDetailOut:
        return detail_out(
            incidents.close_incident(session, incident_id=incident_id, review=data.review)
        )
