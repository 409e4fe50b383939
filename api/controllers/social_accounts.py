"""/social/accounts: our connections to the networks (credentials write-only)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.social import SocialAccountCreate, SocialAccountOut, SocialAccountUpdate
from core import tenants
from core.db import session_tenant
from core.models.social import SocialAccount, SocialNetwork
from core.social import accounts

WEBHOOK_PATH = "/webhooks/social/{tenant_slug}/{account_id}"


def account_out(account: SocialAccount, tenant_slug: str) -> SocialAccountOut:
    pushed = account.network in accounts.WEBHOOK_NETWORKS
    return SocialAccountOut.model_validate(
        {
            **account.model_dump(exclude={"credentials"}),
            "credential_keys": sorted(account.credentials),
            "webhook_path": (
                WEBHOOK_PATH.format(tenant_slug=tenant_slug, account_id=account.id)
                if pushed
                else None
            ),
        }
    )


def _slug(session: TenantSession) -> str:
    tenant = tenants.get(session, session_tenant(session))
    assert tenant is not None
    return tenant.slug


class SocialAccountController(Controller):
    path = "/social/accounts"
    opt = {"resource": "social_accounts"}  # permissions: api.guards
    tags = ["social"]

    @get("/", sync_to_thread=True, summary="List social accounts", responses=problem_responses())
    def list_accounts(
        self,
        session: TenantSession,
        network: FromQuery[SocialNetwork | None] = None,
        active: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[SocialAccountOut]:
        page = accounts.list_accounts(
            session, network=network, active=active, limit=limit, cursor=cursor
        )
        slug = _slug(session)
        return page_out(page, lambda account: account_out(account, slug))

    @post(
        "/",
        sync_to_thread=True,
        summary="Connect a social account (credentials write-only)",
        responses=problem_responses(409),
    )
    def create_account(
        self, session: TenantSession, data: JSONBody[SocialAccountCreate]
    ) -> SocialAccountOut:
        account = accounts.create_account(
            session, network=data.network, name=data.name, **data.settings_fields()
        )
        return account_out(account, _slug(session))

    @get(
        "/{account_id:uuid}",
        sync_to_thread=True,
        summary="Get a social account",
        responses=problem_responses(404),
    )
    def get_account(
        self, session: TenantSession, account_id: FromPath[uuid.UUID]
    ) -> SocialAccountOut:
        return account_out(accounts.get_account(session, account_id=account_id), _slug(session))

    @patch(
        "/{account_id:uuid}",
        sync_to_thread=True,
        summary="Change a social account",
        responses=problem_responses(404, 409),
    )
    def update_account(
        self,
        session: TenantSession,
        account_id: FromPath[uuid.UUID],
        data: JSONBody[SocialAccountUpdate],
    ) -> SocialAccountOut:
        account = accounts.update_account(session, account_id=account_id, changes=data.changes())
        return account_out(account, _slug(session))

    @delete(
        "/{account_id:uuid}",
        sync_to_thread=True,
        summary="Delete a social account no post came through (else deactivate it)",
        responses=problem_responses(404, 409),
    )
    def delete_account(self, session: TenantSession, account_id: FromPath[uuid.UUID]) -> None:
        accounts.delete_account(session, account_id=account_id)
