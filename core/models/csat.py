"""Customer-satisfaction survey answers: one per conversation, a 1–5 score and a comment.

A customer answers once: the first answer stands (a second is refused, not merged), so an
integration retrying or a customer reopening the survey link cannot tilt the figures. CSAT
(docs/kpis.md) is the share of answers scoring 4 or 5, booked when the customer answered.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field

from core.models.base import TenantOwned, tenant_fk
from core.models.types import UTCDateTime, enum_type

SCORE_MIN, SCORE_MAX = 1, 5
SATISFIED_MIN = 4
"""Top-two box: 4 and 5 are satisfied answers."""
COMMENT_MAX = 2000


class SurveyChannel(enum.StrEnum):
    """How the survey reached the customer (not the conversation's own channel)."""

    EMAIL_LINK = "email_link"  # the signed link in a reply (core.csat.survey_link)
    WEB = "web"  # a survey shown on the web site or in a chat window
    PHONE_IVR = "phone_ivr"  # the post-call IVR survey


class CsatResponse(TenantOwned, table=True):
    __tablename__ = "csat_response"
    __table_args__ = (
        tenant_fk("conversation_id", "conversation", ondelete="CASCADE"),
        sa.UniqueConstraint("tenant_id", "conversation_id", name="uq_csat_response_conversation"),
        sa.CheckConstraint(
            f"score BETWEEN {SCORE_MIN} AND {SCORE_MAX}", name="ck_csat_response_score"
        ),
        sa.Index("ix_csat_response_answered", "tenant_id", "answered_at"),
    )

    conversation_id: uuid.UUID
    score: int = Field(description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str = Field(default="", max_length=COMMENT_MAX)
    channel: SurveyChannel = Field(sa_type=enum_type(SurveyChannel))
    answered_at: datetime = Field(sa_type=UTCDateTime, description="when the customer answered")
