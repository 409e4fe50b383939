"""Recording timeline events; the only way events are written."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.clock import utcnow
from core.ids import new_id
from core.models.event import EventType
from core.statements import INSERT_EVENT, insert_row


def record_event(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    type: EventType,
    actor_user_id: uuid.UUID | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID:
    """Append one event to a conversation's timeline (no commit); returns its id.

    Ids among the top-level ``data`` values are stored as text, so callers pass them as they are.
    """
    event_id = new_id()
    now = occurred_at or utcnow()
    insert_row(
        session,
        INSERT_EVENT,
        {
            "id": event_id,
            "created_at": now,
            "occurred_at": now,
            "conversation_id": conversation_id,
            "type": type,
            "actor_user_id": actor_user_id,
            "data": _json_ready(data or {}),
        },
    )
    return event_id


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in data.items()}
