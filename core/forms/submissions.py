"""Ingesting an admitted web-form submission (core.forms.admission stored it first).

One transaction: the submission becomes the first message of a new conversation, or the next
one of the identity's open conversation when the form threads (``thread_into_open``); a new
conversation goes to the form's queue. In the same unit the raw record is marked ingested, the
acknowledgement is queued for email (when the submitter gave an address and the tenant has a
mailbox) and a call-back is requested when the submitter asked for one.

Ingest itself (core.ingest) continues a known identity's open conversation on the channel; a
form that does not thread opens the conversation first and points ingest at it by number.
Who the identity is comes from the admission's read; should that have changed before this
transaction (a first submission of the same person racing this one, a merge), the unit is
rolled back and run again with the identity read inside it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import outbox
from core import statements as st
from core.callbacks import request_callback
from core.clock import utcnow
from core.conversations import OpenedConversation, open_conversation
from core.db import Database
from core.errors import InvalidInputError
from core.forms import statements as fs
from core.forms.admission import Admission, KnownIdentity
from core.forms.references import Reference, reference_of_message
from core.ids import new_id
from core.inbound import InboundAttachment, InboundMessage
from core.ingest import ingest
from core.metrics import INBOUND_MESSAGES
from core.models.channel import Channel
from core.models.contact import IdentityKind
from core.models.inbound_record import InboundState
from core.models.message import DeliveryStatus, MessageDirection
from core.outbound import DELIVER_ACTOR

log = structlog.get_logger(__name__)

CALLBACK_SOURCE = "webform"


@dataclass(frozen=True, slots=True)
class FormSubmission:
    """A valid submission, normalized by the channel: what the conversation is made of."""

    tenant_id: uuid.UUID
    form_id: uuid.UUID
    external_id: str
    sender_kind: IdentityKind
    sender: str
    text: str
    subject: str
    language: str
    thread_into_open: bool = False
    queue_id: uuid.UUID | None = None
    category: str | None = None
    sender_name: str | None = None
    attachments: tuple[InboundAttachment, ...] = ()
    callback_number: str | None = None
    acknowledgement: Callable[[int], str] | None = field(default=None, compare=False)
    """The acknowledgement's text for a reference number, when the submitter gave an email."""


class _Twin(Exception):
    """Ingest found the submission's twin; the unit rolls back what it began."""

    def __init__(self, message_id: uuid.UUID) -> None:
        super().__init__(str(message_id))
        self.message_id = message_id


class _IdentityChanged(Exception):
    """The identity is not what the admission read; the unit rolls back and runs again."""


def ingest_submission(
    database: Database, submission: FormSubmission, *, admission: Admission
) -> Reference:
    """Make an admitted submission a conversation message (commits); see the module docstring.

    Idempotent by ``external_id``: a twin that won a race gives its reference and the record
    says duplicate. Unique-key races are retried once, as core.ingest.ingest_committed does.
    """
    for attempt in (1, 2):
        try:
            with database.tenant_unit(submission.tenant_id) as session:
                known = admission.known_identity if attempt == 1 else _identity(session, submission)
                reference = _ingest(session, submission, admission, known, strict=attempt == 1)
            outbox.notify_relay()
            return reference
        except _Twin as twin:
            with database.tenant_unit(submission.tenant_id) as session:
                reference = reference_of_message(session, twin.message_id, duplicate=True)
                _finish(session, admission.record_id, InboundState.DUPLICATE, twin.message_id)
            INBOUND_MESSAGES.labels(Channel.WEBFORM.value, "duplicate").inc()
            return reference
        except (IntegrityError, _IdentityChanged):
            if attempt == 2:
                raise
            log.info("webform.retry_after_race", external_id=submission.external_id)
    raise AssertionError("unreachable")


