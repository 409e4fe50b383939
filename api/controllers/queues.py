"""/queues: where conversations wait for an agent of the right tier and skills."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.queues import QueueCreate, QueueOut, QueueUpdate
from core import queues


class QueueController(Controller):
    path = "/queues"
    opt = {"resource": "queues"}  # permissions: api.guards
    tags = ["queues"]

    @get("/", sync_to_thread=True, summary="List queues", responses=problem_responses())
    def list_queues(
        self,
        session: TenantSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[QueueOut]:
        page = queues.list_queues(
            session, org_unit_id=org_unit_id, active=active, limit=limit, cursor=cursor
        )
        return page_out(page, QueueOut.model_validate)

    @post("/", sync_to_thread=True, summary="Create a queue", responses=problem_responses(409))
    def create_queue(self, session: TenantSession, data: JSONBody[QueueCreate]) -> QueueOut:
        queue = queues.create_queue(
            session,
            name=data.name,
            org_unit_id=data.org_unit_id,
            tier=data.tier,
            channels=data.channels,
            required_skills=data.required_skills,
            service_level_seconds=data.service_level_seconds,
            active=data.active,
            agent_capacity={channel.value: cap for channel, cap in data.agent_capacity.items()},
            calendar_id=data.calendar_id,
        )
        return QueueOut.model_validate(queue)

    @get(
        "/{queue_id:uuid}",
        sync_to_thread=True,
        summary="Get a queue",
        responses=problem_responses(404),
    )
    def get_queue(self, session: TenantSession, queue_id: FromPath[uuid.UUID]) -> QueueOut:
        return QueueOut.model_validate(queues.get_queue(session, queue_id=queue_id))

    @patch(
        "/{queue_id:uuid}",
        sync_to_thread=True,
        summary="Change a queue",
        responses=problem_responses(404, 409),
    )
    def update_queue(
        self, session: TenantSession, queue_id: FromPath[uuid.UUID], data: JSONBody[QueueUpdate]
    ) -> QueueOut:
        queue = queues.update_queue(session, queue_id=queue_id, changes=data.changes())
        return QueueOut.model_validate(queue)

    @delete(
        "/{queue_id:uuid}",
        sync_to_thread=True,
        summary="Delete a queue no conversation went through",
        responses=problem_responses(404, 409),
    )
    def delete_queue(self, session: TenantSession, queue_id: FromPath[uuid.UUID]) -> None:
        queues.delete_queue(session, queue_id=queue_id)
