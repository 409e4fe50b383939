"""Dashboard fixtures: the live platform server (the dashboard is mounted in it), people
signed in through the real sign-in form, a browser, and a place for page screenshots."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from core import api_keys
from core.clock import utcnow
from core.db import Database
from core.kpis import refresh_rollups
from core.models.social import PostKind, SocialNetwork
from core.models.user import Role
from core.seed import SeedPlan, seed_tenant
from core.social.incoming import IncomingPost
from core.social.intake import receive_posts, store_raw
from tests.api.browser_session import PASSWORD, make_user
from tests.api.conftest import LiveServer, api, client_for, live_server
from tests.conftest import TenantHandle

__all__ = ["api", "client_for", "live_server"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"

SignIn = Callable[..., Page]


@pytest.fixture
def artifacts() -> Path:
    """Screenshots of each page, kept after the run (test-artifacts/ is not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def sign_in_page(
    browser: Browser, live_server: LiveServer, database: Database, tenant: TenantHandle
) -> Iterator[SignIn]:
    """A browser page signed in as a new user with ``role``, opened at ``path`` (in the
    test's tenant unless another is given)."""
    contexts = []

    def open_as(role: Role, path: str = "/dashboard/", *, at: TenantHandle = tenant) -> Page:
        user = make_user(database, at.id, role)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{live_server.base_url}/auth/{at.slug}/login?next={path}")
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(f"**{path}")
        return page

    yield open_as
    for context in contexts:
        context.close()


def feed_posts(
    database: Database, tenant_id: uuid.UUID, texts: list[str], *, hours_ago: float = 1.0
) -> None:
    """Posts through the real social intake (raw record first), as a feed would bring them."""
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    posts = [
        IncomingPost(
            network=SocialNetwork.X,
            external_id=uuid.uuid4().hex,
            author_handle=f"fan{n}",
            text=text,
            kind=PostKind.POST,
            posted_at=at + timedelta(seconds=n),
            shares=n,
        )
        for n, text in enumerate(texts)
    ]
    record = store_raw(
        database, tenant_id=tenant_id, payload=b"{}", content_type="application/json", source="test"
    )
    receive_posts(database, tenant_id=tenant_id, record_id=record, posts=posts)


@pytest.fixture
def seeded(database: Database) -> TenantHandle:
    """A tenant with three days of seeded contact-center traffic and current rollups."""
    slug = f"seeded-{uuid.uuid4().hex[:8]}"
    plan = SeedPlan(agents=12, contacts=120, days=3, conversations_per_day=40)
    tenant_id = seed_tenant(database, slug=slug, plan=plan).tenant_id
    with database.tenant_unit(tenant_id) as session:
        refresh_rollups(session, now=utcnow())
        secret = api_keys.issue_key(session, name="tests").secret
    return TenantHandle(id=tenant_id, slug=slug, api_key=secret)
