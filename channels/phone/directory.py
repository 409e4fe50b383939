"""Small TTL caches of what every voice webhook looks up first.

The tenant and account behind a webhook URL, and the line a call is for (with its parsed IVR
tree and business calendar), change rarely and are read on every webhook; caching them for a
few seconds keeps the incoming-call webhook to the statements that record the call. One
directory per app (it lives in the app's state); the admin API forgets a tenant's entries when
it changes them, other processes see changes within ``ttl``. Unknown slugs and numbers are
cached as absent too, so unknown traffic costs no query either.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.orm import Session

from channels.phone.ivr import IvrTree
from channels.phone.ivr_schema import parse_tree
from core.calls import config
from core.calls.config import LineSetup, VoiceTenant
from core.db import Database
from core.errors import InvalidInputError

log = structlog.get_logger(__name__)

TTL_SECONDS = 15.0
MAX_ENTRIES = 10_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Line:
    """A voice line ready for calls: its setup and its IVR tree, parsed once, and the answers
    to incoming calls rendered once (they depend on nothing but the line and a few flags)."""

    setup: LineSetup
    tree: IvrTree
    answers: dict[Any, str] = field(default_factory=dict, compare=False)


class _TtlCache(Generic[T]):
    def __init__(self, ttl: float, clock: Callable[[], float]) -> None:
        self.ttl, self.clock = ttl, clock
        self.entries: dict[Any, tuple[float, T | None]] = {}

    def lookup(self, key: Any) -> tuple[bool, T | None]:
        entry = self.entries.get(key)
        if entry is None or entry[0] < self.clock():
            return False, None
        return True, entry[1]

    def store(self, key: Any, value: T | None) -> T | None:
        if len(self.entries) >= MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = (self.clock() + self.ttl, value)
        return value

    def forget(self, matches: Callable[[Any], bool]) -> None:
        for key in [k for k in list(self.entries) if matches(k)]:
            self.entries.pop(key, None)


class VoiceDirectory:
    """Tenants by webhook slug, lines by number and by id; thread-safe enough (dict ops)."""

    def __init__(
        self,
        database: Database,
        *,
        ttl: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self._tenants: _TtlCache[VoiceTenant] = _TtlCache(ttl, clock)
        self._lines: _TtlCache[Line] = _TtlCache(ttl, clock)

    def cached_tenant(self, slug: str) -> tuple[bool, VoiceTenant | None]:
        """(found in cache, tenant); lets the caller skip a thread hop on a hit."""
        return self._tenants.lookup(slug)

    def tenant(self, slug: str) -> VoiceTenant | None:
        hit, tenant = self._tenants.lookup(slug)
        if hit:
            return tenant
        with self.database.system_session() as session:
            return self._tenants.store(slug, config.voice_tenant(session, slug=slug))

    def line_by_number(
        self, tenant_id: uuid.UUID, number: str, *, session: Session | None = None
    ) -> Line | None:
        """The tenant's line with this number; ``session``: load through the caller's
        transaction on a miss (SQLite allows one writer, so no second connection inside it)."""
        return self._line(tenant_id, ("number", number), session)

    def line_by_id(
        self, tenant_id: uuid.UUID, line_id: uuid.UUID, *, session: Session | None = None
    ) -> Line | None:
        return self._line(tenant_id, ("id", line_id), session)

    def forget(self, tenant_id: uuid.UUID, slug: str | None = None) -> None:
        """Drop a tenant's entries (after its account or lines changed here)."""
        self._lines.forget(lambda key: key[0] == tenant_id)
        self._tenants.forget(lambda key: slug is None or key == slug)

    def _line(
        self, tenant_id: uuid.UUID, key: tuple[str, Any], session: Session | None
    ) -> Line | None:
        hit, line = self._lines.lookup((tenant_id, key))
        if hit:
            return line
        if session is None:
            with self.database.tenant_session(tenant_id) as own:
                setup = _load(own, key)
        else:
            setup = _load(session, key)
        loaded = None if setup is None else Line(setup, _tree_of(setup))
        return self._lines.store((tenant_id, key), loaded)


def _load(session: Session, key: tuple[str, Any]) -> LineSetup | None:
    if key[0] == "id":
        return config.line_setup(session, line_id=key[1])
    return config.line_setup(session, number=key[1])


def _tree_of(setup: LineSetup) -> IvrTree:
    """The line's tree; a stored tree that no longer validates (a queue deleted under it,
    say) is logged and replaced by the empty one, which sends calls to the default queue."""
    try:
        return parse_tree(setup.ivr, default_language=setup.language)
    except InvalidInputError as exc:
        log.error("voice.ivr_invalid", line_id=str(setup.id), problem=exc.detail)
        return parse_tree({}, default_language=setup.language)
