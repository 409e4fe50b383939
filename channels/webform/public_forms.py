"""The active form behind each public URL, remembered briefly in this process.

Every page view and submission starts by finding its form (tenant slug + form slug), and forms
change rarely: a lookup is kept for ``ttl_seconds``, unknown URLs included (at most
``max_entries`` of them, so random slugs cannot grow it without bound). Changes made through
this process's admin API clear it at once; another process sees them within the TTL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from channels.webform.definition import FormDefinition, parse_definition
from core.db import Database
from core.forms.service import find_public_form
from core.models.web_form import WebForm

TTL_SECONDS = 10.0
MAX_ENTRIES = 4096


@dataclass(frozen=True, slots=True)
class PublicForm:
    """A form as served: the row (read-only, detached) and its parsed definition."""

    form: WebForm
    definition: FormDefinition


class PublicForms:
    """Thread-safe; one per app (``app.state.public_forms``)."""

    def __init__(
        self,
        database: Database,
        *,
        ttl_seconds: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
    ) -> None:
        self._database = database
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._entries: dict[tuple[str, str], tuple[float, PublicForm | None]] = {}
        self._lock = threading.Lock()

    def cached(self, tenant_slug: str, form_slug: str) -> tuple[bool, PublicForm | None]:
        """(known, form) without touching the database: an event loop may ask this."""
        with self._lock:
            entry = self._entries.get((tenant_slug, form_slug))
        if entry is not None and entry[0] > time.monotonic():
            return True, entry[1]
        return False, None

    def get(self, tenant_slug: str, form_slug: str) -> PublicForm | None:
        """The active form, or None when the URL names none (blocking: call from a thread)."""
        known, found = self.cached(tenant_slug, form_slug)
        if known:
            return found
        key = (tenant_slug, form_slug)
        now = time.monotonic()
        found = self._load(tenant_slug, form_slug)
        with self._lock:
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key] = (now + self._ttl, found)
        return found

    def forget(self) -> None:
        """Drop everything remembered (a form was created, changed or deleted)."""
        with self._lock:
            self._entries.clear()

    def _load(self, tenant_slug: str, form_slug: str) -> PublicForm | None:
        with self._database.system_session() as session:
            form = find_public_form(session, tenant_slug=tenant_slug, form_slug=form_slug)
        return PublicForm(form, parse_definition(form.definition)) if form is not None else None
