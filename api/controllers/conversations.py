"""/conversations: the work itself: list and filter, open, change, reply, annotate."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.orm import Session

from api.auth import Caller
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut
from api.problems import problem_responses
from api.schemas.common import Label
from api.schemas.contacts import ContactOut
from api.schemas.conversations import (
    ConversationCreate,
    ConversationDetailOut,
    ConversationOut,
    ConversationUpdate,
    EventEntry,
    EventOut,
    InteractionEntry,
    InteractionOut,
    MessageEntry,
    MessageOut,
    NoteIn,
    ReplyIn,
    TimelineEntryOut,
)
from api.schemas.handoffs import HandoffOut
from api.schemas.sla import SlaClockOut
from core import conversation_queries, conversation_updates, exports, handoffs, replies
from core.conversation_queries import ConversationFilter, TimelineEntry
from core.models.channel import Channel
from core.models.conversation import Conversation, ConversationStatus, Priority
from core.models.event import ConversationEvent
from core.models.interaction import Interaction
from core.models.message import Message
from core.models.user import Tier
from core.permissions import Action
from core.sla.state import clock_states


def timeline_entry(entry: TimelineEntry) -> TimelineEntryOut:
    if isinstance(entry.item, Message):
        return MessageEntry(at=entry.at, message=MessageOut.model_validate(entry.item))
    if isinstance(entry.item, ConversationEvent):
        return EventEntry(at=entry.at, event=EventOut.model_validate(entry.item))
    assert isinstance(entry.item, Interaction)
    return InteractionEntry(at=entry.at, interaction=InteractionOut.model_validate(entry.item))


def with_sla(session: Session, conversations: Sequence[Conversation]) -> list[ConversationOut]:
    """Conversations on the wire with their SLA clocks, loaded for all of them at once."""
    states = clock_states(session, conversations)
    shaped = []
    for conversation in conversations:
        out = ConversationOut.model_validate(conversation)
        out.sla = [SlaClockOut.model_validate(state) for state in states[conversation.id]]
        shaped.append(out)
    return shaped


class ConversationController(Controller):
    path = "/conversations"
    opt = {"resource": "conversations"}  # permissions: api.guards
    tags = ["conversations"]

    @get("/", sync_to_thread=True, summary="List conversations", responses=problem_responses())
    def list_conversations(
        self,
        session: TenantSession,
        status: Annotated[
            list[ConversationStatus] | None, QueryParameter(description="any of these statuses")
        ] = None,
        channel: FromQuery[Channel | None] = None,
        queue_id: FromQuery[uuid.UUID | None] = None,
        assignee_id: FromQuery[uuid.UUID | None] = None,
        contact_id: FromQuery[uuid.UUID | None] = None,
        priority: FromQuery[Priority | None] = None,
        category: FromQuery[Label | None] = None,
        tier: FromQuery[Tier | None] = None,
        unassigned: Annotated[
            bool | None, QueryParameter(description="true: nobody assigned; false: someone is")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[ConversationOut]:
        """Newest first; every filter narrows."""
        filters = ConversationFilter(
            statuses=tuple(status or ()),
            channel=channel,
            queue_id=queue_id,
            assignee_id=assignee_id,
            contact_id=contact_id,
            priority=priority,
            category=category,
            tier=tier,
            unassigned=unassigned,
        )
        page = conversation_queries.list_conversations(
            session, filters=filters, limit=limit, cursor=cursor
        )
        return PageOut[ConversationOut](
            items=with_sla(session, page.items), next_cursor=page.next_cursor
        )

    @post(
        "/",
        sync_to_thread=True,
        summary="Open a conversation with a contact",
        responses=problem_responses(404, 409),
    )
    def create_conversation(
        self, session: TenantSession, principal: Caller, data: JSONBody[ConversationCreate]
    ) -> ConversationOut:
        """404 if the contact is not this tenant's; 422 if it has no address on the channel."""
        conversation = conversation_updates.create_conversation(
            session,
            contact_id=data.contact_id,
            channel=data.channel,
            subject=data.subject,
            text=data.text,
            priority=data.priority,
            category=data.category,
            queue_id=data.queue_id,
            actor_user_id=principal.user_id,
        )
        return with_sla(session, [conversation])[0]

    @get(
        "/export",
        sync_to_thread=True,
        media_type="text/csv",
        summary="Export conversations created in a window as CSV (audited)",
        responses=problem_responses(),
        action=Action.CONVERSATIONS_EXPORT,
        audit="conversations.exported",
    )
    def export_conversations(
        self, session: TenantSession, since: FromQuery[datetime], until: FromQuery[datetime]
    ) -> Response[str]:
        body = exports.conversations_csv(session, since=since, until=until)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
        )

    @get(
        "/{conversation_id:uuid}",
        sync_to_thread=True,
        summary="Get a conversation with its contact and timeline",
        responses=problem_responses(404),
    )
    def get_conversation(
        self, session: TenantSession, conversation_id: FromPath[uuid.UUID]
    ) -> ConversationDetailOut:
        detail = conversation_queries.get_conversation_detail(
            session, conversation_id=conversation_id
        )
        (summary,) = with_sla(session, [detail.conversation])
        return ConversationDetailOut(
            **summary.model_dump(),
            contact=ContactOut.model_validate(detail.contact),
            handoffs=[
                HandoffOut.model_validate(handoff)
                for handoff in handoffs.list_handoffs(session, conversation_id=conversation_id)
            ],
            timeline=[timeline_entry(entry) for entry in detail.timeline],
        )

    @patch(
        "/{conversation_id:uuid}",
        sync_to_thread=True,
        summary="Change status, priority, queue, assignee, category, subject or verification",
        responses=problem_responses(404, 409),
    )
    def update_conversation(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[ConversationUpdate],
    ) -> ConversationOut:
        """Unknown queue or assignee ids answer 422 on that field."""
        conversation = conversation_updates.update_conversation(
            session,
            conversation_id=conversation_id,
            changes=data.changes(),
            actor_user_id=principal.user_id,
        )
        return with_sla(session, [conversation])[0]

    @post(
        "/{conversation_id:uuid}/replies",
        status_code=202,
        sync_to_thread=True,
        summary="Reply to the customer through the conversation's channel",
        description="The message is stored as queued; delivery happens after the response.",
        responses=problem_responses(404, 409),
    )
    def reply(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[ReplyIn],
    ) -> MessageOut:
        message = replies.reply(
            session,
            conversation_id=conversation_id,
            text=data.text,
            html=data.html,
            author_user_id=principal.user_id,
        )
        return MessageOut.model_validate(message)

    @post(
        "/{conversation_id:uuid}/notes",
        sync_to_thread=True,
        summary="Add an internal note (never sent to the customer)",
        responses=problem_responses(404),
    )
    def add_note(
        self,
        session: TenantSession,
        principal: Caller,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[NoteIn],
    ) -> MessageOut:
        message = replies.add_note(
            session,
            conversation_id=conversation_id,
            text=data.text,
            author_user_id=principal.user_id,
        )
        return MessageOut.model_validate(message)
