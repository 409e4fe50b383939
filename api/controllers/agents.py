"""/agents/{user_id}: presence, routing status, capacity, offers and pulling work (D6, D7)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.params import FromPath, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.conversations import ConversationOut
from api.schemas.routing import (
    AgentStatusOut,
    CapacityIn,
    OfferOut,
    PresenceIn,
    PresenceOut,
    PullIn,
    StateChangeOut,
)
from core.conversation_queries import get_conversation
from core.permissions import Action
from core.routing import offers, presence, router


def presence_out(session: TenantSession, user_id: uuid.UUID) -> PresenceOut:
    status = presence.get_status(session, agent_id=user_id)
    return PresenceOut(
        agent_id=user_id, state=status.state, since=status.since, reason=status.reason
    )


class AgentController(Controller):
    path = "/agents"
    opt = {"resource": "agents"}  # permissions: api.guards
    tags = ["agents"]

    @get(
        "/{user_id:uuid}/presence",
        sync_to_thread=True,
        summary="An agent's presence",
        responses=problem_responses(404),
    )
    def get_presence(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> PresenceOut:
        return presence_out(session, user_id)

    @put(
        "/{user_id:uuid}/presence",
        sync_to_thread=True,
        owner_param="user_id",  # agents may do this for themselves
        summary="Set an agent's presence (available agents get work)",
        responses=problem_responses(404, 409),
    )
    def set_presence(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], data: JSONBody[PresenceIn]
    ) -> PresenceOut:
        presence.set_presence(session, agent_id=user_id, state=data.state, reason=data.reason)
        return presence_out(session, user_id)

    @get(
        "/{user_id:uuid}/status",
        sync_to_thread=True,
        summary="An agent's presence, loads, capacities and phone time today",
        responses=problem_responses(404),
    )
    def get_status(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> AgentStatusOut:
        return AgentStatusOut.model_validate(presence.get_status(session, agent_id=user_id))

    @put(
        "/{user_id:uuid}/capacity",
        sync_to_thread=True,
        summary="Set an agent's per-channel capacity overrides",
        responses=problem_responses(404),
    )
    def set_capacity(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], data: JSONBody[CapacityIn]
    ) -> AgentStatusOut:
        presence.set_capacity(session, agent_id=user_id, overrides=data.overrides())
        return AgentStatusOut.model_validate(presence.get_status(session, agent_id=user_id))

    @get(
        "/{user_id:uuid}/state-history",
        sync_to_thread=True,
        summary="An agent's presence periods, newest first",
        responses=problem_responses(404),
    )
    def state_history(
        self,
        session: TenantSession,
        user_id: FromPath[uuid.UUID],
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[StateChangeOut]:
        page = presence.state_history(session, agent_id=user_id, limit=limit, cursor=cursor)
        return page_out(page, StateChangeOut.model_validate)

    @get(
        "/{user_id:uuid}/offers",
        sync_to_thread=True,
        summary="Offers waiting for the agent's answer, oldest first",
        responses=problem_responses(404),
    )
    def pending_offers(
        self, session: TenantSession, user_id: FromPath[uuid.UUID]
    ) -> list[OfferOut]:
        return [
            OfferOut.model_validate(offer)
            for offer in offers.pending_offers(session, agent_id=user_id)
        ]

    @post(
        "/{user_id:uuid}/offers/{offer_id:uuid}/accept",
        sync_to_thread=True,
        action=Action.OFFERS_WRITE,
        owner_param="user_id",  # agents answer their own offers; leads may for anyone
        status_code=200,
        summary="Accept an offer: the conversation becomes the agent's",
        responses=problem_responses(404, 409),
    )
    def accept_offer(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], offer_id: FromPath[uuid.UUID]
    ) -> OfferOut:
        offer = offers.accept_offer(session, offer_id=offer_id, agent_id=user_id)
        return OfferOut.model_validate(offer)

    @post(
        "/{user_id:uuid}/offers/{offer_id:uuid}/decline",
        sync_to_thread=True,
        action=Action.OFFERS_WRITE,
        owner_param="user_id",
        status_code=200,
        summary="Decline an offer: the conversation goes to someone else",
        responses=problem_responses(404, 409),
    )
    def decline_offer(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], offer_id: FromPath[uuid.UUID]
    ) -> OfferOut:
        offer = offers.decline_offer(session, offer_id=offer_id, agent_id=user_id)
        return OfferOut.model_validate(offer)

    @post(
        "/{user_id:uuid}/pull",
        sync_to_thread=True,
        owner_param="user_id",  # agents may do this for themselves
        status_code=200,
        summary="Take the best waiting written conversation the agent may",
        responses=problem_responses(404, 409),
    )
    def pull(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], data: JSONBody[PullIn]
    ) -> ConversationOut:
        routed = router.pull(session, agent_id=user_id, queue_id=data.queue_id)
        conversation = get_conversation(session, conversation_id=routed.conversation_id)
        return ConversationOut.model_validate(conversation)
