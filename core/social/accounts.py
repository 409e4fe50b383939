"""Social accounts: our connections to the networks, with their credentials and schedules.

Services flush but never commit. Credentials are stored as given and never shown again (the
API returns their names only). An account that brought posts is part of the record and cannot
be deleted, only deactivated. Switching an account back on, or changing how it connects,
clears its backoff so the poller tries it at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id, get_referenced
from core.models.queue import Queue
from core.models.social import SocialAccount, SocialNetwork, SocialPost
from core.pagination import Page, paginate
from core.social.polling import POLLED_NETWORKS

POLL_INTERVAL_SECONDS = range(15, 86_401)
UPDATABLE_FIELDS = frozenset(
    {
        "name",
        "handle",
        "api_base_url",
        "credentials",
        "settings",
        "queue_id",
        "poll_interval_seconds",
        "active",
    }
)
RECONNECTING_FIELDS = frozenset({"credentials", "api_base_url", "handle"})
WEBHOOK_NETWORKS = frozenset(SocialNetwork) - frozenset(POLLED_NETWORKS)
"""Networks that push to us (a webhook per account) rather than being polled."""


def get_account(session: Session, *, account_id: uuid.UUID) -> SocialAccount:
    """The account; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, SocialAccount, account_id, noun="social account")


def list_accounts(
    session: Session,
    *,
    network: SocialNetwork | None = None,
    active: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[SocialAccount]:
    """Accounts newest first, optionally of one network or by active flag."""
    query = sa.select(SocialAccount)
    if network is not None:
        query = query.where(col(SocialAccount.network) == network)
    if active is not None:
        query = query.where(col(SocialAccount.active) == active)
    return paginate(session, query, col(SocialAccount.id), limit=limit, cursor=cursor)


def create_account(
    session: Session, *, network: SocialNetwork, name: str, **settings: Any
) -> SocialAccount:
    """A new account, due for its first poll at once; ConflictError if the network already
    has an account of that name, InvalidInputError for bad settings or references.

    ``settings`` are the other updatable columns (handle, credentials, queue_id, ...).
    """
    reject_unknown_fields(settings, UPDATABLE_FIELDS, problem="not an account setting")
    values = _checked(session, {"name": name, **settings})
    _check_name_free(session, network=network, name=values["name"])
    account = SocialAccount(network=network, **values)
    session.add(account)
    session.flush()
    return account


def update_account(
    session: Session, *, account_id: uuid.UUID, changes: Mapping[str, Any]
) -> SocialAccount:
    """Change some of an account's settings; ``credentials`` replaces the stored set whole."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    account = get_account(session, account_id=account_id)
    values = _checked(session, changes)
    if "name" in values and values["name"] != account.name:
        _check_name_free(session, network=account.network, name=values["name"])
    switched_on = values.get("active") is True and not account.active
    if switched_on or RECONNECTING_FIELDS & values.keys():
        values.update(next_poll_at=None, backoff_until=None, consecutive_failures=0)
    for field_name, value in values.items():
        setattr(account, field_name, value)
    session.flush()
    return account


def delete_account(session: Session, *, account_id: uuid.UUID) -> None:
    """Delete an account no post came through; ConflictError otherwise (deactivate it)."""
    account = get_account(session, account_id=account_id)
    used = session.execute(
        sa.select(col(SocialPost.id)).where(col(SocialPost.account_id) == account_id).limit(1)
    ).first()
    if used is not None:
        raise ConflictError("posts came through this account; deactivate it instead")
    session.delete(account)
    session.flush()


def _checked(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store, with every problem reported at once."""
    problems: list[FieldProblem] = []
    out = dict(values)
    if "name" in out:
        out["name"] = str(out["name"]).strip()
        if not out["name"]:
            problems.append(FieldProblem("name", "must not be blank"))
    for name in ("credentials", "settings"):
        if name in out and not isinstance(out[name], Mapping):
            problems.append(FieldProblem(name, "a JSON object"))
        elif name in out:
            out[name] = dict(out[name])
    interval = out.get("poll_interval_seconds")
    if "poll_interval_seconds" in out and not (
        type(interval) is int and interval in POLL_INTERVAL_SECONDS
    ):
        problems.append(FieldProblem("poll_interval_seconds", "whole seconds from 15 to 86400"))
    if problems:
        raise InvalidInputError("invalid social account", problems)
    if out.get("queue_id") is not None:
        get_referenced(session, Queue, out["queue_id"], field="queue_id", noun="queue")
    return out


def _check_name_free(session: Session, *, network: SocialNetwork, name: str) -> None:
    taken = session.execute(
        sa.select(col(SocialAccount.id)).where(
            col(SocialAccount.network) == network, col(SocialAccount.name) == name
        )
    ).first()
    if taken is not None:
        raise ConflictError(f"a {network.value} account named {name!r} exists")
