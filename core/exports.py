"""Data exports: the conversation log as CSV, for QA sampling and reporting outside Switchboard.

Exports leave the product's access control, so each one is audited (api.dependencies) and
bounded: at most ``MAX_ROWS`` rows per export, over a window the caller names.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import FieldProblem, InvalidInputError
from core.models.conversation import Conversation

MAX_ROWS = 100_000
COLUMNS = (
    "number",
    "id",
    "channel",
    "status",
    "priority",
    "tier",
    "category",
    "queue_id",
    "assignee_id",
    "created_at",
    "first_response_at",
    "resolved_at",
    "sla_breached_at",
    "transfer_count",
    "escalation_count",
    "reopen_count",
    "sentiment_label",
)


def conversations_csv(session: Session, *, since: datetime, until: datetime) -> str:
    """Conversations created in [since, until), oldest first, one CSV row each."""
    if until <= since:
        raise InvalidInputError("empty window", [FieldProblem("until", "must be after since")])
    query = (
        sa.select(*(getattr(Conversation, name) for name in COLUMNS))
        .where(col(Conversation.created_at) >= since, col(Conversation.created_at) < until)
        .order_by(col(Conversation.created_at))
        .limit(MAX_ROWS + 1)
    )
    rows = session.execute(query).all()
    if len(rows) > MAX_ROWS:
        raise InvalidInputError(
            "too many rows", [FieldProblem("until", f"narrow the window to {MAX_ROWS} rows")]
        )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            [v.isoformat() if isinstance(v, datetime) else "" if v is None else v for v in row]
        )
    return out.getvalue()
