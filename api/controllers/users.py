"""/users: staff and their agent profile (roles, tier, languages, org unit, skills)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from sqlmodel import Session

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut
from api.problems import problem_responses
from api.schemas.users import SkillIn, SkillOut, UserCreate, UserOut, UserUpdate
from core import browser_sessions, local_sign_in, password_resets, users
from core.models.user import AgentSkill, Tier, User
from core.permissions import Action


def user_out(user: User, skills: Sequence[AgentSkill]) -> UserOut:
    return UserOut(
        **{name: getattr(user, name) for name in UserOut.model_fields if name != "skills"},
        skills=[SkillOut.model_validate(skill) for skill in skills],
    )


def one_user(session: Session, user: User) -> UserOut:
    return user_out(user, users.skills_by_user(session, user_ids=[user.id]).get(user.id, []))


def skill_inputs(skills: Sequence[SkillIn]) -> list[users.SkillInput]:
    return [users.SkillInput(skill=s.skill, level=s.level) for s in skills]


class UserController(Controller):
    path = "/users"
    opt = {"resource": "users"}  # permissions: api.guards
    tags = ["users"]

    @get("/", sync_to_thread=True, summary="List users", responses=problem_responses())
    def list_users(
        self,
        session: TenantSession,
        org_unit_id: FromQuery[uuid.UUID | None] = None,
        tier: FromQuery[Tier | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[UserOut]:
        page = users.list_users(
            session, org_unit_id=org_unit_id, tier=tier, active=active, limit=limit, cursor=cursor
        )
        skills = users.skills_by_user(session, user_ids=[user.id for user in page.items])
        return PageOut[UserOut](
            items=[user_out(user, skills.get(user.id, [])) for user in page.items],
            next_cursor=page.next_cursor,
        )

    @post(
        "/",
        sync_to_thread=True,
        summary="Create a user with their agent profile",
        responses=problem_responses(409),
    )
    def create_user(self, session: TenantSession, data: JSONBody[UserCreate]) -> UserOut:
        user = users.create_user(
            session,
            email=data.email,
            name=data.name,
            roles=data.roles,
            active=data.active,
            tier=data.tier,
            languages=data.languages,
            org_unit_id=data.org_unit_id,
            skills=skill_inputs(data.skills),
        )
        return one_user(session, user)

    @get(
        "/{user_id:uuid}",
        sync_to_thread=True,
        summary="Get a user",
        responses=problem_responses(404),
    )
    def get_user(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> UserOut:
        return one_user(session, users.get_user(session, user_id=user_id))

    @patch(
        "/{user_id:uuid}",
        sync_to_thread=True,
        summary="Change a user; `skills` replaces the whole set",
        responses=problem_responses(404, 409),
    )
    def update_user(
        self, session: TenantSession, user_id: FromPath[uuid.UUID], data: JSONBody[UserUpdate]
    ) -> UserOut:
        changes = data.changes()
        if data.skills is not None:
            changes["skills"] = skill_inputs(data.skills)
        return one_user(session, users.update_user(session, user_id=user_id, changes=changes))

    @delete(
        "/{user_id:uuid}",
        sync_to_thread=True,
        summary="Delete a user who appears in no conversation",
        responses=problem_responses(404, 409),
    )
    def delete_user(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> None:
        users.delete_user(session, user_id=user_id)

    @post(
        "/{user_id:uuid}/password-reset",
        sync_to_thread=True,
        status_code=202,
        summary="Mail the user a link to set their password (also the invitation of a new user)",
        responses=problem_responses(404),
    )
    def send_password_link(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> None:
        user = users.get_user(session, user_id=user_id)
        password_resets.request_reset(session, email=user.email)

    @post(
        "/{user_id:uuid}/unlock",
        sync_to_thread=True,
        status_code=204,
        summary="Lift a lockout after repeated wrong passwords",
        responses=problem_responses(404),
    )
    def unlock_user(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> None:
        users.get_user(session, user_id=user_id)
        local_sign_in.unlock(session, user_id=user_id)

    @delete(
        "/{user_id:uuid}/sessions",
        sync_to_thread=True,
        summary="Sign the user out of every browser",
        responses=problem_responses(404),
        action=Action.USERS_WRITE,
        audit="user.signed_out_everywhere",
    )
    def end_sessions(self, session: TenantSession, user_id: FromPath[uuid.UUID]) -> None:
        users.get_user(session, user_id=user_id)
        browser_sessions.revoke_all(session, user_id=user_id)
