"""The permission matrix as declared: its documented copy agrees, and its rules hold."""

from __future__ import annotations

from pathlib import Path

from core.models.user import Role
from core.permissions import (
    EVERYONE,
    MATRIX,
    OWN_SUFFIX,
    Action,
    allows,
    matrix_markdown,
    permissions_for,
)

DOC = Path(__file__).parent.parent / "docs" / "access-control.md"


def test_the_documented_matrix_is_the_one_in_the_code() -> None:
    assert matrix_markdown() in DOC.read_text(encoding="utf-8")


def test_every_role_has_a_row_and_only_admins_administer_the_tenant() -> None:
    assert set(MATRIX) == set(Role)
    for action in (Action.USERS_WRITE, Action.AUDIT_READ, Action.API_TOKENS_WRITE):
        assert [r for r in Role if action in MATRIX[r]] == [Role.ADMIN]
    assert MATRIX[Role.ADMIN] == frozenset(Action)
    every_grant = {a.value for a in Action} | {a.value + OWN_SUFFIX for a in Action}
    assert all(grant in every_grant for grant in set().union(*MATRIX.values()))


def test_executives_read_aggregates_and_no_customer_records() -> None:
    executive = MATRIX[Role.EXECUTIVE]
    assert all(action.endswith(":read") for action in executive)
    assert not {Action.CONTACTS_READ, Action.CONVERSATIONS_READ} & executive


def test_own_grants_allow_only_the_callers_own_record() -> None:
    agent = permissions_for([Role.AGENT.value])
    assert not allows(agent, Action.AGENTS_WRITE)
    assert allows(agent, Action.AGENTS_WRITE, own=True)
    assert allows(permissions_for(["team_lead"]), Action.AGENTS_WRITE)


def test_roles_add_up_and_unknown_roles_grant_nothing() -> None:
    both = permissions_for(["agent", "social_monitor"])
    assert both == MATRIX[Role.AGENT] | MATRIX[Role.SOCIAL_MONITOR]
    assert permissions_for(["root", "superuser"]) == EVERYONE == {Action.ME_READ}
