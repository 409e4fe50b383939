"""The acknowledgement (D15): a new email conversation gets its reference number by reply.

It is an ordinary outbound message queued through the outbox, so the delivery worker sends
it like an agent's reply (retries, failure events, threading); it is not a response to the
customer and so does not touch first-response time. Auto-replies never get one (the caller
checks), which with Auto-Submitted on ours keeps two robots from talking forever.
"""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from sqlmodel import col

from channels.email.parsing import conversation_token
from core import outbox
from core.clock import utcnow
from core.db import Database
from core.models.conversation import Conversation
from core.models.message import DeliveryStatus, Message, MessageDirection
from core.outbound import DELIVER_ACTOR, OutboundMessage

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

TEMPLATES = {
    "en": (
        "Thank you for writing to us. We have received your message; your reference number "
        "is #SB-{number}.\n\nPlease keep {token} in the subject when you write about this "
        "matter, so that it reaches the same team.\n"
    ),
    "zh": (
        "感谢您的来信。我们已收到您的邮件，参考编号为 #SB-{number}。\n\n"
        "就此事再次来信时，请在主题中保留 {token}，以便由同一团队为您处理。\n"
    ),
}


def detect_language(text: str) -> str | None:
    """``zh`` when a fair share of the letters are CJK ideographs, else None (unknown)."""
    sample = text[:2000]
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return None
    return "zh" if len(_CJK.findall(sample)) * 4 >= letters else None


def acknowledgement_text(number: int, language: str | None) -> str:
    template = TEMPLATES["zh" if (language or "").startswith("zh") else "en"]
    return template.format(number=number, token=conversation_token(number))


def is_acknowledgement(outbound: OutboundMessage) -> bool:
    """Whether an outbound message is our acknowledgement (its text is the template's, exactly).

    The delivery worker hands adapters no flag for automatic mail; the text identifies it.
    """
    number = outbound.conversation_number
    return any(outbound.text == acknowledgement_text(number, lang) for lang in TEMPLATES)


def queue_acknowledgement(
    database: Database, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID
) -> uuid.UUID:
    """Store the acknowledgement as a queued outbound message and enqueue its delivery (commits).

    Returns the message id. The language follows the conversation's (set from the mail).
    """
    with database.tenant_unit(tenant_id) as session:
        conversation = session.execute(
            sa.select(Conversation).where(col(Conversation.id) == conversation_id)
        ).scalar_one()
        message = Message(
            conversation_id=conversation.id,
            direction=MessageDirection.OUTBOUND,
            channel=conversation.channel,
            contact_identity_id=conversation.contact_identity_id,
            text=acknowledgement_text(conversation.number, conversation.language),
            delivery_status=DeliveryStatus.QUEUED,
            created_at=utcnow(),
        )
        session.add(message)
        session.flush()
        outbox.enqueue(
            session,
            actor=DELIVER_ACTOR,
            payload={"message_id": str(message.id)},
        )
        message_id = message.id
    outbox.notify_relay()
    return message_id
