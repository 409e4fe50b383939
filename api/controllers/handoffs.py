"""Transfers, escalations, hand-over notes and resolving (with work orders and ownership)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from api.auth import Caller
from api.dependencies import TenantSession
from api.problems import problem_responses
from api.schemas.handoffs import (
    EscalationIn,
    EscalationTarget,
    HandoffOut,
    ResolvedOut,
    ResolveIn,
    TransferIn,
)
from core import conversation_updates, handoffs
from core.models.conversation import ConversationStatus

CONVERSATION = "/conversations/{conversation_id:uuid}"


class HandoffController(Controller):
    path = "/"
    opt = {"resource": "conversations"}  # permissions: api.guards
    tags = ["handoffs"]

    @post(
        f"{CONVERSATION}/transfer",
        sync_to_thread=True,
        summary="Transfer to an agent or a queue, with a hand-over note",
        responses=problem_responses(404, 409),
    )
    def transfer(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[TransferIn],
    ) -> HandoffOut:
        """409 when the agent is unavailable or full, or the conversation is not open."""
        handoff = handoffs.transfer(
            session,
            conversation_id=conversation_id,
            note=data.note(),
            to_agent_id=data.to_agent_id,
            to_queue_id=data.to_queue_id,
            actor_user_id=principal.user_id,
        )
        return HandoffOut.model_validate(handoff)

    @post(
        f"{CONVERSATION}/escalations",
        sync_to_thread=True,
        summary="Escalate to the next tier or up the org tree, with a hand-over note",
        responses=problem_responses(404, 409),
    )
    def escalate(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[EscalationIn],
    ) -> HandoffOut:
        """409 at the top tier or headquarters, or when no queue there serves the channel."""
        escalate = (
            handoffs.escalate_tier
            if data.target is EscalationTarget.TIER
            else handoffs.escalate_org
        )
        handoff = escalate(
            session,
            conversation_id=conversation_id,
            note=data.note(),
            actor_user_id=principal.user_id,
        )
        return HandoffOut.model_validate(handoff)

    @get(
        f"{CONVERSATION}/handoffs",
        sync_to_thread=True,
        summary="Hand-over notes of a conversation, newest first",
        responses=problem_responses(404),
    )
    def list_handoffs(
        self, session: TenantSession, conversation_id: FromPath[uuid.UUID]
    ) -> list[HandoffOut]:
        rows = handoffs.list_handoffs(session, conversation_id=conversation_id)
        return [HandoffOut.model_validate(row) for row in rows]

    @post(
        "/handoffs/{handoff_id:uuid}/read",
        sync_to_thread=True,
        status_code=200,
        summary="Mark a hand-over note as read by the receiving agent",
        responses=problem_responses(404),
    )
    def mark_read(self, session: TenantSession, handoff_id: FromPath[uuid.UUID]) -> HandoffOut:
        return HandoffOut.model_validate(handoffs.mark_read(session, handoff_id=handoff_id))

    @post(
        f"{CONVERSATION}/resolve",
        sync_to_thread=True,
        status_code=200,
        summary="Resolve (or close) a conversation",
        responses=problem_responses(404, 409),
    )
    def resolve(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[ResolveIn],
    ) -> ResolvedOut:
        """409 while work orders are open, unless ``override_reason`` says why (recorded)."""
        target = ConversationStatus.CLOSED if data.close else ConversationStatus.RESOLVED
        conversation = conversation_updates.update_conversation(
            session,
            conversation_id=conversation_id,
            changes={"status": target},
            actor_user_id=principal.user_id,
            override_reason=data.override_reason,
        )
        return ResolvedOut.model_validate(conversation)
