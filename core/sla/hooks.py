"""Where the conversation lifecycle tells the SLA engine what happened (no commits here).

Contract (owned by the SLA engine; callers only call these):
- ``start_clocks``: idempotent; starts the clocks the matching policy sets, counting from the
  conversation's creation, and writes the conversation's denormalised due columns.
- ``customer_message``: a customer message reached an existing conversation.
- ``agent_replied``: an agent's reply was queued (stops first/next response clocks).
- ``status_changed``: pauses on PENDING, resumes when it leaves PENDING, stops on RESOLVED/CLOSED,
  restarts resolution on reopen.
- ``escalated_org``: the conversation moved up the org tree; the resolution clock starts a new
  level.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from core.models.conversation import ConversationStatus


def start_clocks(
    session: Session, *, conversation_id: uuid.UUID, at: datetime | None = None
) -> None:
    return None


def customer_message(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    return None


def agent_replied(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    return None


def status_changed(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    old: ConversationStatus,
    new: ConversationStatus,
    at: datetime,
) -> None:
    return None


def escalated_org(session: Session, *, conversation_id: uuid.UUID, at: datetime) -> None:
    return None
