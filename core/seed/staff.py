"""The demo tenant's organisation: org tree (D4), managers (D5), tiered agents with skills (D6),
and the queues (D1) with the agents routing may pick from in each.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from core.models import AgentSkill, Channel, OrgUnit, OrgUnitKind, Queue, Role, Tier, User
from core.seed import texts
from core.seed.run import SeedRun

SITES = ("S-BJ", "S-TJ", "S-GZ", "S-SZ")
ORG_TREE = (  # code, name, kind, parent (D4)
    ("HQ", "Customer Service Headquarters", OrgUnitKind.HEADQUARTERS, None),
    ("R-N", "North Region Centre", OrgUnitKind.REGION, "HQ"),
    ("R-S", "South Region Centre", OrgUnitKind.REGION, "HQ"),
    ("S-BJ", "Beijing Site", OrgUnitKind.SITE, "R-N"),
    ("S-TJ", "Tianjin Site", OrgUnitKind.SITE, "R-N"),
    ("S-GZ", "Guangzhou Site", OrgUnitKind.SITE, "R-S"),
    ("S-SZ", "Shenzhen Site", OrgUnitKind.SITE, "R-S"),
)
MANAGERS = (  # role, how many, the org units they are spread over (D5)
    (Role.ADMIN, 1, ("HQ",)),
    (Role.SUPERVISOR, 2, ("R-N", "R-S")),
    (Role.TEAM_LEAD, 4, SITES),
    (Role.QA_INSPECTOR, 2, ("HQ",)),
    (Role.SOCIAL_MONITOR, 1, ("HQ",)),
    (Role.EXECUTIVE, 1, ("HQ",)),
)
FRONT_PHONE = "Front line – phone"
FRONT_WRITTEN = "Front line – written"
SOCIAL_CARE = "Social care"
EXPERT_NETWORK = "Expert – network faults"
EXPERT_BILLING = "Expert – billing disputes"
VIP_DESK = "VIP desk"
BACK_OFFICE = "Back office"
ANY_CHANNEL = [channel.value for channel in Channel]
QueueSpec = tuple[str, Tier, list[str], dict[str, int], int, str]
# name, tier, channels, required skills, service level seconds, org unit (D1)
QUEUES: tuple[QueueSpec, ...] = (
    (FRONT_PHONE, Tier.L1, ["phone"], {}, 20, "HQ"),
    (FRONT_WRITTEN, Tier.L1, ["email", "webform"], {}, 3600, "HQ"),
    (SOCIAL_CARE, Tier.L1, ["social"], {}, 1800, "HQ"),
    (EXPERT_NETWORK, Tier.L2, ANY_CHANNEL, {"network": 3}, 60, "R-N"),
    (EXPERT_BILLING, Tier.L2, ANY_CHANNEL, {"billing": 3}, 60, "R-S"),
    (VIP_DESK, Tier.L2, ANY_CHANNEL, {"customer:vip": 3}, 10, "HQ"),
    (BACK_OFFICE, Tier.L3, ["email", "webform"], {}, 14400, "HQ"),
)
FRONT_SKILLS = ["billing", "network", "device", "broadband", "roaming"]
EXPERT_SKILLS = ["network", "billing", "customer:vip"]


@dataclass(frozen=True, slots=True)
class SeededQueue:
    """What routing and the timeline need of a queue row, so they need not reread it."""

    id: uuid.UUID
    name: str
    tier: Tier


@dataclass(frozen=True, slots=True)
class SeededAgent:
    """An agent as queue pools are built from: tier, languages and skill levels."""

    id: uuid.UUID
    tier: Tier
    languages: list[str]
    skills: dict[str, int]


@dataclass(frozen=True, slots=True)
class Staff:
    """What conversations are routed to: queues by name, agents by (queue name, language)."""

    queues: dict[str, SeededQueue]
    pools: dict[tuple[str, str], list[uuid.UUID]]


def seed_staff(run: SeedRun) -> Staff:
    """Org units, then users with their skills, then queues; each stage flushed and reported."""
    org_ids = _seed_org_units(run)
    agents = _seed_users(run, org_ids)
    return _seed_queues(run, org_ids, agents)


def _seed_org_units(run: SeedRun) -> dict[str, uuid.UUID]:
    org_ids: dict[str, uuid.UUID] = {}
    for code, name, kind, parent in ORG_TREE:
        parent_id = org_ids[parent] if parent else None
        unit = run.rows.add(
            OrgUnit, run.founded, name=name, code=code, kind=kind, parent_id=parent_id
        )
        org_ids[code] = unit["id"]
    run.rows.flush()
    run.progress("org units", len(ORG_TREE), len(ORG_TREE))
    return org_ids


def _seed_users(run: SeedRun, org_ids: dict[str, uuid.UUID]) -> list[SeededAgent]:
    """Managers by role (D5), then agents graded ~70% L1, ~25% L2, ~5% L3 with skills (D6)."""
    people: list[tuple[Role, str, Tier | None]] = [
        (role, orgs[i % len(orgs)], None) for role, n, orgs in MANAGERS for i in range(n)
    ]
    l3, l2 = max(1, round(run.plan.agents * 0.05)), max(1, round(run.plan.agents * 0.25))
    tiers = [Tier.L1] * (run.plan.agents - l2 - l3) + [Tier.L2] * l2 + [Tier.L3] * l3
    people += [(Role.AGENT, SITES[i % len(SITES)], tier) for i, tier in enumerate(tiers)]
    agents: list[SeededAgent] = []
    emails: set[str] = set()
    for index, (role, org, tier) in enumerate(people):
        surname, surname_pinyin = run.rng.choice(texts.SURNAMES)
        given, given_pinyin = run.rng.choice(texts.GIVEN_NAMES)
        local_part = f"{given_pinyin}.{surname_pinyin}"
        candidates = (f"{local_part}{n or ''}@northwind.example" for n in itertools.count())
        emails.add(email := next(e for e in candidates if e not in emails))
        bilingual = tier is None or index % 3 == 0 or run.rng.random() < 0.25
        languages = ["zh", "en"] if bilingual else ["zh"]
        user = run.rows.add(
            User,
            run.founded,
            email=email,
            name=surname + given,
            roles=[role.value],
            tier=tier,
            languages=languages,
            org_unit_id=org_ids[org],
        )
        if tier is not None:
            agents.append(
                SeededAgent(user["id"], tier, languages, _skills(run, tier, index, languages))
            )
            for skill, level in agents[-1].skills.items():
                run.rows.add(AgentSkill, run.founded, user_id=user["id"], skill=skill, level=level)
    run.rows.flush()
    run.progress("users", len(people), len(people))
    return agents


def _skills(run: SeedRun, tier: Tier, index: int, languages: list[str]) -> dict[str, int]:
    """Juniors know a little of everything; each expert is strong in one specialty (D6)."""
    rng = run.rng
    if tier is Tier.L1:
        skills = {s: rng.randint(1, 3) for s in rng.sample(FRONT_SKILLS, rng.randint(3, 5))}
    elif tier is Tier.L2:
        skills = {s: rng.randint(2, 4) for s in rng.sample(FRONT_SKILLS, 2)}
        skills[EXPERT_SKILLS[index % len(EXPERT_SKILLS)]] = rng.randint(4, 5)
    else:
        skills = {
            "copyright": rng.randint(3, 5),
            "partnerships": rng.randint(3, 5),
            "device": 4,
        }
    for language in languages:
        skills[f"language:{language}"] = (
            rng.randint(4, 5) if language == "zh" else rng.randint(2, 5)
        )
    return skills


def _seed_queues(run: SeedRun, org_ids: dict[str, uuid.UUID], agents: list[SeededAgent]) -> Staff:
    """The queues, and for each queue and language the agents routing may pick from."""
    staff = Staff(queues={}, pools={})
    for name, tier, channels, required, service_level, org in QUEUES:
        queue = run.rows.add(
            Queue,
            run.founded,
            name=name,
            org_unit_id=org_ids[org],
            tier=tier,
            channels=channels,
            required_skills=required,
            service_level_seconds=service_level,
        )
        staff.queues[name] = SeededQueue(queue["id"], name, tier)
        same_tier = [a for a in agents if a.tier is tier]
        able = [a for a in same_tier if all(a.skills.get(s, 0) >= v for s, v in required.items())]
        for language in ("zh", "en"):
            speakers = [a.id for a in able or same_tier if language in a.languages]
            staff.pools[(name, language)] = speakers or [a.id for a in able or same_tier]
    run.rows.flush()
    run.progress("queues", len(QUEUES), len(QUEUES))
    return staff
