"""Staff and their agent profile (D5, D6): roles, tier, languages, org unit and graded skills.

Skills live in AgentSkill rows (one per skill, level 1 to 5) and are replaced as a set.
Services flush but never commit; someone who appears in the record (D19) cannot be deleted,
only deactivated.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session
from sqlmodel import col

from core import audit
from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id
from core.models.conversation import Conversation
from core.models.event import ConversationEvent
from core.models.interaction import Interaction
from core.models.message import Message
from core.models.user import AgentSkill, Role, Tier, User
from core.org_units import require_org_unit
from core.pagination import Page, paginate

UPDATABLE_FIELDS = frozenset(
    {"email", "name", "roles", "active", "tier", "languages", "org_unit_id", "skills"}
)
SKILL_LEVELS = range(1, 6)


@dataclass(frozen=True)
class SkillInput:
    skill: str
    level: int


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    """The user; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, User, user_id, noun="user")


def list_users(
    session: Session,
    *,
    org_unit_id: uuid.UUID | None = None,
    tier: Tier | None = None,
    active: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[User]:
    """Users newest first, optionally of one org unit, tier or active flag."""
    query = sa.select(User)
    if org_unit_id is not None:
        query = query.where(col(User.org_unit_id) == org_unit_id)
    if tier is not None:
        query = query.where(col(User.tier) == tier)
    if active is not None:
        query = query.where(col(User.active) == active)
    return paginate(session, query, col(User.id), limit=limit, cursor=cursor)


def skills_by_user(
    session: Session, *, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[AgentSkill]]:
    """Each user's skills by name, in one query for a whole page of users."""
    ids = list(user_ids)
    found: dict[uuid.UUID, list[AgentSkill]] = defaultdict(list)
    if not ids:
        return found
    rows = session.execute(
        sa.select(AgentSkill)
        .where(col(AgentSkill.user_id).in_(ids))
        .order_by(col(AgentSkill.skill))
    ).scalars()
    for skill in rows:
        found[skill.user_id].append(skill)
    return found


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    roles: Sequence[Role] = (),
    active: bool = True,
    tier: Tier | None = None,
    languages: Sequence[str] = (),
    org_unit_id: uuid.UUID | None = None,
    skills: Sequence[SkillInput] = (),
) -> User:
    """A new user; ConflictError if the email is taken, InvalidInputError for bad input."""
    normalized = _normalized_email(email)
    _check_email_free(session, email=normalized)
    if org_unit_id is not None:
        require_org_unit(session, org_unit_id=org_unit_id, field="org_unit_id")
    user = User(
        email=normalized,
        name=name,
        roles=_role_values(roles),
        active=active,
        tier=tier,
        languages=_unique(languages),
        org_unit_id=org_unit_id,
    )
    session.add(user)
    session.flush()
    _replace_skills(session, user_id=user.id, skills=skills)
    audit.record(
        session,
        action="user.created",
        target_type="user",
        target_id=user.id,
        detail={"email": user.email, "roles": user.roles, "active": user.active},
    )
    return user


def update_user(session: Session, *, user_id: uuid.UUID, changes: Mapping[str, Any]) -> User:
    """Change some of a user's fields; ``skills`` replaces the whole set."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    user = get_user(session, user_id=user_id)
    values = dict(changes)
    if "email" in values:
        values["email"] = _normalized_email(values["email"])
        if values["email"] != user.email:
            _check_email_free(session, email=values["email"])
    if values.get("org_unit_id") is not None:
        require_org_unit(session, org_unit_id=values["org_unit_id"], field="org_unit_id")
    if "roles" in values:
        values["roles"] = _role_values(values["roles"])
    if "languages" in values:
        values["languages"] = _unique(values["languages"])
    skills = values.pop("skills", None)
    _audit_access_changes(session, user, values)
    for field_name, value in values.items():
        setattr(user, field_name, value)
    session.flush()
    if skills is not None:
        _replace_skills(session, user_id=user.id, skills=skills)
    return user


def delete_user(session: Session, *, user_id: uuid.UUID) -> None:
    """Delete a user who appears nowhere in the record; ConflictError otherwise."""
    user = get_user(session, user_id=user_id)
    references = (
        sa.select(col(Conversation.id)).where(
            sa.or_(col(Conversation.assignee_id) == user_id, col(Conversation.owner_id) == user_id)
        ),
        sa.select(col(ConversationEvent.id)).where(col(ConversationEvent.actor_user_id) == user_id),
        sa.select(col(Message.id)).where(col(Message.author_user_id) == user_id),
        sa.select(col(Interaction.id)).where(col(Interaction.agent_id) == user_id),
    )
    for query in references:
        if session.execute(query.limit(1)).first() is not None:
            raise ConflictError("user appears in conversations; deactivate them instead")
    session.execute(sa.delete(AgentSkill).where(col(AgentSkill.user_id) == user_id))
    session.delete(user)
    session.flush()


def _audit_access_changes(session: Session, user: User, values: Mapping[str, Any]) -> None:
    """Role and activation changes are what an access review asks about: each one is logged."""
    if "roles" in values and values["roles"] != user.roles:
        audit.record(
            session,
            action="user.roles_changed",
            target_type="user",
            target_id=user.id,
            detail={"email": user.email, "before": user.roles, "after": values["roles"]},
        )
    if "active" in values and values["active"] != user.active:
        audit.record(
            session,
            action="user.activated" if values["active"] else "user.deactivated",
            target_type="user",
            target_id=user.id,
            detail={"email": user.email},
        )


def _replace_skills(session: Session, *, user_id: uuid.UUID, skills: Sequence[SkillInput]) -> None:
    problems = [
        FieldProblem(f"skills.{index}.level", "must be from 1 to 5")
        for index, skill in enumerate(skills)
        if skill.level not in SKILL_LEVELS
    ]
    names = [skill.skill.strip() for skill in skills]
    problems += [
        FieldProblem(f"skills.{index}.skill", "must not be empty")
        for index, name in enumerate(names)
        if not name
    ]
    if len(set(names)) != len(names):
        problems.append(FieldProblem("skills", "each skill may appear once"))
    if problems:
        raise InvalidInputError("invalid skills", problems)
    session.execute(sa.delete(AgentSkill).where(col(AgentSkill.user_id) == user_id))
    session.add_all(
        AgentSkill(user_id=user_id, skill=name, level=skill.level)
        for name, skill in zip(names, skills, strict=True)
    )
    session.flush()


def _normalized_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInputError("invalid email", [FieldProblem("email", str(exc))]) from exc


def _check_email_free(session: Session, *, email: str) -> None:
    if session.execute(sa.select(col(User.id)).where(col(User.email) == email)).first() is not None:
        raise ConflictError(f"a user with email {email} exists")


def _role_values(roles: Sequence[Role]) -> list[str]:
    """Role values in a stable order, each once."""
    return [role.value for role in Role if role in set(roles)]


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))
