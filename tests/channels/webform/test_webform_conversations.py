"""What a submission becomes: its own conversation or the identity's open one (as the form
says), in the form's queue, with an emailed acknowledgement when the tenant has a mailbox, and
a call-back request when the submitter asked for one."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from sqlmodel import col

from core import delivery, mailboxes
from core.db import Database
from core.forms.admission import Admission
from core.forms.submissions import FormSubmission, ingest_submission
from core.ids import new_id
from core.models import (
    CallbackRequest,
    Channel,
    DeliveryStatus,
    IdentityKind,
    InboundState,
    Message,
    MessageDirection,
    OutboxJob,
    Queue,
)
from core.outbound import DELIVER_ACTOR
from tests.channels.webform.conftest import (
    FormFactory,
    complaint,
    conversation_by_number,
    form_url,
    messages_of,
)
from tests.conftest import TenantHandle


def contact_us(email: str, text: str, **fields: str) -> dict[str, object]:
    values = {"name": "Li Na", "email": email, "topic": "billing", "message": text, **fields}
    return {"fields": values, "language": "zh"}


def test_a_threading_form_continues_the_identitys_open_conversation(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "contact-us"), ".json")
    first = web.post(url, json=contact_us("li.na@example.com", "话费多扣了"))
    second = web.post(url, json=contact_us("LI.NA@example.com", "补充：是 50 元"))
    assert first.status_code == second.status_code == 201, second.text
    assert first.json()["number"] == second.json()["number"]
    conversation = conversation_by_number(database, tenant.id, first.json()["number"])
    assert conversation.category == "billing" and conversation.language == "zh"
    texts = [m.text for m in messages_of(database, tenant.id, conversation.id)]
    assert (
        len(texts) == 2
        and "补充：是 50 元" in texts[1]
        and "咨询类别: 账单与话费 (billing)" in texts[0]
    )


def test_a_form_that_does_not_thread_opens_a_conversation_per_submission_in_its_queue(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    with database.tenant_unit(tenant.id) as session:
        queue = Queue(name=f"complaints-{uuid.uuid4().hex[:6]}", channels=["webform"])
        session.add(queue)
        session.flush()
        queue_id = queue.id
    url = form_url(tenant, make_form(tenant, "complaint", queue_id=queue_id), ".json")
    numbers = []
    for text in ("First matter", "Second matter"):  # the second: a known identity
        response = web.post(url, json=complaint(email="repeat@example.com", subject=text))
        assert response.status_code == 201, response.text
        numbers.append(response.json()["number"])
    assert numbers[0] != numbers[1]
    for number, text in zip(numbers, ("First matter", "Second matter"), strict=True):
        conversation = conversation_by_number(database, tenant.id, number)
        assert conversation.queue_id == queue_id and conversation.subject == f"Complaint: {text}"
        [message] = messages_of(database, tenant.id, conversation.id)
        assert f"Matter: {text}" in message.text
    first = conversation_by_number(database, tenant.id, numbers[0])
    second = conversation_by_number(database, tenant.id, numbers[1])
    assert first.contact_id == second.contact_id


def test_the_submitter_gets_the_reference_by_email_when_the_tenant_has_a_mailbox(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "complaint"), ".json")
    without = web.post(url, json=complaint(email="early@example.com"))
    conversation = conversation_by_number(database, tenant.id, without.json()["number"])
    assert [m.direction for m in messages_of(database, tenant.id, conversation.id)] == ["inbound"]
    with database.tenant_unit(tenant.id) as session:
        mailboxes.create_mailbox(session, address=f"support@{tenant.slug}.example")
    body = complaint(email="ack.me@example.com")
    body["language"] = "zh"
    response = web.post(url, json=body)
    number = response.json()["number"]
    conversation = conversation_by_number(database, tenant.id, number)
    _, ack = messages_of(database, tenant.id, conversation.id)
    assert ack.direction is MessageDirection.OUTBOUND and ack.channel is Channel.EMAIL
    assert ack.delivery_status is DeliveryStatus.QUEUED
    assert f"参考编号为 #SB-{number}" in ack.text
    with database.tenant_session(tenant.id) as session:
        outbound = delivery.build_outbound(session, message_id=ack.id)
        jobs = session.execute(
            sa.select(col(OutboxJob.payload)).where(col(OutboxJob.actor) == DELIVER_ACTOR)
        ).scalars()
        assert {"message_id": str(ack.id)} in list(jobs)
    assert outbound is not None and outbound.recipient == "ack.me@example.com"
    phone_only = web.post(url, json=complaint(email=None, phone="+8613900001111"))
    conversation = conversation_by_number(database, tenant.id, phone_only.json()["number"])
    assert len(messages_of(database, tenant.id, conversation.id)) == 1


def test_a_call_back_number_asks_for_a_call_back(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    url = form_url(tenant, make_form(tenant, "contact-us"), ".json")
    response = web.post(
        url, json=contact_us("callme@example.com", "请回电", callback_phone="139 1234 5678")
    )
    assert response.status_code == 201, response.text
    conversation = conversation_by_number(database, tenant.id, response.json()["number"])
    with database.tenant_session(tenant.id) as session:
        [callback] = session.execute(sa.select(CallbackRequest)).scalars()
        inbound = session.execute(
            sa.select(Message).where(col(Message.conversation_id) == conversation.id)
        ).scalar_one()
    assert callback.number == "+8613912345678" and callback.source == "webform"
    assert callback.conversation_id == conversation.id
    assert callback.contact_id == conversation.contact_id
    assert "+8613912345678" in inbound.text


def test_a_stale_read_of_the_identity_does_not_thread_a_form_that_does_not(
    database: Database, tenant: TenantHandle, make_form: FormFactory, web: httpx.Client
) -> None:
    form = make_form(tenant, "complaint")
    first = web.post(form_url(tenant, form, ".json"), json=complaint(email="race@example.com"))
    assert first.status_code == 201
    # The admission of a second submission read the identity as unknown (it raced the first).
    stale = Admission(record_id=new_id(), state=InboundState.RECEIVED, known_identity=None)
    submission = FormSubmission(
        tenant_id=tenant.id,
        form_id=form.id,
        external_id=f"webform:test:{uuid.uuid4().hex}",
        sender_kind=IdentityKind.EMAIL,
        sender="race@example.com",
        text="Second matter",
        subject="Complaint: second",
        language="en",
    )
    reference = ingest_submission(database, submission, admission=stale)
    assert reference.created_conversation and reference.number != first.json()["number"]
    conversation = conversation_by_number(database, tenant.id, first.json()["number"])
    assert reference.contact_id == conversation.contact_id
    assert len(messages_of(database, tenant.id, conversation.id)) == 1
