"""/alerts: public-opinion alerts (D26, D27), raised by the detector and worked by people."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.alerts import (
    AcknowledgeIn,
    AlertDetailOut,
    AlertNoteIn,
    AlertOut,
    AlertUpdate,
    EvidencePostOut,
    ResolveIn,
)
from api.schemas.social import SentimentOut
from core.models.social import SocialPost
from core.models.social_alert import AlertKind, AlertStatus, Severity, SocialAlert
from core.social import alert_lifecycle
from core.social.alert_lifecycle import AlertDetail, AlertFilter

ALERT = "/{alert_id:uuid}"


def alert_out(alert: SocialAlert) -> AlertOut:
    return AlertOut.model_validate(alert)


def evidence_out(post: SocialPost) -> EvidencePostOut:
    return EvidencePostOut(
        id=post.id,
        text=post.text,
        author_handle=post.author_handle,
        author_name=post.author_name,
        followers=post.author_followers,
        sentiment=SentimentOut(score=post.sentiment_score, label=post.sentiment_label),
        url=post.url,
        posted_at=post.posted_at,
        deleted=post.deleted_at is not None,
    )


def detail_out(detail: AlertDetail) -> AlertDetailOut:
    shaped = alert_out(detail.alert).model_dump()
    return AlertDetailOut(**shaped, evidence=[evidence_out(post) for post in detail.evidence])


class AlertController(Controller):
    path = "/alerts"
    opt = {"resource": "alerts"}  # permissions: api.guards
    tags = ["social"]

    @get("/", sync_to_thread=True, summary="List alerts", responses=problem_responses())
    def list_alerts(
        self,
        session: TenantSession,
        status: Annotated[
            list[AlertStatus] | None, QueryParameter(description="any of these statuses")
        ] = None,
        kind: FromQuery[AlertKind | None] = None,
        monitor_id: FromQuery[uuid.UUID | None] = None,
        severity: FromQuery[Severity | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[AlertOut]:
        """Most recently seen first; every filter narrows."""
        filters = AlertFilter(
            statuses=tuple(status or ()), kind=kind, monitor_id=monitor_id, severity=severity
        )
        page = alert_lifecycle.list_alerts(session, filters=filters, limit=limit, cursor=cursor)
        return page_out(page, alert_out)

    @get(
        ALERT,
        sync_to_thread=True,
        summary="Get an alert with its evidence posts",
        responses=problem_responses(404),
    )
    def get_alert(self, session: TenantSession, alert_id: FromPath[uuid.UUID]) -> AlertDetailOut:
        return detail_out(alert_lifecycle.get_alert_detail(session, alert_id=alert_id))

    @post(
        f"{ALERT}/acknowledge",
        sync_to_thread=True,
        status_code=200,
        summary="Acknowledge an open alert (someone is on it)",
        responses=problem_responses(404, 409),
    )
    def acknowledge(
        self,
        session: TenantSession,
        principal: Caller,
        alert_id: FromPath[uuid.UUID],
        data: JSONBody[AcknowledgeIn],
    ) -> AlertOut:
        alert = alert_lifecycle.acknowledge_alert(
            session,
            alert_id=alert_id,
            actor_user_id=principal.user_id,
            owner_id=data.owner_id,
            note=data.note,
        )
        return alert_out(alert)

    @post(
        f"{ALERT}/resolve",
        sync_to_thread=True,
        status_code=200,
        summary="Resolve an alert, with a note on how it ended",
        responses=problem_responses(404, 409),
    )
    def resolve(
        self,
        session: TenantSession,
        principal: Caller,
        alert_id: FromPath[uuid.UUID],
        data: JSONBody[ResolveIn],
    ) -> AlertOut:
        alert = alert_lifecycle.resolve_alert(
            session,
            alert_id=alert_id,
            actor_user_id=principal.user_id,
            note=data.note,
            owner_id=data.owner_id,
        )
        return alert_out(alert)

    @post(
        f"{ALERT}/notes",
        sync_to_thread=True,
        status_code=200,
        summary="Add a note to an alert",
        responses=problem_responses(404),
    )
    def add_note(
        self,
        session: TenantSession,
        principal: Caller,
        alert_id: FromPath[uuid.UUID],
        data: JSONBody[AlertNoteIn],
    ) -> AlertOut:
        alert = alert_lifecycle.add_alert_note(
            session, alert_id=alert_id, actor_user_id=principal.user_id, text=data.text
        )
        return alert_out(alert)

    @patch(
        ALERT,
        sync_to_thread=True,
        summary="Give an alert to a user (or to nobody)",
        responses=problem_responses(404),
    )
    def update_alert(
        self,
        session: TenantSession,
        principal: Caller,
        alert_id: FromPath[uuid.UUID],
        data: JSONBody[AlertUpdate],
    ) -> AlertOut:
        alert = alert_lifecycle.assign_alert_owner(
            session, alert_id=alert_id, owner_id=data.owner_id, actor_user_id=principal.user_id
        )
        return alert_out(alert)
