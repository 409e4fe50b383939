"""Intake: raw traffic is persisted before parsing; bad input is kept and rejected, not lost."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from channels.loopback import LoopbackAdapter
from core.db import Database
from core.intake import receive
from core.models import Channel, InboundRecord, InboundState, Message
from tests.conftest import TenantHandle


def test_unparseable_delivery_is_kept_and_rejected(
    database: Database, tenant: TenantHandle, tmp_path: Path
) -> None:
    adapter = LoopbackAdapter(Channel.WEBFORM, tmp_path)
    outcome = receive(
        database, adapter, tenant_id=tenant.id, payload=b"\xff not json", content_type="text/plain"
    )
    assert outcome.state is InboundState.REJECTED
    with database.tenant_session(tenant.id) as session:
        record = session.execute(sa.select(InboundRecord)).scalar_one()
    assert record.payload == b"\xff not json"
    assert record.state is InboundState.REJECTED and "not a loopback message" in (
        record.reason or ""
    )


def test_delivery_is_ingested_once_and_records_point_at_the_message(
    database: Database, tenant: TenantHandle, tmp_path: Path
) -> None:
    adapter = LoopbackAdapter(Channel.WEBFORM, tmp_path)
    payload = json.dumps(
        {"from": "Chen@Example.cn", "id": "form-1", "text": "网速很慢", "name": "陈先生"}
    ).encode()
    first = receive(
        database, adapter, tenant_id=tenant.id, payload=payload, content_type="application/json"
    )
    second = receive(
        database, adapter, tenant_id=tenant.id, payload=payload, content_type="application/json"
    )
    assert first.state is InboundState.INGESTED and second.state is InboundState.DUPLICATE
    assert first.result and second.result and first.result.message_id == second.result.message_id
    with database.tenant_session(tenant.id) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one() == 1
        records = session.execute(sa.select(col(InboundRecord.message_id))).scalars().all()
    assert records == [first.result.message_id, first.result.message_id]


def test_bad_sender_address_is_a_logged_rejection(
    database: Database, tenant: TenantHandle, tmp_path: Path
) -> None:
    adapter = LoopbackAdapter(Channel.PHONE, tmp_path)
    payload = json.dumps({"from": "not-a-number", "from_kind": "phone", "id": "CA9"}).encode()
    outcome = receive(
        database, adapter, tenant_id=tenant.id, payload=payload, content_type="application/json"
    )
    assert outcome.state is InboundState.REJECTED
    assert outcome.reason and "phone" in outcome.reason
