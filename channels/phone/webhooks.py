"""Handling one voice webhook: keep it, run its step, answer TwiML.

The HTTP layer has found the tenant and checked the signature. The step runs in one tenant
transaction, which also keeps the raw form body with its outcome (``core.calls.records``); a
step that fails has the body kept as rejected, with the reason. Steps are the
``/webhooks/voice/{tenant}/{step}`` names: see ``channels.phone.steps``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from channels.phone import twiml
from channels.phone.directory import Line, VoiceDirectory
from channels.phone.ivr import IvrTree
from channels.phone.ivr_schema import parse_tree
from channels.phone.params import FormParams
from channels.phone.urls import VoiceUrls
from core import outbox
from core.calls import records
from core.calls.config import VoiceTenant
from core.clock import utcnow
from core.db import Database
from core.errors import ConflictError, DomainError, NotFoundError
from core.models.inbound_record import InboundState
from core.models.interaction import Interaction

log = structlog.get_logger(__name__)

DEFAULT_TREE = parse_tree({})
STEPS_WITHOUT_JOBS = frozenset({"incoming", "wait", "bridge", "recording"})


class StepError(Exception):
    """The webhook cannot be handled: answered with ``status`` and the record rejected."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    status: int
    twiml: str | None = None
    detail: str | None = None


@dataclass
class StepContext:
    """Everything a step needs: the tenant, its URLs, the request, and the record to mark."""

    database: Database
    directory: VoiceDirectory
    tenant: VoiceTenant
    urls: VoiceUrls
    params: FormParams
    query: Mapping[str, str]
    raw: records.RawWebhook
    now: datetime = field(default_factory=utcnow)
    state: InboundState = InboundState.INGESTED
    message_id: uuid.UUID | None = None

    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.tenant_id

    def call_sid(self) -> str:
        sid = self.params.get_one("CallSid")
        if not sid or len(sid) > 128:
            raise StepError(400, "CallSid is required")
        return sid

    def query_int(self, name: str, default: int = 0) -> int:
        value = self.query.get(name, "")
        return min(int(value), 1000) if value.isdigit() else default

    def line_of(self, session: Session, call: Interaction) -> Line | None:
        """The call's line (through the step's session on a cache miss), if it has one."""
        if call.line_id is None:
            return None
        return self.directory.line_by_id(self.tenant_id, call.line_id, session=session)

    def line(self, session: Session, call: Interaction) -> Line:
        line = self.line_of(session, call)
        if line is None:
            raise StepError(404, "the call's voice line is gone")
        return line

    def tree_of(self, session: Session, call: Interaction) -> IvrTree:
        """The IVR tree of the call's line; the empty tree's defaults for a call without one
        (a call-back placed from a caller id that is not a line)."""
        line = self.line_of(session, call)
        return line.tree if line is not None else DEFAULT_TREE

    def language(self, tree: IvrTree) -> str:
        return tree.language_for(self.query.get("lang"))

    @contextmanager
    def unit(self) -> Iterator[Session]:
        """The step's transaction; the raw webhook is kept in it, marked ``state``."""
        with self.database.tenant_unit(self.tenant_id) as session:
            yield session
            records.store(session, raw=self.raw, state=self.state, message_id=self.message_id)

    def retrying(self, work: Callable[[Session], str]) -> str:
        """Run ``work`` in the step's transaction, once more after a unique-key race (a twin
        delivery committed first; the second run finds its rows)."""
        for attempt in (1, 2):
            try:
                with self.unit() as session:
                    return work(session)
            except IntegrityError:
                if attempt == 2:
                    raise
                log.info("voice.retry_after_race", source=self.raw.source)
                self.state, self.message_id = InboundState.INGESTED, None
        raise AssertionError("unreachable")


Step = Callable[[StepContext], str]


def empty() -> str:
    """The answer to callbacks whose TwiML the provider ignores."""
    return twiml.render(VoiceResponse())


def handle(
    *,
    database: Database,
    directory: VoiceDirectory,
    tenant: VoiceTenant,
    urls: VoiceUrls,
    step: Step,
    step_name: str,
    params: FormParams,
    query: Mapping[str, str],
    body: bytes,
    remote_addr: str | None,
) -> WebhookAnswer:
    """Run the step, keeping the webhook: the whole life of one authentic voice webhook."""
    raw = records.RawWebhook(
        payload=body,
        source=f"voice:{step_name}",
        sender=params.get_one("From"),
        remote_addr=remote_addr,
        received_at=utcnow(),
    )
    context = StepContext(
        database=database,
        directory=directory,
        tenant=tenant,
        urls=urls,
        params=params,
        query=query,
        raw=raw,
        now=raw.received_at,
    )
    try:
        answer = step(context)
    except StepError as exc:
        records.store_rejected(database, tenant_id=tenant.tenant_id, raw=raw, reason=exc.detail)
        return WebhookAnswer(exc.status, detail=exc.detail)
    except DomainError as exc:  # an unknown call is 404; a state that forbids the step, 409
        records.store_rejected(database, tenant_id=tenant.tenant_id, raw=raw, reason=exc.detail)
        status = (
            404
            if isinstance(exc, NotFoundError)
            else 409
            if isinstance(exc, ConflictError)
            else 422
        )
        return WebhookAnswer(status, detail=exc.detail)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        records.store_rejected(database, tenant_id=tenant.tenant_id, raw=raw, reason=reason)
        raise
    if step_name not in STEPS_WITHOUT_JOBS:  # wake the relay only for jobs there may be
        outbox.notify_relay()
    return WebhookAnswer(200, twiml=answer)
