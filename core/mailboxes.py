"""Tenant mailboxes: creating them, finding one by address, and the raw-MIME webhook token.

Inbound mail names a recipient before anyone knows the tenant, so lookups by address and by
token run in a system session; everything after that runs in the mailbox's tenant. Tokens
are random (256 bits) and stored as SHA-256 only, like API keys (core.api_keys).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.db import session_tenant
from core.errors import ConflictError, FieldProblem, InvalidInputError
from core.models.mailbox import Mailbox

TOKEN_PREFIX = "sbm_"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    mailbox_id: uuid.UUID
    secret: str  # the only time the plain token exists


def normalize_address(address: str) -> str:
    """Mail addresses are matched case-insensitively, without surrounding space or <>."""
    return address.strip().strip("<>").strip().lower()


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_mailbox(session: Session, *, address: str, **fields: Any) -> Mailbox:
    """A new mailbox for the session's tenant (no commit); addresses are unique platform-wide.

    Raises InvalidInputError for an address without a domain, ConflictError if it is taken
    (checked in a query, and by the unique key under a race).
    """
    normalized = normalize_address(address)
    local, _, domain = normalized.rpartition("@")
    if not local or "." not in domain:
        raise InvalidInputError("invalid address", [FieldProblem("address", "need name@domain")])
    taken = session.execute(
        sa.select(sa.func.count()).select_from(Mailbox).where(col(Mailbox.address) == normalized)
    ).scalar_one()
    if taken:
        raise ConflictError(f"mailbox {normalized} exists")
    mailbox = Mailbox(tenant_id=session_tenant(session), address=normalized, **fields)
    session.add(mailbox)
    session.flush()
    return mailbox


def find_by_address(session: Session, address: str) -> Mailbox | None:
    """The active mailbox for a recipient address (system session: any tenant), or None."""
    return session.execute(
        sa.select(Mailbox).where(
            col(Mailbox.address) == normalize_address(address), col(Mailbox.active)
        )
    ).scalar_one_or_none()


def find_by_addresses(session: Session, addresses: list[str]) -> dict[str, Mailbox]:
    """Active mailboxes for several recipients at once (system session), by normalized address."""
    wanted = sorted({normalize_address(a) for a in addresses})
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(Mailbox).where(col(Mailbox.address).in_(wanted), col(Mailbox.active))
    ).scalars()
    return {mailbox.address: mailbox for mailbox in rows}


def sending_mailbox(session: Session) -> Mailbox | None:
    """The mailbox replies of the session's tenant go out from: its oldest active one.

    Outbound messages know their tenant, not the mailbox the customer wrote to; a tenant with
    several addresses sends from the first it set up.
    """
    return session.execute(
        sa.select(Mailbox)
        .where(col(Mailbox.active))
        .order_by(col(Mailbox.created_at), col(Mailbox.id))
        .limit(1)
    ).scalar_one_or_none()


def issue_inbound_token(session: Session, *, mailbox_id: uuid.UUID) -> IssuedToken:
    """A new webhook token for a mailbox of the session's tenant, replacing any before it."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    updated = session.execute(
        sa.update(Mailbox)
        .where(col(Mailbox.id) == mailbox_id)
        .values(inbound_token_hash=hash_token(secret))
    )
    if updated.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInputError("no such mailbox", [FieldProblem("mailbox_id", "not found")])
    return IssuedToken(mailbox_id=mailbox_id, secret=secret)


def mailbox_for_token(session: Session, secret: str) -> Mailbox | None:
    """The active mailbox a webhook token belongs to (system session), or None."""
    return session.execute(
        sa.select(Mailbox).where(
            col(Mailbox.inbound_token_hash) == hash_token(secret), col(Mailbox.active)
        )
    ).scalar_one_or_none()
