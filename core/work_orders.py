"""Work orders (D13): tasks a conversation dispatches to a department, each with its deadline.

A conversation with an open work order cannot be resolved or closed unless the resolver
overrides it with a reason (``check_resolvable``), so no department's investigation is lost
behind a closed case.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import as_utc, utcnow
from core.conversation_queries import get_conversation
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.events import record_event
from core.lookup import get_by_id, get_referenced
from core.models.event import EventType
from core.models.queue import Queue
from core.models.user import User
from core.models.work_order import WorkOrder, WorkOrderStatus
from core.pagination import Page, paginate


@dataclass(frozen=True, slots=True)
class WorkOrderFilter:
    queue_id: uuid.UUID | None = None
    status: WorkOrderStatus | None = None
    overdue_at: datetime | None = None  # open ones whose due time is before this instant


def create_work_order(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    queue_id: uuid.UUID,
    title: str,
    details: str = "",
    due_at: datetime | None = None,
    assignee_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
) -> WorkOrder:
    """Dispatch a task to the department owning ``queue_id`` (no commit)."""
    conversation = get_conversation(session, conversation_id=conversation_id)
    if not conversation.status.is_open:
        raise ConflictError(f"the conversation is {conversation.status.value}")
    get_referenced(session, Queue, queue_id, field="queue_id", noun="queue")
    if assignee_id is not None:
        get_referenced(session, User, assignee_id, field="assignee_id", noun="user")
    now = utcnow()
    if not title.strip():
        raise InvalidInputError("title required", [FieldProblem("title", "must not be blank")])
    if due_at is not None and as_utc(due_at) <= now:
        raise InvalidInputError(
            "due in the past", [FieldProblem("due_at", "must be in the future")]
        )
    order = WorkOrder(
        conversation_id=conversation_id,
        queue_id=queue_id,
        title=title.strip(),
        details=details,
        due_at=due_at,
        assignee_id=assignee_id,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(order)
    session.flush()
    _event(session, order, EventType.WORK_ORDER_OPENED, created_by_id, now)
    return order


def complete_work_order(
    session: Session, *, work_order_id: uuid.UUID, result: str, actor_user_id: uuid.UUID | None
) -> WorkOrder:
    """The department reports its result; the conversation may then be resolved."""
    return _close(session, work_order_id, WorkOrderStatus.DONE, result, actor_user_id)


def cancel_work_order(
    session: Session, *, work_order_id: uuid.UUID, reason: str, actor_user_id: uuid.UUID | None
) -> WorkOrder:
    return _close(session, work_order_id, WorkOrderStatus.CANCELLED, reason, actor_user_id)


CLOSING_EVENT = {
    WorkOrderStatus.DONE: EventType.WORK_ORDER_DONE,
    WorkOrderStatus.CANCELLED: EventType.WORK_ORDER_CANCELLED,
}


def _close(
    session: Session,
    work_order_id: uuid.UUID,
    status: WorkOrderStatus,
    result: str,
    actor_user_id: uuid.UUID | None,
) -> WorkOrder:
    order = _open_order(session, work_order_id)
    now = utcnow()
    order.status = status
    order.result = result
    order.completed_at = now
    order.completed_by_id = actor_user_id
    session.flush()
    _event(session, order, CLOSING_EVENT[status], actor_user_id, now)
    return order


def get_work_order(session: Session, *, work_order_id: uuid.UUID) -> WorkOrder:
    return get_by_id(session, WorkOrder, work_order_id, noun="work order")


def list_for_conversation(session: Session, *, conversation_id: uuid.UUID) -> list[WorkOrder]:
    get_conversation(session, conversation_id=conversation_id)
    return list(
        session.execute(
            sa.select(WorkOrder)
            .where(col(WorkOrder.conversation_id) == conversation_id)
            .order_by(col(WorkOrder.id))
        ).scalars()
    )


def list_work_orders(
    session: Session, *, where: WorkOrderFilter, limit: int, cursor: str | None
) -> Page[WorkOrder]:
    """A department's task list (by queue), optionally only open ones past their due time."""
    query = sa.select(WorkOrder)
    if where.queue_id is not None:
        query = query.where(col(WorkOrder.queue_id) == where.queue_id)
    if where.status is not None:
        query = query.where(col(WorkOrder.status) == where.status)
    if where.overdue_at is not None:
        query = query.where(
            col(WorkOrder.status) == WorkOrderStatus.OPEN,
            col(WorkOrder.due_at) < where.overdue_at,
        )
    return paginate(session, query, col(WorkOrder.id), limit=limit, cursor=cursor)


def open_work_orders(session: Session, *, conversation_id: uuid.UUID) -> Sequence[WorkOrder]:
    return list(
        session.execute(
            sa.select(WorkOrder).where(
                col(WorkOrder.conversation_id) == conversation_id,
                col(WorkOrder.status) == WorkOrderStatus.OPEN,
            )
        ).scalars()
    )


def check_resolvable(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    override_reason: str | None,
    actor_user_id: uuid.UUID | None,
) -> None:
    """Refuse to resolve over open work orders, unless overridden with a reason (recorded)."""
    pending = open_work_orders(session, conversation_id=conversation_id)
    if not pending:
        return
    if not (override_reason and override_reason.strip()):
        titles = ", ".join(f"{order.title!r} ({order.id})" for order in pending)
        raise ConflictError(
            f"open work orders: {titles}; complete or cancel them, or override with a reason"
        )
    record_event(
        session,
        conversation_id=conversation_id,
        type=EventType.RESOLVE_OVERRIDDEN,
        actor_user_id=actor_user_id,
        data={
            "reason": override_reason.strip(),
            "open_work_order_ids": [str(order.id) for order in pending],
        },
    )


def _open_order(session: Session, work_order_id: uuid.UUID) -> WorkOrder:
    order = get_work_order(session, work_order_id=work_order_id)
    if order.status is not WorkOrderStatus.OPEN:
        raise ConflictError(f"the work order is already {order.status.value}")
    return order


def _event(
    session: Session,
    order: WorkOrder,
    type_: EventType,
    actor_user_id: uuid.UUID | None,
    now: datetime,
) -> None:
    record_event(
        session,
        conversation_id=order.conversation_id,
        type=type_,
        actor_user_id=actor_user_id,
        data={
            "work_order_id": str(order.id),
            "queue_id": str(order.queue_id),
            "title": order.title,
            "due_at": order.due_at.isoformat() if order.due_at else None,
        },
        occurred_at=now,
    )
