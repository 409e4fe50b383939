"""Work orders (D13): tasks dispatched from conversations to departments."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.work_orders import (
    WorkOrderCancel,
    WorkOrderComplete,
    WorkOrderCreate,
    WorkOrderOut,
)
from core import work_orders
from core.clock import utcnow
from core.models.work_order import WorkOrderStatus

WORK_ORDER = "/work-orders/{work_order_id:uuid}"


class WorkOrderController(Controller):
    path = "/"
    opt = {"resource": "conversations"}  # permissions: api.guards
    tags = ["work orders"]

    @post(
        "/conversations/{conversation_id:uuid}/work-orders",
        sync_to_thread=True,
        summary="Dispatch a work order to a department",
        responses=problem_responses(404, 409),
    )
    def create(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[WorkOrderCreate],
    ) -> WorkOrderOut:
        order = work_orders.create_work_order(
            session,
            conversation_id=conversation_id,
            queue_id=data.queue_id,
            title=data.title,
            details=data.details,
            due_at=data.due_at,
            assignee_id=data.assignee_id,
            created_by_id=principal.user_id,
        )
        return WorkOrderOut.model_validate(order)

    @get(
        "/conversations/{conversation_id:uuid}/work-orders",
        sync_to_thread=True,
        summary="Work orders of a conversation",
        responses=problem_responses(404),
    )
    def list_for_conversation(
        self, session: TenantSession, conversation_id: FromPath[uuid.UUID]
    ) -> list[WorkOrderOut]:
        rows = work_orders.list_for_conversation(session, conversation_id=conversation_id)
        return [WorkOrderOut.model_validate(row) for row in rows]

    @get(
        "/work-orders",
        sync_to_thread=True,
        summary="List work orders, e.g. a department's overdue ones",
        responses=problem_responses(),
    )
    def list_work_orders(
        self,
        session: TenantSession,
        queue_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[WorkOrderStatus | None] = None,
        overdue: FromQuery[bool] = False,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[WorkOrderOut]:
        where = work_orders.WorkOrderFilter(
            queue_id=queue_id, status=status, overdue_at=utcnow() if overdue else None
        )
        page = work_orders.list_work_orders(session, where=where, limit=limit, cursor=cursor)
        return page_out(page, WorkOrderOut.model_validate)

    @get(
        WORK_ORDER,
        sync_to_thread=True,
        summary="Get a work order",
        responses=problem_responses(404),
    )
    def get_work_order(
        self, session: TenantSession, work_order_id: FromPath[uuid.UUID]
    ) -> WorkOrderOut:
        order = work_orders.get_work_order(session, work_order_id=work_order_id)
        return WorkOrderOut.model_validate(order)

    @post(
        f"{WORK_ORDER}/complete",
        sync_to_thread=True,
        status_code=200,
        summary="Report a work order done, with its result",
        responses=problem_responses(404, 409),
    )
    def complete(
        self,
        session: TenantSession,
        principal: Caller,
        work_order_id: FromPath[uuid.UUID],
        data: JSONBody[WorkOrderComplete],
    ) -> WorkOrderOut:
        order = work_orders.complete_work_order(
            session,
            work_order_id=work_order_id,
            result=data.result,
            actor_user_id=principal.user_id,
        )
        return WorkOrderOut.model_validate(order)

    @post(
        f"{WORK_ORDER}/cancel",
        sync_to_thread=True,
        status_code=200,
        summary="Cancel a work order, with a reason",
        responses=problem_responses(404, 409),
    )
    def cancel(
        self,
        session: TenantSession,
        principal: Caller,
        work_order_id: FromPath[uuid.UUID],
        data: JSONBody[WorkOrderCancel],
    ) -> WorkOrderOut:
        order = work_orders.cancel_work_order(
            session,
            work_order_id=work_order_id,
            reason=data.reason,
            actor_user_id=principal.user_id,
        )
        return WorkOrderOut.model_validate(order)
