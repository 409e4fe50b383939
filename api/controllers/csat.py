"""Survey answers of conversations, for integrations: an IVR post-call survey, a survey vendor.

Customers answering through the survey link go through api.controllers.survey_pages instead.
"""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from api.dependencies import TenantSession
from api.problems import problem_responses
from api.schemas.csat import CsatAnswerIn, CsatAnswerOut, CsatOfConversation
from core import csat
from core.models.csat import SATISFIED_MIN, CsatResponse, SurveyChannel

ANSWER = "/conversations/{conversation_id:uuid}/csat"


def answer_out(answer: CsatResponse) -> CsatAnswerOut:
    return CsatAnswerOut(
        id=answer.id,
        conversation_id=answer.conversation_id,
        score=answer.score,
        satisfied=answer.score >= SATISFIED_MIN,
        comment=answer.comment,
        channel=answer.channel,
        answered_at=answer.answered_at,
    )


class CsatController(Controller):
    path = "/"
    opt = {"resource": "csat"}  # permissions: api.guards
    tags = ["csat"]

    @post(
        ANSWER,
        sync_to_thread=True,
        summary="Record the customer's survey answer (once per conversation)",
        description="Booked as answered now. A conversation takes one answer: a second is "
        "409, the first stands.",
        responses=problem_responses(404, 409),
    )
    def record(
        self,
        session: TenantSession,
        conversation_id: FromPath[uuid.UUID],
        data: JSONBody[CsatAnswerIn],
    ) -> CsatAnswerOut:
        answer = csat.record_answer(
            session,
            conversation_id=conversation_id,
            score=data.score,
            comment=data.comment,
            channel=data.channel or SurveyChannel.PHONE_IVR,
        )
        return answer_out(answer)

    @get(
        ANSWER,
        sync_to_thread=True,
        summary="The customer's survey answer, or null while there is none",
        responses=problem_responses(404),
    )
    def get_answer(
        self, session: TenantSession, conversation_id: FromPath[uuid.UUID]
    ) -> CsatOfConversation:
        answer = csat.conversation_answer(session, conversation_id=conversation_id)
        return CsatOfConversation(
            conversation_id=conversation_id, answer=None if answer is None else answer_out(answer)
        )
