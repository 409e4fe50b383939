"""A tenant's single sign-on configuration: create, read, change, remove (all audited)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session
from sqlmodel import col, select

from core import audit
from core.clock import utcnow
from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id
from core.models.identity_provider import IdentityProvider
from core.models.user import Role
from core.pagination import Page, paginate

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
FIELDS = frozenset(
    {
        "key",
        "display_name",
        "issuer",
        "discovery_url",
        "client_id",
        "client_secret",
        "scopes",
        "role_claim",
        "role_map",
        "email_claim",
        "auto_provision",
        "enabled",
    }
)
SECRET_FIELDS = frozenset({"client_secret"})


def list_providers(session: Session, *, limit: int, cursor: str | None) -> Page[IdentityProvider]:
    return paginate(
        session, select(IdentityProvider), col(IdentityProvider.id), limit=limit, cursor=cursor
    )


def enabled_providers(session: Session) -> list[IdentityProvider]:
    """What the sign-in page offers, by display name."""
    query = select(IdentityProvider).where(col(IdentityProvider.enabled).is_(True))
    return list(session.execute(query.order_by(col(IdentityProvider.display_name))).scalars())


def get_provider(session: Session, *, provider_id: uuid.UUID) -> IdentityProvider:
    return get_by_id(session, IdentityProvider, provider_id, noun="identity provider")


def provider_by_key(session: Session, *, key: str) -> IdentityProvider | None:
    return session.execute(
        select(IdentityProvider).where(col(IdentityProvider.key) == key)
    ).scalar_one_or_none()


def create_provider(session: Session, *, values: Mapping[str, Any]) -> IdentityProvider:
    """A new provider; ConflictError for a key in use, InvalidInputError for bad settings."""
    reject_unknown_fields(values, FIELDS, problem="unknown field")
    checked = _checked(values)
    if provider_by_key(session, key=checked["key"]) is not None:
        raise ConflictError(f"an identity provider with key {checked['key']} exists")
    provider = IdentityProvider(**checked)
    session.add(provider)
    session.flush()
    _audit(session, "identity_provider.created", provider, checked)
    return provider


def update_provider(
    session: Session, *, provider_id: uuid.UUID, changes: Mapping[str, Any]
) -> IdentityProvider:
    reject_unknown_fields(changes, FIELDS - {"key"})
    provider = get_provider(session, provider_id=provider_id)
    checked = _checked({**{f: getattr(provider, f) for f in FIELDS}, **changes})
    for name in changes:
        setattr(provider, name, checked[name])
    provider.updated_at = utcnow()
    session.flush()
    _audit(session, "identity_provider.changed", provider, changes)
    return provider


def delete_provider(session: Session, *, provider_id: uuid.UUID) -> None:
    """Remove it and its links to users (the users stay, and keep any password)."""
    session.delete(get_provider(session, provider_id=provider_id))
    session.flush()


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    problems: list[FieldProblem] = []
    key = str(values.get("key", ""))
    if not KEY_PATTERN.match(key):
        problems.append(FieldProblem("key", "lowercase letters, digits and dashes"))
    for name in ("issuer", "discovery_url"):
        url = values.get(name)
        if url is not None and not str(url).startswith(("https://", "http://")):
            problems.append(FieldProblem(name, "must be an http(s) URL"))
    scopes = list(values.get("scopes") or ["openid", "email", "profile"])
    if "openid" not in scopes:
        problems.append(FieldProblem("scopes", "must include openid"))
    role_map = values.get("role_map") or {}
    for claim_value, roles in role_map.items():
        unknown = [r for r in roles if r not in {role.value for role in Role}]
        if unknown:
            problems.append(FieldProblem(f"role_map.{claim_value}", f"unknown roles {unknown}"))
    if problems:
        raise InvalidInputError("invalid identity provider", problems)
    return {**values, "scopes": scopes, "role_map": {str(k): list(v) for k, v in role_map.items()}}


def _audit(
    session: Session, action: str, provider: IdentityProvider, values: Mapping[str, Any]
) -> None:
    shown = {k: ("(set)" if k in SECRET_FIELDS else v) for k, v in values.items()}
    audit.record(
        session, action=action, target_type="identity_provider", target_id=provider.id, detail=shown
    )
