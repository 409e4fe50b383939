"""Crisis response (D16, D26): an incident gathers what a storm touched and answers it.

An incident links alerts, posts and conversations (linking an alert brings its evidence posts,
and a post brings its conversation; linking twice is a no-op), publishes one public statement
through our accounts (a ``publish_statement`` job per account, whose worker reports back with
``record_statement_result``), queues call-backs to the affected customers who have a phone
number, and is closed with its post-incident review. Services flush but never commit; the
incident row is locked while it changes, so one statement wins and call-backs are counted once.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy.orm import Session
from sqlmodel import col

from core import callbacks, outbox, replies
from core.clock import utcnow
from core.errors import (
    ConflictError,
    FieldProblem,
    InvalidInputError,
    reject_unknown_fields,
    required_text,
)
from core.lookup import get_by_id, get_referenced
from core.models.base import TenantOwned
from core.models.callback_request import CallbackRequest
from core.models.contact import ContactIdentity, IdentityKind
from core.models.conversation import Conversation
from core.models.social import SocialAccount, SocialNetwork, SocialPost
from core.models.social_alert import (
    Incident,
    IncidentLink,
    IncidentLinkKind,
    IncidentSeverity,
    IncidentStatus,
    SocialAlert,
)
from core.models.user import User
from core.pagination import Page, paginate
from core.social.escalation import escalate_if_major

log = structlog.get_logger(__name__)

PUBLISH_STATEMENT_ACTOR = "publish_statement"
PUBLISHING_NETWORKS = frozenset({SocialNetwork.X, SocialNetwork.MASTODON, SocialNetwork.FACEBOOK})
"""Networks whose connectors can post a public statement from our account."""
CALLBACK_SOURCE = "incident"
UPDATABLE_FIELDS = frozenset({"title", "severity", "status", "summary", "review"})

Row = TypeVar("Row", bound=TenantOwned)


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    """An incident and what it covers: target ids per link kind, oldest link first."""

    incident: Incident
    links: dict[IncidentLinkKind, list[uuid.UUID]]


def get_incident(session: Session, *, incident_id: uuid.UUID) -> IncidentDetail:
    """The incident with its links; NotFoundError if this tenant has none with that id."""
    return _detail(session, get_by_id(session, Incident, incident_id, noun="incident"))


def list_incidents(
    session: Session,
    *,
    status: IncidentStatus | None = None,
    severity: IncidentSeverity | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[Incident]:
    """Incidents newest first, optionally in one status or of one severity."""
    query = sa.select(Incident)
    if status is not None:
        query = query.where(col(Incident.status) == status)
    if severity is not None:
        query = query.where(col(Incident.severity) == severity)
    return paginate(session, query, col(Incident.id), limit=limit, cursor=cursor)


def open_incident(
    session: Session,
    *,
    title: str,
    severity: IncidentSeverity = IncidentSeverity.GENERAL,
    summary: str = "",
    alert_ids: Collection[uuid.UUID] = (),
    opened_by_id: uuid.UUID | None = None,
) -> IncidentDetail:
    """A new incident covering the alerts, their evidence posts and those posts'
    conversations. InvalidInputError for a blank title or unknown ids (naming the field),
    ConflictError for an alert that is part of another incident."""
    title = required_text(title, "title")
    if opened_by_id is not None:
        get_referenced(session, User, opened_by_id, field="opened_by_id", noun="user")
    alerts = _existing(session, SocialAlert, alert_ids, field="alert_ids", noun="alert")
    incident = Incident(title=title, severity=severity, summary=summary, opened_by_id=opened_by_id)
    session.add(incident)
    session.flush()
    _link(session, incident, alerts=alerts)
    escalate_if_major(session, incident)
    return _detail(session, incident)


def link_to_incident(
    session: Session,
    *,
    incident_id: uuid.UUID,
    post_ids: Collection[uuid.UUID] = (),
    conversation_ids: Collection[uuid.UUID] = (),
    alert_ids: Collection[uuid.UUID] = (),
) -> IncidentDetail:
    """Add to what the incident covers, as open_incident does; what is linked stays linked.
    ConflictError on a closed incident."""
    incident = _open_incident(session, incident_id)
    conversations = _existing(
        session, Conversation, conversation_ids, field="conversation_ids", noun="conversation"
    )
    _link(
        session,
        incident,
        alerts=_existing(session, SocialAlert, alert_ids, field="alert_ids", noun="alert"),
        posts=_existing(session, SocialPost, post_ids, field="post_ids", noun="social post"),
        conversation_ids=[conversation.id for conversation in conversations],
    )
    return _detail(session, incident)


def update_incident(
    session: Session, *, incident_id: uuid.UUID, changes: Mapping[str, Any]
) -> IncidentDetail:
    """Change title, severity, status (open or monitoring), summary or review. A closed
    incident keeps everything but its review; closing goes through close_incident."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    incident = _locked(session, incident_id)
    values = dict(changes)
    if incident.status is IncidentStatus.CLOSED and values.keys() - {"review"}:
        raise ConflictError("the incident is closed; only its review can change")
    if "status" in values and IncidentStatus(values["status"]) is IncidentStatus.CLOSED:
        raise InvalidInputError(
            "closing needs a review",
            [FieldProblem("status", "close the incident with its review (POST …/close)")],
        )
    if "title" in values:
        values["title"] = required_text(values["title"], "title")
    was = incident.severity
    for field_name, value in values.items():
        setattr(incident, field_name, value)
    session.flush()
    escalate_if_major(session, incident, was=was)
    return _detail(session, incident)


