"""Prebuilt statements for the incoming-call webhook, the one voice path that must be fast.

Like ``core.statements``: built once, executed with parameters on the session's connection,
each filtering by ``scope_tenant_id`` itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from core import statements as st
from core.models.inbound_record import InboundRecord
from core.models.interaction import Interaction

interaction_t: sa.Table = Interaction.__table__  # type: ignore[attr-defined]
record_t: sa.Table = InboundRecord.__table__  # type: ignore[attr-defined]
TENANT = st.TENANT

_caller_contact = (
    sa.select(st.identity_t.c.contact_id)
    .where(
        st.identity_t.c.tenant_id == sa.bindparam("caller_tenant_id", type_=sa.Uuid()),
        st.identity_t.c.kind == sa.literal_column("'phone'"),
        st.identity_t.c.value == sa.bindparam("caller"),
    )
    .scalar_subquery()
)


def _start_call(insert: postgresql.Insert | sqlite.Insert) -> sa.Insert:
    """One round trip for a call's arrival: the caller identified by caller ID (given, or
    looked up among phone identities) and the call inserted unless a retry did it already;
    back come its id and contact."""
    return (
        insert.values(
            contact_id=sa.func.coalesce(
                sa.bindparam("given_contact_id", type_=sa.Uuid()), _caller_contact
            )
        )
        .on_conflict_do_nothing()
        .returning(interaction_t.c.id, interaction_t.c.contact_id)
    )


START_CALL = {
    "postgresql": _start_call(postgresql.insert(interaction_t)),
    "sqlite": _start_call(sqlite.insert(interaction_t)),
}

CALL_BY_SID = sa.select(
    interaction_t.c.id, interaction_t.c.contact_id, interaction_t.c.state
).where(
    interaction_t.c.tenant_id == TENANT,
    interaction_t.c.channel == sa.literal_column("'phone'"),
    interaction_t.c.external_id == sa.bindparam("sid"),
)

INSERT_RECORD = sa.insert(record_t)
