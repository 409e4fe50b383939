"""The demo seed's resolved history conversations carry survey answers, about a quarter of them,
scored lower where the SLA was breached or the conversation reopened, so CSAT has data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import col

from core.db import Database
from core.kpis import Period, executive_kpis, refresh_rollups
from core.models import Channel, Conversation, ConversationEvent, CsatResponse, EventType
from core.seed import SeedPlan, seed_tenant
from core.seed.csat import CsatHistory
from core.seed.run import SeedRun

PLAN = SeedPlan(agents=12, contacts=300, days=6, conversations_per_day=80)
NOW = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_the_seeded_history_has_survey_answers(database: Database) -> None:
    slug = f"csat-{uuid.uuid4().hex[:8]}"
    result = seed_tenant(database, slug=slug, plan=PLAN, now=NOW)
    with database.tenant_unit(result.tenant_id) as session:
        refresh_rollups(session, now=NOW)
        kpis = executive_kpis(session, period=Period(NOW - timedelta(days=PLAN.days + 1), NOW))
        rows = session.execute(
            sa.select(CsatResponse, Conversation)
            .join(Conversation, col(Conversation.id) == col(CsatResponse.conversation_id))
        ).all()  # fmt: skip
        surveyed = session.execute(
            sa.select(sa.func.count()).where(col(ConversationEvent.type) == EventType.SURVEY_SENT)
        ).scalar_one()

    assert result.csat_responses == len(rows) == kpis.csat_responses > 0
    assert 0.15 <= len(rows) / surveyed <= 0.35  # the response rate
    assert kpis.csat is not None and 0.55 <= kpis.csat <= 0.9
    for answer, conversation in rows:
        assert conversation.resolved_at is not None or conversation.closed_at is not None
        assert conversation.owner_id is not None
        assert conversation.resolved_at is None or answer.answered_at > conversation.resolved_at
        assert answer.answered_at <= NOW

    again = seed_tenant(database, slug=f"{slug}-again", plan=PLAN, now=NOW)
    assert again.csat_responses == result.csat_responses  # the seed's answers are reproducible


class _Rows:
    """Stands in for the RowWriter: keeps the rows the surveys add."""

    def __init__(self) -> None:
        self.added: list[dict[str, Any]] = []

    def add(self, model: type, at: datetime, **values: Any) -> dict[str, Any]:
        self.added.append(values)
        return values


def test_scores_follow_the_outcome_and_a_fifth_of_mailed_surveys_are_answered() -> None:
    rows = _Rows()
    run = cast(SeedRun, type("Run", (), {"now": NOW, "plan": PLAN, "rows": rows})())
    history = CsatHistory(run)
    shares = {}
    for outcome in ("smooth", "handed_on", "went_wrong"):
        rows.added.clear()
        for _ in range(4000):
            conversation = {"id": uuid.uuid4(), "channel": Channel.EMAIL, "language": "en"}
            history.survey(
                conversation,
                resolved_at=NOW - timedelta(days=5),
                handed_on=outcome == "handed_on",
                went_wrong=outcome == "went_wrong",
            )
        assert 0.17 <= len(rows.added) / 4000 <= 0.23, outcome  # the link's response rate
        shares[outcome] = sum(row["score"] >= 4 for row in rows.added) / len(rows.added)
    assert shares["smooth"] > 0.75 > shares["handed_on"] > 0.5 > 0.45 > shares["went_wrong"]
