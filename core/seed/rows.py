"""Bulk inserts: complete rows queued per table, written by executemany straight on the tables."""

from __future__ import annotations

import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from core.ids import new_id
from core.models import (
    AgentSkill,
    BusinessCalendarRecord,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    CsatResponse,
    Interaction,
    Message,
    OrgUnit,
    Queue,
    SlaClock,
    SlaPolicy,
    User,
)
from core.seed.plan import SeedResult

Row = dict[str, Any]

BATCH_SIZE = 1000  # rows per executemany
CHUNK_SIZE = 500  # contacts or conversations per flush and progress report
INSERT_ORDER = (  # parents before children; the name of the SeedResult count, if any
    (OrgUnit, "org_units"),
    (User, "users"),
    (AgentSkill, ""),
    (Queue, "queues"),
    (BusinessCalendarRecord, ""),
    (SlaPolicy, ""),
    (Contact, "contacts"),
    (ContactIdentity, "identities"),
    (Conversation, "conversations"),
    (CsatResponse, "csat_responses"),
    (SlaClock, ""),
    (Message, "messages"),
    (Interaction, "interactions"),
    (ConversationEvent, "events"),
)
SQLITE_ANALYZED = frozenset({"sla_clock"})
"""Tables SQLite gets statistics for too: without them it reads one conversation's clocks (the
SLA engine's lookup, ordered by id) by walking all of the tenant's clocks in primary-key order."""


def model_defaults(model: type[SQLModel]) -> Row:
    """The model's own defaults for its optional columns; Core inserts would not apply them."""
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in model.model_fields.items()
        if not info.is_required()
    }


class RowWriter:
    """One tenant's rows waiting to be inserted, and how many of each kind were written."""

    def __init__(self, session: Session, tenant_id: uuid.UUID) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.counts = {f.name: 0 for f in fields(SeedResult) if f.name != "tenant_id"}
        self.pending: dict[type[SQLModel], list[Row]] = {}
        self.defaults: dict[type[SQLModel], Row] = {}
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.analyzed: set[str] = set()

    def add(self, model: type[SQLModel], at: datetime, **values: Any) -> Row:
        """A complete row of a tenant-owned table, queued for the next flush.

        The row is returned (id included) so callers can refer to it and still amend it before
        the flush.
        """
        if model not in self.defaults:
            self.defaults[model] = model_defaults(model)
        row = self.defaults[model] | {"tenant_id": self.tenant_id, "id": new_id(), "created_at": at}
        row.update(values)
        self.pending.setdefault(model, []).append(row)
        return row

    def flush(self) -> None:
        """Insert the queued rows, parents first, by executemany straight on the tables.

        On PostgreSQL each table is analyzed after its first batch: foreign-key checks are planned
        once per connection, and planned on a table without statistics they may scan the whole
        tenant through a tenant-prefixed index on every check (minutes instead of seconds). On
        SQLite only the tables of SQLITE_ANALYZED are.
        """
        for model, counter in INSERT_ORDER:
            rows = self.pending.pop(model, [])
            table: sa.Table = model.__table__  # type: ignore[union-attr]
            for start in range(0, len(rows), BATCH_SIZE):
                self.session.execute(sa.insert(table), rows[start : start + BATCH_SIZE])
            wanted = self.postgres or table.name in SQLITE_ANALYZED
            if rows and wanted and table.name not in self.analyzed:
                self.analyzed.add(table.name)
                self.session.execute(sa.text(f'ANALYZE "{table.name}"'))
            if counter:
                self.counts[counter] += len(rows)
