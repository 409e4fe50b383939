"""Survey answers on the wire."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator

from api.schemas.common import INPUT_CONFIG, NO_NUL, OUTPUT_CONFIG
from core.models.csat import COMMENT_MAX, SCORE_MAX, SCORE_MIN, SurveyChannel


class CsatAnswerIn(BaseModel):
    """One customer's answer, as an IVR post-call survey or a survey vendor reports it."""

    model_config = INPUT_CONFIG

    score: int = Field(ge=SCORE_MIN, le=SCORE_MAX, description="1 (very dissatisfied) to 5")
    comment: Annotated[str, StringConstraints(max_length=COMMENT_MAX, pattern=NO_NUL)] = ""
    # Optional, not defaulted to a member: Litestar shares one schema component per enum, and
    # a field's default or description would land on it or not depending on the order apps
    # register it in. None means the post-call IVR survey.
    channel: SurveyChannel | None = None

    @field_validator("score", mode="before")
    @classmethod
    def _not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):  # JSON true would otherwise read as 1
            raise ValueError(f"must be a whole number from {SCORE_MIN} to {SCORE_MAX}")
        return value


class CsatAnswerOut(BaseModel):
    model_config = OUTPUT_CONFIG

    id: uuid.UUID
    conversation_id: uuid.UUID
    score: int
    satisfied: bool = Field(description="scored 4 or 5: counts towards CSAT")
    comment: str
    channel: SurveyChannel
    answered_at: datetime


class CsatOfConversation(BaseModel):
    """A conversation's survey: its answer, or null while the customer has given none."""

    conversation_id: uuid.UUID
    answer: CsatAnswerOut | None
