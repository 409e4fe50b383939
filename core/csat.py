"""Customer-satisfaction answers: recording one per conversation, and the signed survey link a
customer answers through.

The survey link carries an itsdangerous token (HMAC-SHA1 over the payload and its time, key
``SESSION_SECRET``, salt ``csat-survey``) naming the tenant, the conversation and how the link
is sent: it cannot be forged or moved to another tenant's conversation, and it expires after
``SURVEY_MAX_AGE``. Answers are booked when they are recorded (``answered_at`` is now), so the
KPI rollups meet them on their next refresh like any other fact.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import Session
from sqlmodel import col

from core.clock import utcnow
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.lookup import get_by_id
from core.models.conversation import Conversation
from core.models.csat import COMMENT_MAX, SCORE_MAX, SCORE_MIN, CsatResponse, SurveyChannel
from core.settings import Settings

SURVEY_SALT = "csat-survey"
SURVEY_MAX_AGE = timedelta(days=14)
SURVEY_PATH = "/survey/"


def record_answer(
    session: Session,
    *,
    conversation_id: uuid.UUID,
    score: int,
    channel: SurveyChannel,
    comment: str = "",
) -> CsatResponse:
    """Store the customer's answer to the conversation's survey, answered now (no commit).

    NotFoundError for a conversation this tenant does not have; InvalidInputError for a score
    outside 1–5 or an overlong comment; ConflictError when the conversation has an answer
    already: the first answer stands, a second is refused rather than replacing it.
    """
    get_by_id(session, Conversation, conversation_id, noun="conversation")
    problems = []
    if isinstance(score, bool) or not SCORE_MIN <= score <= SCORE_MAX:
        problems.append(
            FieldProblem("score", f"must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
        )
    comment = comment.strip()
    if len(comment) > COMMENT_MAX or "\x00" in comment:
        problems.append(FieldProblem("comment", f"at most {COMMENT_MAX} characters, no NUL"))
    if problems:
        raise InvalidInputError("invalid survey answer", problems)
    if find_answer(session, conversation_id=conversation_id) is not None:
        raise ConflictError(
            f"conversation {conversation_id} has a survey answer already; the first one stands"
        )
    answer = CsatResponse(
        conversation_id=conversation_id,
        score=score,
        comment=comment,
        channel=channel,
        answered_at=utcnow(),
    )
    session.add(answer)
    session.flush()  # a racing second answer fails here, on the unique constraint
    return answer


def conversation_answer(session: Session, *, conversation_id: uuid.UUID) -> CsatResponse | None:
    """The conversation's survey answer, None if not answered (yet); NotFoundError for a
    conversation this tenant does not have."""
    get_by_id(session, Conversation, conversation_id, noun="conversation")
    return find_answer(session, conversation_id=conversation_id)


def find_answer(session: Session, *, conversation_id: uuid.UUID) -> CsatResponse | None:
    """The conversation's survey answer, if the customer gave one."""
    query = sa.select(CsatResponse).where(col(CsatResponse.conversation_id) == conversation_id)
    return session.execute(query).scalar_one_or_none()


# --- the survey link --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyTicket:
    """What a genuine, unexpired survey token says."""

    tenant_id: uuid.UUID
    conversation_id: uuid.UUID
    channel: SurveyChannel


class SurveyLinkError(Exception):
    """A survey token that is not ours (forged, altered, malformed) or has expired."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("the survey link has expired" if expired else "not a survey link")
        self.expired = expired


class _ClockedSigner(TimestampSigner):
    """itsdangerous' signer on our clock, so that tokens can be dated (tests, the seed)."""

    def __init__(self, *args: Any, clock: Callable[[], datetime] = utcnow, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        return int(self.clock().timestamp())


def _serializer(secret: str, now: datetime | None) -> URLSafeTimedSerializer:
    clock = utcnow if now is None else (lambda: now)
    return URLSafeTimedSerializer(
        secret, salt=SURVEY_SALT, signer=_ClockedSigner, signer_kwargs={"clock": clock}
    )


def survey_token(
    secret: str,
    *,
    tenant_id: uuid.UUID,
    conversation_id: uuid.UUID,
    channel: SurveyChannel = SurveyChannel.EMAIL_LINK,
    now: datetime | None = None,
) -> str:
    """The signed token of one conversation's survey (URL-safe)."""
    payload = [tenant_id.hex, conversation_id.hex, channel.value]
    return str(_serializer(secret, now).dumps(payload))


def read_survey_token(
    secret: str,
    token: str,
    *,
    max_age: timedelta = SURVEY_MAX_AGE,
    now: datetime | None = None,
) -> SurveyTicket:
    """The ticket a token carries; SurveyLinkError if it is not genuine or has expired."""
    try:
        payload = _serializer(secret, now).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise SurveyLinkError(expired=True) from exc
    except BadData as exc:
        raise SurveyLinkError(expired=False) from exc
    try:
        tenant, conversation, channel = payload
        return SurveyTicket(uuid.UUID(tenant), uuid.UUID(conversation), SurveyChannel(channel))
    except (TypeError, ValueError) as exc:  # signed by us, but not a survey: never expected
        raise SurveyLinkError(expired=False) from exc


def survey_link(
    settings: Settings,
    *,
    tenant_id: uuid.UUID,
    conversation_id: uuid.UUID,
    channel: SurveyChannel = SurveyChannel.EMAIL_LINK,
    base_url: str | None = None,
    now: datetime | None = None,
) -> str:
    """The URL a customer opens to answer the conversation's survey, valid for 14 days.

    Built on ``base_url``, else ``PUBLIC_URL``, else the address this process serves on. The
    token is signed with ``SESSION_SECRET``: set it, or links die when the process restarts.
    """
    base = base_url or settings.public_url or f"http://{settings.host}:{settings.port}"
    token = survey_token(
        settings.session_secret,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        channel=channel,
        now=now,
    )
    return f"{base.rstrip('/')}{SURVEY_PATH}{token}"
