"""The reference a submitter is given: the conversation their submission went to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core import statements as st
from core.forms.statements import CONVERSATION_OF_MESSAGE


@dataclass(frozen=True, slots=True)
class Reference:
    """``number`` is what the submitter is shown (``#SB-<number>``); ``duplicate`` says the
    submission was a replay of one already ingested."""

    conversation_id: uuid.UUID
    number: int
    message_id: uuid.UUID
    contact_id: uuid.UUID
    duplicate: bool = False
    created_conversation: bool = False


def reference_of_message(session: Session, message_id: uuid.UUID, *, duplicate: bool) -> Reference:
    """The reference of the conversation an ingested message is in."""
    row = st.run(session, CONVERSATION_OF_MESSAGE, {"message_id": message_id}).one()
    return Reference(
        conversation_id=row.id,
        number=int(row.number),
        message_id=message_id,
        contact_id=row.contact_id,
        duplicate=duplicate,
    )