def close_incident(session: Session, *, incident_id: uuid.UUID, review: str) -> IncidentDetail:
    """Close with the post-incident review (required); ConflictError if already closed."""
    text = required_text(review, "review")
    incident = _open_incident(session, incident_id)
    incident.status, incident.review, incident.closed_at = IncidentStatus.CLOSED, text, utcnow()
    session.flush()
    return _detail(session, incident)


def request_statement(
    session: Session, *, incident_id: uuid.UUID, text: str, account_ids: Collection[uuid.UUID]
) -> IncidentDetail:
    """The incident's one public statement, queued for publishing from each account.

    ConflictError if the incident is closed or its statement was already requested;
    InvalidInputError on ``account_ids`` for accounts that are unknown, inactive, or on a
    network we cannot publish to (publishing: x, mastodon, facebook).
    """
    incident = _open_incident(session, incident_id)
    if incident.statement_requested_at is not None:
        raise ConflictError("this incident's public statement was already requested")
    body = required_text(text, "text")
    accounts = _existing(
        session, SocialAccount, account_ids, field="account_ids", noun="social account"
    )
    problems = [
        FieldProblem("account_ids", f"{account.name!r} ({account.id}) is inactive")
        for account in accounts
        if not account.active
    ] + [
        FieldProblem("account_ids", f"{account.name!r} is on {account.network}: cannot publish")
        for account in accounts
        if account.network not in PUBLISHING_NETWORKS
    ]
    if not accounts:
        problems.append(FieldProblem("account_ids", "at least one account"))
    if problems:
        raise InvalidInputError("cannot publish from these accounts", problems)
    incident.statement_text = body
    incident.statement_account_ids = [str(account.id) for account in accounts]
    incident.statement_results = {}
    incident.statement_requested_at = utcnow()
    session.flush()
    for account in accounts:
        outbox.enqueue(
            session,
            actor=PUBLISH_STATEMENT_ACTOR,
            payload={"incident_id": str(incident.id), "account_id": str(account.id)},
        )
    return _detail(session, incident)


def record_statement_result(
    session: Session, *, incident_id: uuid.UUID, account_id: uuid.UUID, result: dict[str, Any]
) -> Incident:
    """What publishing from one account gave (the worker's report); the last report wins."""
    incident = _locked(session, incident_id)
    if str(account_id) not in incident.statement_account_ids:
        raise InvalidInputError(
            "not a statement account",
            [FieldProblem("account_id", "the statement was not requested from this account")],
        )
    entry = {**result, "recorded_at": utcnow().isoformat()}
    incident.statement_results = {**incident.statement_results, str(account_id): entry}
    session.flush()
    return incident


def queue_callbacks(session: Session, *, incident_id: uuid.UUID, reason: str) -> int:
    """Ask for a call-back to every affected customer with a phone number; how many were queued.

    Affected: the contacts of the linked conversations and the authors of the linked posts.
    Each is called once per incident: a contact (or number) with a call-back still open, or an
    incident call-back since this incident opened, is skipped. The reason is noted on the
    conversation the call-back belongs to, when there is one. ConflictError if closed.
    """
    text = required_text(reason, "reason")
    incident = _open_incident(session, incident_id)
    affected = _affected_contacts(session, incident.id)
    dialled: set[str] = set()
    for contact_id, number in _numbers_to_call(session, incident, affected.keys()).items():
        if number in dialled:
            continue
        conversation_id = affected[contact_id]
        try:
            callbacks.request_callback(
                session,
                number=number,
                source=CALLBACK_SOURCE,
                conversation_id=conversation_id,
                contact_id=contact_id,
            )
        except InvalidInputError as exc:
            log.warning("incident.callback_skipped", contact_id=str(contact_id), error=exc.detail)
            continue
        dialled.add(number)
        if conversation_id is not None:
            note = f"Call-back queued for incident {incident.title!r} ({incident.id}): {text}"
            replies.add_note(session, conversation_id=conversation_id, text=note)
    incident.callbacks_queued += len(dialled)
    session.flush()
    return len(dialled)


