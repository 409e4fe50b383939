"""Routing decisions per second and p99 decision latency on PostgreSQL, with the SLA sweep.

Workload: one tenant with 1,000 agents (~70% L1, ~25% L2, ~5% L3; Chinese, some also English;
graded skills; all available) and 10,000 conversations waiting in 7 queues (all channels,
value tiers, priorities, two languages, waits spread over an hour), ranked as
``core.routing.waiting`` ranks them. After ANALYZE, one decision is one transaction:
``route_agent`` for one agent with free capacity, limited to one decision (find the best
conversation they may take across their queues, take capacity, claim or offer it, record the
event, commit). ``decision_p99_ms`` is over those transactions; ``decisions_per_s`` is one
router's rate (one thread). ``route_conversation_p99_ms`` times the other direction: a new
conversation put in line and given to the best idle agent.

The same script prints the SLA sweep figures of ``benchmarks.sla_sweep`` (the same number of
clocks coming due among 100,000 and 1,000,000 open; 10,000 and 100,000 with ``--quick``).

    uv run python -m benchmarks.routing [--quick]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from rich.console import Console

from benchmarks._support import emit, scratch_database
from benchmarks.sla_sweep import sla_sweep_figures
from core import statements as st
from core import tenants
from core.clock import utcnow
from core.conversations import open_conversation
from core.db import Database
from core.ids import new_id
from core.logs import configure_logging
from core.models import AgentSkill, AgentStatus, Channel, Contact, Queue, User
from core.models.agent_status import PresenceState
from core.models.contact import ValueTier
from core.models.conversation import Priority
from core.models.routing_policy import DEFAULT_CAPACITY
from core.models.user import Tier
from core.routing import router
from core.routing.context import routing_context
from core.routing.eligibility import required_skills_for
from core.routing.rank import compute_rank, due_for_rank

AGENTS = 1_000
WAITING = 10_000
CONTACTS = 3_000
ALL = [c.value for c in Channel]
QUEUES: tuple[tuple[str, Tier, list[str], dict[str, int]], ...] = (
    ("Front line – phone", Tier.L1, ["phone"], {}),
    ("Front line – written", Tier.L1, ["email", "webform"], {}),
    ("Social care", Tier.L1, ["social"], {}),
    ("Expert – network faults", Tier.L2, ALL, {"network": 3}),
    ("Expert – billing disputes", Tier.L2, ALL, {"billing": 3}),
    ("VIP desk", Tier.L2, ALL, {"customer:vip": 3}),
    ("Back office", Tier.L3, ["email", "webform"], {}),
)
EXPERTISE = ("network", "billing", "customer:vip")


def table(model: Any) -> sa.Table:
    return model.__table__


def build(database: Database, rng: random.Random) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """The tenant, its queues, agents (available) and waiting conversations; the agent ids."""
    now = utcnow()
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(
            session, slug=f"routing-{uuid.uuid4().hex[:8]}", name="Routing bench"
        ).id
    with database.tenant_unit(tenant_id) as session:
        connection = session.connection()
        queues: list[tuple[uuid.UUID, Tier, list[str], dict[str, int]]] = []
        for name, tier, channels, required in QUEUES:
            queues.append((new_id(), tier, channels, required))
            connection.execute(
                sa.insert(table(Queue)),
                {
                    "tenant_id": tenant_id, "id": queues[-1][0], "created_at": now, "name": name,
                    "org_unit_id": None, "tier": tier, "channels": channels,
                    "required_skills": required, "service_level_seconds": 20, "active": True,
                    "agent_capacity": {}, "calendar_id": None,
                },
            )  # fmt: skip
        agents: list[uuid.UUID] = []
        users: list[dict[str, Any]] = []
        skills: list[dict[str, Any]] = []
        statuses: list[dict[str, Any]] = []
        for index in range(AGENTS):
            tier = Tier.L1 if index % 20 < 14 else Tier.L2 if index % 20 < 19 else Tier.L3
            agent_id = new_id()
            agents.append(agent_id)
            users.append(
                {
                    "tenant_id": tenant_id, "id": agent_id, "created_at": now,
                    "email": f"agent{index}@bench.example", "name": f"Agent {index}",
                    "roles": ["agent"], "active": True, "tier": tier,
                    "languages": ["zh", "en"] if index % 3 == 0 else ["zh"], "org_unit_id": None,
                },
            )  # fmt: skip
            graded = {s: rng.randint(1, 3) for s in ("device", "roaming")}
            if tier is Tier.L2:
                graded[EXPERTISE[index % len(EXPERTISE)]] = rng.randint(3, 5)
            skills += [
                {"tenant_id": tenant_id, "id": new_id(), "created_at": now, "user_id": agent_id,
                 "skill": skill, "level": level}
                for skill, level in graded.items()
            ]  # fmt: skip
            statuses.append(
                {
                    "tenant_id": tenant_id, "id": agent_id, "created_at": now,
                    "state": PresenceState.AVAILABLE, "state_since": now, "capacity_overrides": {},
                    **{f"cap_{c}": cap for c, cap in DEFAULT_CAPACITY.items()},
                    **{f"load_{c}": 0 for c in DEFAULT_CAPACITY},
                    "phone_day": None, "phone_seconds": 0, "last_assigned_at": None,
                    "missed_offers": 0,
                },
            )  # fmt: skip
        connection.execute(sa.insert(table(User)), users)
        connection.execute(sa.insert(table(AgentSkill)), skills)
        connection.execute(sa.insert(table(AgentStatus)), statuses)
        tiers = list(ValueTier)
        contacts: list[dict[str, Any]] = [
            {"tenant_id": tenant_id, "id": new_id(), "created_at": now, "name": f"C{i}",
             "value_tier": rng.choices(tiers, weights=[60, 20, 10, 7, 3])[0], "segment": None,
             "language": None, "attributes": {}, "merged_into_id": None, "updated_at": now}
            for i in range(CONTACTS)
        ]  # fmt: skip
        connection.execute(sa.insert(table(Contact)), contacts)
        context = routing_context(session)
        conversations: list[dict[str, Any]] = []
        for number in range(1, WAITING + 1):
            queue_id, tier, channels, queue_skills = rng.choice(queues)
            contact = rng.choice(contacts)
            since = now - timedelta(seconds=rng.uniform(0, 3600))
            priority = rng.choices(list(Priority), weights=[10, 70, 15, 5])[0]
            language = "en" if rng.random() < 0.2 else "zh"
            due_at, _ = due_for_rank(
                waiting_since=since,
                first_response_at=None,
                first_response_due_at=since + timedelta(seconds=rng.choice([600, 3600, 14_400])),
                next_response_due_at=None,
            )
            row: dict[str, Any] = {column.name: None for column in st.conversation_t.columns}
            row.update(
                tenant_id=tenant_id, id=new_id(), created_at=since, updated_at=since,
                number=number, contact_id=contact["id"], channel=rng.choice(channels),
                subject="Bench", status="open", priority=priority, tier=tier, language=language,
                queue_id=queue_id, identity_verified=False, reopen_count=0, transfer_count=0,
                escalation_count=0, routing_state="waiting", waiting_since=since,
                routing_rank=compute_rank(
                    context, value_tier=contact["value_tier"], priority=priority,
                    waiting_since=since, due_at=due_at,
                ),
                required_skills=required_skills_for(queue_skills, language),
                first_response_due_at=due_at, bounce_count=0, tiers_left=[], sla_at_risk=False,
            )  # fmt: skip
            conversations.append(row)
        connection.execute(st.INSERT_CONVERSATION, conversations)
        connection.execute(
            sa.update(st.tenant_t)
            .where(st.tenant_t.c.id == tenant_id)
            .values(conversation_seq=WAITING)
        )
    with database.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return tenant_id, agents


def time_decisions(
    database: Database, tenant_id: uuid.UUID, agents: list[uuid.UUID], count: int
) -> list[float]:
    """Seconds per route_agent decision (one transaction each), agents taken in random turns."""
    turns = agents[:]
    random.Random(7).shuffle(turns)
    latencies: list[float] = []
    while len(latencies) < count and turns:
        agent_id = turns.pop()
        started = time.perf_counter()
        with database.tenant_unit(tenant_id) as session:
            routed = router.route_agent(session, agent_id=agent_id, max_decisions=1)
        elapsed = time.perf_counter() - started
        if routed:
            latencies.append(elapsed)
            turns.insert(0, agent_id)  # back of the line, capacity permitting
    return latencies


def time_new_conversations(
    database: Database, tenant_id: uuid.UUID, count: int, rng: random.Random
) -> list[float]:
    """Seconds per route_conversation of a freshly opened conversation (one transaction)."""
    with database.tenant_session(tenant_id) as session:
        contact_ids = list(session.execute(sa.select(table(Contact).c.id).limit(200)).scalars())
    latencies = []
    for _ in range(count):
        with database.tenant_unit(tenant_id) as session:
            opened = open_conversation(
                session,
                contact_id=rng.choice(contact_ids),
                channel=rng.choice([Channel.EMAIL, Channel.WEBFORM, Channel.PHONE]),
                language="zh",
            )
        started = time.perf_counter()
        with database.tenant_unit(tenant_id) as session:
            router.route_conversation(session, conversation_id=opened.id)
        latencies.append(time.perf_counter() - started)
    return latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def routing_figures(quick: bool, console: Console) -> dict[str, float | int]:
    rng = random.Random(42)
    decisions = 300 if quick else 3_000
    with scratch_database("postgresql") as database:
        with console.status(f"building {AGENTS} agents and {WAITING} waiting conversations"):
            started = time.perf_counter()
            tenant_id, agents = build(database, rng)
            built = time.perf_counter() - started
        with console.status(f"timing {decisions} routing decisions"):
            time_decisions(database, tenant_id, agents, 30)  # warm the pool and plans
            latencies = time_decisions(database, tenant_id, agents, decisions)
            arrivals = time_new_conversations(database, tenant_id, decisions // 4, rng)
    return {
        "decisions_per_s": round(len(latencies) / sum(latencies), 1),
        "decision_p99_ms": round(p99(latencies) * 1000, 3),
        "decision_median_ms": round(statistics.median(latencies) * 1000, 3),
        "route_conversation_p99_ms": round(p99(arrivals) * 1000, 3),
        "decisions": len(latencies),
        "agents": AGENTS,
        "waiting": WAITING,
        "build_s": round(built, 1),
    }


def main() -> None:
    configure_logging(level="WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run, under a minute")
    args = parser.parse_args()
    console = Console(stderr=True)
    figures: dict[str, float | int] = routing_figures(args.quick, console)
    figures |= sla_sweep_figures(args.quick, console)
    emit(figures)


if __name__ == "__main__":
    main()
