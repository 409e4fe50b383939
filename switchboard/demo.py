"""The demo tenant: seeded once, a fresh API key per start, credentials written to var/."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import col

from channels.phone.demo import DEMO_NUMBER, install_demo_voice
from channels.webform.default_forms import install_default_forms
from core import api_keys, local_sign_in, mailboxes, tenants
from core.db import Database
from core.models import Queue, Role, SocialAccount, SocialNetwork, Tenant, User, VoiceLine
from core.seed import SeedPlan, seed_tenant
from core.seed.staff import FRONT_PHONE, FRONT_WRITTEN

DEMO_SLUG = "demo"
DEMO_MAILBOX = "support@northwind.example"


def prepare_demo_tenant(
    database: Database,
    *,
    plan: SeedPlan,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[str, bool]:
    """Seed the demo tenant if missing; returns (a new API key, whether it was seeded now)."""
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, DEMO_SLUG)
    seeded = tenant is None
    tenant_id = (
        seed_tenant(database, slug=DEMO_SLUG, plan=plan, progress=progress).tenant_id
        if tenant is None
        else tenant.id
    )
    with database.tenant_unit(tenant_id) as session:
        issued = api_keys.issue_key(session, name="demo")
    return issued.secret, seeded


def write_credentials(path: Path, credentials: dict[str, object]) -> None:
    """Credentials for the person running the demo; readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    path.chmod(0o600)


def prepare_demo_mailbox(database: Database) -> str:
    """The demo tenant's mailbox (created once) and a fresh webhook token for it.

    It has no SMTP server, so replies from it land as loopback files; mail to it arrives over
    the SMTP listener or the webhook.
    """
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, DEMO_SLUG)
        existing = mailboxes.find_by_address(session, DEMO_MAILBOX)
    if tenant is None:
        raise LookupError("prepare the demo tenant first")
    with database.tenant_unit(tenant.id) as session:
        mailbox = existing or mailboxes.create_mailbox(
            session, address=DEMO_MAILBOX, display_name="Northwind Support"
        )
        return mailboxes.issue_inbound_token(session, mailbox_id=mailbox.id).secret


def prepare_demo_channels(database: Database) -> str:
    """The demo tenant's hotline (with its IVR) and web forms, created once; returns the number.

    Calls go to the front line whatever the menu choice (the choice sets the category and the
    skills the agent needs); forms go to the written front line.
    """
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, DEMO_SLUG)
    if tenant is None:
        raise LookupError("prepare the demo tenant first")
    with database.tenant_unit(tenant.id) as session:
        queue_ids = dict(session.execute(sa.select(col(Queue.name), col(Queue.id))).tuples().all())
        phone = queue_ids[FRONT_PHONE]
        has_line = session.execute(
            sa.select(col(VoiceLine.id)).where(col(VoiceLine.number) == DEMO_NUMBER)
        ).first()
        if has_line is None:
            install_demo_voice(session, queues={"default": phone})
        written = queue_ids[FRONT_WRITTEN]
        install_default_forms(session, queues={"general": written})
    return DEMO_NUMBER


def demo_social_webhooks(database: Database) -> dict[str, str]:
    """The demo's pushed social accounts: network → webhook path (the vendor feed, the page)."""
    with database.system_session() as session:
        tenant_id = session.execute(
            sa.select(col(Tenant.id)).where(col(Tenant.slug) == DEMO_SLUG)
        ).scalar_one()
    with database.tenant_session(tenant_id) as session:
        accounts = session.execute(
            sa.select(col(SocialAccount.network), col(SocialAccount.id))
            .where(col(SocialAccount.active).is_(True))
            .order_by(col(SocialAccount.name))
        ).all()
    return {
        network.value: f"/webhooks/social/{DEMO_SLUG}/{account_id}"
        for network, account_id in accounts
        if network in (SocialNetwork.WEBHOOK, SocialNetwork.FACEBOOK)
    }


DEMO_ACCOUNTS: tuple[tuple[Role, str], ...] = (
    (Role.ADMIN, "Ada Admin"),
    (Role.SUPERVISOR, "Sam Supervisor"),
    (Role.TEAM_LEAD, "Tia Teamlead"),
    (Role.AGENT, "Alex Agent"),
    (Role.QA_INSPECTOR, "Quinn Inspector"),
    (Role.SOCIAL_MONITOR, "Mo Monitor"),
    (Role.EXECUTIVE, "Eve Executive"),
)


def prepare_demo_accounts(database: Database) -> tuple[str, dict[str, str]]:
    """One sign-in account per role (created once) and a fresh password for all of them.

    The password is new at every start and exists only in the demo's credentials file, so
    no password is ever in the code or the repository.
    """
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, DEMO_SLUG)
    if tenant is None:
        raise LookupError("prepare the demo tenant first")
    password = secrets.token_urlsafe(12)
    emails: dict[str, str] = {}
    with database.tenant_unit(tenant.id) as session:
        for role, name in DEMO_ACCOUNTS:
            email = f"{role.value.replace('_', '.')}@northwind.example"
            user = session.execute(
                sa.select(User).where(col(User.email) == email)
            ).scalar_one_or_none()
            if user is None:
                user = User(email=email, name=name, roles=[role.value], languages=["en", "zh"])
                session.add(user)
                session.flush()
            local_sign_in.set_password(session, user=user, password=password)
            emails[role.value] = email
    return password, emails