def _link(
    session: Session,
    incident: Incident,
    *,
    alerts: Iterable[SocialAlert] = (),
    posts: Iterable[SocialPost] = (),
    conversation_ids: Iterable[uuid.UUID] = (),
) -> None:
    alerts, posts = list(alerts), list(posts)
    for alert in alerts:
        if alert.incident_id not in (None, incident.id):
            raise ConflictError(f"alert {alert.id} is part of incident {alert.incident_id}")
        alert.incident_id = incident.id
    evidence = {uuid.UUID(post_id) for alert in alerts for post_id in alert.evidence_post_ids}
    evidence -= {post.id for post in posts}
    if evidence:
        found = sa.select(SocialPost).where(col(SocialPost.id).in_(evidence))
        posts += session.execute(found).scalars().all()
    targets = {(IncidentLinkKind.ALERT, alert.id) for alert in alerts}
    targets |= {(IncidentLinkKind.POST, post.id) for post in posts}
    targets |= {(IncidentLinkKind.CONVERSATION, c) for c in conversation_ids}
    targets |= {
        (IncidentLinkKind.CONVERSATION, p.conversation_id) for p in posts if p.conversation_id
    }
    linked = _detail(session, incident).links
    targets -= {(kind, target_id) for kind, ids in linked.items() for target_id in ids}
    for kind, target_id in sorted(targets):
        session.add(IncidentLink(incident_id=incident.id, kind=kind, target_id=target_id))
    session.flush()


def _detail(session: Session, incident: Incident) -> IncidentDetail:
    links: dict[IncidentLinkKind, list[uuid.UUID]] = {kind: [] for kind in IncidentLinkKind}
    rows = session.execute(
        sa.select(col(IncidentLink.kind), col(IncidentLink.target_id))
        .where(col(IncidentLink.incident_id) == incident.id)
        .order_by(col(IncidentLink.id))
    )
    for kind, target_id in rows:
        links[kind].append(target_id)
    return IncidentDetail(incident, links)


def _affected_contacts(
    session: Session, incident_id: uuid.UUID
) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each affected contact, with the conversation to note the call-back on (if any)."""

    def linked(kind: IncidentLinkKind) -> sa.Select[Any]:
        return sa.select(col(IncidentLink.target_id)).where(
            col(IncidentLink.incident_id) == incident_id, col(IncidentLink.kind) == kind
        )

    authors = session.execute(
        sa.select(col(ContactIdentity.contact_id), col(SocialPost.conversation_id))
        .join(SocialPost, col(SocialPost.author_identity_id) == col(ContactIdentity.id))
        .where(col(SocialPost.id).in_(linked(IncidentLinkKind.POST)))
        .order_by(col(SocialPost.id))
    )
    conversations = session.execute(
        sa.select(col(Conversation.contact_id), col(Conversation.id))
        .where(col(Conversation.id).in_(linked(IncidentLinkKind.CONVERSATION)))
        .order_by(col(Conversation.id))
    )
    affected: dict[uuid.UUID, uuid.UUID | None] = {}
    for contact_id, conversation_id in [*authors, *conversations]:
        affected[contact_id] = conversation_id or affected.get(contact_id)
    return affected


def _numbers_to_call(
    session: Session, incident: Incident, contact_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each contact's phone number (a verified one first, else the oldest), leaving out the
    contacts and numbers with a call-back still open, or an incident one since it opened."""
    phones: dict[uuid.UUID, str] = {}
    for contact_id, number in session.execute(
        sa.select(col(ContactIdentity.contact_id), col(ContactIdentity.value))
        .where(
            col(ContactIdentity.kind) == IdentityKind.PHONE,
            col(ContactIdentity.contact_id).in_(list(contact_ids)),
        )
        .order_by(col(ContactIdentity.verified).desc(), col(ContactIdentity.id))
    ):
        phones.setdefault(contact_id, number)
    called = session.execute(
        sa.select(col(CallbackRequest.contact_id), col(CallbackRequest.number)).where(
            sa.or_(
                col(CallbackRequest.contact_id).in_(list(phones)),
                col(CallbackRequest.number).in_(sorted(set(phones.values()))),
            ),
            sa.or_(
                col(CallbackRequest.state).in_(callbacks.OPEN_STATES),
                sa.and_(
                    col(CallbackRequest.source) == CALLBACK_SOURCE,
                    col(CallbackRequest.created_at) >= incident.created_at,
                ),
            ),
        )
    ).all()
    contacts, numbers = {row.contact_id for row in called}, {row.number for row in called}
    return {c: n for c, n in phones.items() if c not in contacts and n not in numbers}


def _existing(
    session: Session, model: type[Row], ids: Collection[uuid.UUID], *, field: str, noun: str
) -> list[Row]:
    """The rows with these ids, in the order given (each once); unknown ids are bad input."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        row.id: row
        for row in session.execute(sa.select(model).where(col(model.id).in_(wanted))).scalars()
    }
    missing = [str(object_id) for object_id in wanted if object_id not in found]
    if missing:
        raise InvalidInputError(
            f"unknown {field}",
            [FieldProblem(field, f"no such {noun} in this tenant: {', '.join(missing)}")],
        )
    return [found[object_id] for object_id in wanted]


def _locked(session: Session, incident_id: uuid.UUID) -> Incident:
    incident = get_by_id(session, Incident, incident_id, noun="incident")
    session.refresh(incident, with_for_update=True)
    return incident


def _open_incident(session: Session, incident_id: uuid.UUID) -> Incident:
    incident = _locked(session, incident_id)
    if incident.status is IncidentStatus.CLOSED:
        raise ConflictError("the incident is closed")
    return incident