def _ingest(
    session: Session,
    submission: FormSubmission,
    admission: Admission,
    known: KnownIdentity | None,
    *,
    strict: bool,
) -> Reference:
    now = utcnow()
    opened: OpenedConversation | None = None
    if not submission.thread_into_open and known is not None:
        opened = open_conversation(
            session,
            contact_id=known.contact_id,
            channel=Channel.WEBFORM,
            contact_identity_id=known.identity_id,
            subject=submission.subject,
            category=submission.category,
            language=submission.language,
            queue_id=submission.queue_id,
            at=now,
            last_inbound_at=now,
        )
    result = ingest(
        session,
        InboundMessage(
            tenant_id=submission.tenant_id,
            channel=Channel.WEBFORM,
            sender_kind=submission.sender_kind,
            sender=submission.sender,
            external_id=submission.external_id,
            text=submission.text,
            subject=submission.subject,
            sender_name=submission.sender_name,
            sent_at=now,
            attachments=submission.attachments,
            conversation_number=opened.number if opened else None,
            thread_any_channel=submission.thread_into_open,
            language=submission.language,
            category=submission.category,
        ),
    )
    if result.duplicate:
        raise _Twin(result.message_id)
    if strict and not submission.thread_into_open:
        went_elsewhere = opened is not None and result.conversation_id != opened.id
        if went_elsewhere or (opened is None and not result.created_conversation):
            raise _IdentityChanged
    created = opened is not None or result.created_conversation
    cid = result.conversation_id
    if opened is not None:
        number = opened.number
    elif created and submission.queue_id is not None:
        number = st.run(session, fs.PLACE_IN_QUEUE, {"cid": cid, "queue_id": submission.queue_id})
        number = number.scalar_one()
    else:
        number = st.run(session, fs.NUMBER, {"cid": cid}).scalar_one()
    _finish(session, admission.record_id, InboundState.INGESTED, result.message_id)
    if created and submission.acknowledgement is not None and admission.has_mailbox:
        _queue_acknowledgement(session, cid, submission.acknowledgement(int(number)))
    if submission.callback_number:
        _ask_for_callback(session, submission, cid, result.contact_id)
    INBOUND_MESSAGES.labels(Channel.WEBFORM.value, "stored").inc()
    return Reference(
        conversation_id=cid,
        number=int(number),
        message_id=result.message_id,
        contact_id=result.contact_id,
        created_conversation=created,
    )


def _identity(session: Session, submission: FormSubmission) -> KnownIdentity | None:
    row = st.run(
        session, fs.IDENTITY, {"kind": submission.sender_kind.value, "value": submission.sender}
    ).first()
    return KnownIdentity(row.id, row.contact_id) if row is not None else None


def _ask_for_callback(
    session: Session,
    submission: FormSubmission,
    conversation_id: uuid.UUID,
    contact_id: uuid.UUID,
) -> None:
    """The channel checked the number; should the call-back service still refuse it, the
    submission stands (the number is in its text for the agent) and the refusal is logged."""
    try:
        request_callback(
            session,
            number=submission.callback_number or "",
            source=CALLBACK_SOURCE,
            conversation_id=conversation_id,
            contact_id=contact_id,
        )
    except InvalidInputError as exc:
        log.warning(
            "webform.callback_refused",
            tenant_id=str(submission.tenant_id),
            conversation_id=str(conversation_id),
            reason=exc.detail,
        )


def _queue_acknowledgement(session: Session, conversation_id: uuid.UUID, text: str) -> None:
    """The reference number by email from the tenant's mailbox: an ordinary outbound message
    the delivery worker sends like a reply (as channels.email.acknowledgement does)."""
    message_id = new_id()
    st.insert_row(
        session,
        st.INSERT_MESSAGE,
        {
            "id": message_id,
            "created_at": utcnow(),
            "conversation_id": conversation_id,
            "direction": MessageDirection.OUTBOUND,
            "channel": Channel.EMAIL,
            "author_user_id": None,
            "contact_identity_id": None,
            "external_id": None,
            "in_reply_to": None,
            "text": text,
            "html": None,
            "attachments": [],
            "sent_at": None,
            "delivery_status": DeliveryStatus.QUEUED,
            "delivered_at": None,
            "delivery_error": None,
        },
    )
    outbox.enqueue(session, actor=DELIVER_ACTOR, payload={"message_id": str(message_id)})


def _finish(
    session: Session, record_id: uuid.UUID, state: InboundState, message_id: uuid.UUID | None
) -> None:
    st.run(
        session,
        fs.FINISH_RECORD,
        {
            "record_id": record_id,
            "state": state,
            "message_id": message_id,
            "processed_at": utcnow(),
        },
    )
