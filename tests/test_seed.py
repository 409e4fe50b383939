"""The demo seed: what it reports is what it wrote, and what it wrote hangs together."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.errors import ConflictError
from core.identities import normalize_identity
from core.migrate import upgrade
from core.models import (
    Contact,
    ContactIdentity,
    Conversation,
    ConversationEvent,
    IdentityKind,
    Interaction,
    Message,
    OrgUnit,
    Queue,
    Tenant,
    Tier,
    User,
)
from core.seed import SeedPlan, seed_tenant

SMALL = SeedPlan(agents=12, contacts=200, days=3, conversations_per_day=30)
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    upgrade(url)
    db = Database(url)
    yield db
    db.dispose()


def test_seeded_tenant_matches_its_report_and_hangs_together(sqlite_db: Database) -> None:
    stages: set[str] = set()
    result = seed_tenant(
        sqlite_db, plan=SMALL, now=NOW, progress=lambda stage, done, total: stages.add(stage)
    )

    with sqlite_db.engine.connect() as conn:

        def count(model: type, **where: object) -> int:
            query = sa.select(sa.func.count()).select_from(model).filter_by(**where)
            return conn.execute(query).scalar_one()

        expected = {
            OrgUnit: result.org_units,
            User: result.users,
            Queue: result.queues,
            Contact: result.contacts,
            ContactIdentity: result.identities,
            Conversation: result.conversations,
            Message: result.messages,
            Interaction: result.interactions,
            ConversationEvent: result.events,
        }
        assert {m: count(m, tenant_id=result.tenant_id) for m in expected} == expected
        assert result.contacts == SMALL.contacts + result.social_authors
        assert result.social_posts > 0 and result.social_authors > 0
        assert result.conversations > 0
        seq = conn.execute(
            sa.select(col(Tenant.conversation_seq)).where(col(Tenant.id) == result.tenant_id)
        )
        assert seq.scalar_one() == result.conversations

        identities = conn.execute(
            sa.select(col(ContactIdentity.kind), col(ContactIdentity.value))
        ).all()
        assert len(set(identities)) == len(identities)
        for kind, value in identities:
            if kind is not IdentityKind.WEB:
                assert normalize_identity(kind, value) == value
        assert all(v.startswith("+") for k, v in identities if k is IdentityKind.PHONE)
        assert all(v == v.lower() for k, v in identities if k is IdentityKind.EMAIL)

        wrong_owner = (
            sa.select(col(Conversation.number))
            .join(ContactIdentity, col(ContactIdentity.id) == col(Conversation.contact_identity_id))
            .where(col(ContactIdentity.contact_id) != col(Conversation.contact_id))
        )
        assert conn.execute(wrong_owner).all() == []
        no_identity = sa.select(col(Conversation.number)).where(
            col(Conversation.contact_identity_id).is_(None)
        )
        assert conn.execute(no_identity).all() == []

        too_early = (
            sa.select(col(Message.id))
            .join(Conversation, col(Conversation.id) == col(Message.conversation_id))
            .where(col(Message.created_at) < col(Conversation.created_at))
        )
        assert conn.execute(too_early).all() == []
        late = sa.select(sa.func.max(col(ConversationEvent.occurred_at)))
        assert conn.execute(late).scalar_one() <= NOW

        agent_tiers = set(
            conn.execute(sa.select(col(User.tier)).where(col(User.tier).is_not(None))).scalars()
        )
        assert {Tier.L1, Tier.L2} <= agent_tiers

    assert {"org units", "users", "queues", "contacts", "conversations"} <= stages


def test_seeding_a_taken_slug_raises_conflict_and_writes_nothing(sqlite_db: Database) -> None:
    tiny = SeedPlan(agents=3, contacts=5, days=1, conversations_per_day=5)
    seed_tenant(sqlite_db, slug="demo", plan=tiny, now=NOW)

    with pytest.raises(ConflictError):
        seed_tenant(sqlite_db, slug="demo", plan=tiny, now=NOW)

    with sqlite_db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(Tenant)).scalar_one() == 1
