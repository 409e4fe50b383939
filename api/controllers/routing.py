"""Routing: the tenant's policy, answering offers, and "why is this conversation first?"."""

from __future__ import annotations

import uuid

from litestar import Controller, get, put
from litestar.params import FromPath, JSONBody

from api.dependencies import TenantSession
from api.problems import problem_responses
from api.schemas.routing import (
    ConversationRoutingOut,
    RoutingPolicyIn,
    RoutingPolicyOut,
)
from core.routing import policy, rank


class RoutingPolicyController(Controller):
    path = "/routing-policy"
    opt = {"resource": "routing"}  # permissions: api.guards
    tags = ["routing"]

    @get("/", sync_to_thread=True, summary="The routing policy", responses=problem_responses())
    def get_policy(self, session: TenantSession) -> RoutingPolicyOut:
        return RoutingPolicyOut.model_validate(policy.get_policy(session))

    @put(
        "/",
        sync_to_thread=True,
        summary="Change the routing policy (fields sent change; maps merge)",
        responses=problem_responses(),
    )
    def update_policy(
        self, session: TenantSession, data: JSONBody[RoutingPolicyIn]
    ) -> RoutingPolicyOut:
        updated = policy.update_policy(session, changes=data.changes())
        return RoutingPolicyOut.model_validate(updated)


class ConversationRoutingController(Controller):
    path = "/conversations"
    opt = {"resource": "conversations"}  # permissions: api.guards
    tags = ["routing"]

    @get(
        "/{conversation_id:uuid}/routing",
        sync_to_thread=True,
        summary="Where the conversation stands in routing and why",
        responses=problem_responses(404),
    )
    def explain(
        self, session: TenantSession, conversation_id: FromPath[uuid.UUID]
    ) -> ConversationRoutingOut:
        explanation = rank.explain(session, conversation_id=conversation_id)
        return ConversationRoutingOut.model_validate(explanation)
