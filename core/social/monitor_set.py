"""A tenant's active monitors, compiled once into one matcher and cached per process.

Matching runs for every post, thousands a second, so the compiled set is reused until the
tenant's monitors change: each lookup costs one cheap query (count and latest change), and a
change is picked up by the next batch.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col, func

from core.db import session_tenant
from core.models.social import Monitor
from core.monitors.matcher import MonitorMatcher
from core.monitors.rules import Rule, parse_rule


@dataclass(frozen=True, slots=True)
class MonitorSpec:
    """What intake needs of one monitor, detached from the session."""

    id: uuid.UUID
    name: str
    category: str | None
    languages: frozenset[str]
    networks: frozenset[str]
    opens_conversations: bool
    queue_id: uuid.UUID | None
    influencer_followers: int
    watch_terms: tuple[str, ...]
    watch_rule: Rule | None

    def admits(self, *, network: str, language: str) -> bool:
        """Does this monitor look at posts of this network and language at all?"""
        if self.networks and network not in self.networks:
            return False
        return not self.languages or language in self.languages or language == "mixed"


@dataclass(frozen=True, slots=True)
class MonitorSet:
    specs: dict[uuid.UUID, MonitorSpec]
    matcher: MonitorMatcher[uuid.UUID]
    watch_matcher: MonitorMatcher[uuid.UUID]


_cache: dict[uuid.UUID, tuple[tuple[int, datetime | None], MonitorSet]] = {}
_lock = threading.Lock()


def monitor_set(session: Session) -> MonitorSet:
    """The session tenant's compiled active monitors (rebuilt only when they changed)."""
    tenant_id = session_tenant(session)
    changed = func.max(func.coalesce(col(Monitor.updated_at), col(Monitor.created_at)))
    count, latest = session.execute(sa.select(func.count(), changed).select_from(Monitor)).one()
    version = (int(count), latest)
    cached = _cache.get(tenant_id)
    if cached is not None and cached[0] == version:
        return cached[1]
    compiled = _compile(session)
    with _lock:
        _cache[tenant_id] = (version, compiled)
    return compiled


def forget(tenant_id: uuid.UUID) -> None:
    """Drop a tenant's compiled set (tests that change monitors faster than the clock ticks)."""
    with _lock:
        _cache.pop(tenant_id, None)


def watch_rule(terms: list[str] | tuple[str, ...]) -> Rule | None:
    """The watch terms as one OR rule, quoted so phrases and odd characters stay terms."""
    cleaned = [t.replace('"', " ").strip() for t in terms]
    cleaned = [t for t in cleaned if t]
    if not cleaned:
        return None
    return parse_rule(" OR ".join(f'"{t}"' for t in cleaned))


def _compile(session: Session) -> MonitorSet:
    monitors = session.execute(sa.select(Monitor).where(col(Monitor.active).is_(True))).scalars()
    specs: dict[uuid.UUID, MonitorSpec] = {}
    rules: dict[uuid.UUID, Rule] = {}
    watches: dict[uuid.UUID, Rule] = {}
    for monitor in monitors:
        rule = parse_rule(monitor.rule)
        watch = watch_rule(monitor.watch_terms)
        specs[monitor.id] = MonitorSpec(
            id=monitor.id,
            name=monitor.name,
            category=monitor.category,
            languages=frozenset(monitor.languages),
            networks=frozenset(monitor.networks),
            opens_conversations=monitor.opens_conversations,
            queue_id=monitor.queue_id,
            influencer_followers=monitor.influencer_followers,
            watch_terms=tuple(monitor.watch_terms),
            watch_rule=watch,
        )
        rules[monitor.id] = rule
        if watch is not None:
            watches[monitor.id] = watch
    return MonitorSet(
        specs=specs,
        matcher=MonitorMatcher.compile(rules),
        watch_matcher=MonitorMatcher.compile(watches),
    )
