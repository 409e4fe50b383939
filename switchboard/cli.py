"""The ``switchboard`` command: run, migrate, seed and benchmark the platform."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from channels.email.cli import app as email_app
from core import api_keys, migrate, tenants
from core.db import Database
from core.errors import ConflictError, InvalidInputError
from core.logs import configure_logging
from core.seed import SeedPlan, seed_tenant
from core.settings import Settings, get_settings
from switchboard.monitor_cli import app as monitor_app
from switchboard.sentiment_cli import app as sentiment_app

app = typer.Typer(help="Switchboard: an omnichannel contact-center platform.", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants and their API keys.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(email_app, name="email")
app.add_typer(monitor_app, name="monitor")
app.add_typer(sentiment_app, name="sentiment")
console = Console(stderr=True, soft_wrap=True)

BENCHMARKS = (
    "ingest",
    "email",
    "routing",
    "sla_sweep",
    "webhooks",
    "social",
    "access",
    "dashboard",
)


def _setup() -> tuple[Settings, Database]:
    settings = get_settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    return settings, Database(settings.database_url, pool_size=settings.db_pool_size)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _stage_reporter(progress: Progress) -> Callable[[str, int, int], None]:
    """A progress callback (stage, done, total) drawing one bar per stage."""
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(stage, total=total)
        progress.update(tasks[stage], completed=done, total=total)

    return report


def _seed_with_progress(database: Database, *, slug: str, plan: SeedPlan) -> None:
    with _progress() as progress:
        result = seed_tenant(database, slug=slug, plan=plan, progress=_stage_reporter(progress))
    console.print(
        f"seeded [bold]{slug}[/]: {result.users} users, {result.contacts} contacts, "
        f"{result.conversations} conversations, {result.messages} messages"
    )


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    settings, _ = _setup()
    migrate.upgrade(settings.database_url)
    console.print("database is up to date")


@app.command()
def seed(
    slug: Annotated[str, typer.Option(help="tenant slug to create")] = "demo",
    contacts: Annotated[int, typer.Option(min=1)] = SeedPlan.contacts,
    agents: Annotated[int, typer.Option(min=1)] = SeedPlan.agents,
    days: Annotated[int, typer.Option(min=1)] = SeedPlan.days,
) -> None:
    """Create a tenant with realistic demo data (org tree, agents, contacts, 30 days of work)."""
    settings, database = _setup()
    migrate.upgrade(settings.database_url)
    try:
        _seed_with_progress(
            database, slug=slug, plan=SeedPlan(contacts=contacts, agents=agents, days=days)
        )
    except ConflictError as exc:
        console.print(f"[red]{exc.detail}[/]")
        raise typer.Exit(1) from exc


@app.command()
def serve() -> None:
    """Serve the API (and, without BROKER_URL, the workers) until interrupted."""
    from switchboard.server import run_server

    settings, database = _setup()
    run_server(settings, database)


@app.command()
def worker() -> None:
    """Run Dramatiq workers and the outbox relay against BROKER_URL until interrupted."""
    from workers.process import run_worker_process

    settings, _ = _setup()
    if settings.broker_url is None:
        console.print("[red]BROKER_URL is not set; without it `serve` runs the workers itself[/]")
        raise typer.Exit(2)
    run_worker_process(settings)


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="HTTP port (default from PORT or 8000)")] = None,
) -> None:
    """Migrate, seed the demo tenant on first run, and serve everything on 127.0.0.1."""
    from channels.phone.demo import DEMO_AUTH_TOKEN
    from core.seed.social import (
        DEMO_META_APP_SECRET,
        DEMO_META_VERIFY_TOKEN,
        DEMO_VENDOR_SECRET,
    )
    from switchboard.demo import (
        DEMO_MAILBOX,
        DEMO_SLUG,
        demo_social_webhooks,
        prepare_demo_accounts,
        prepare_demo_channels,
        prepare_demo_mailbox,
        prepare_demo_tenant,
        write_credentials,
    )
    from switchboard.server import run_server

    settings, database = _setup()
    if port is not None:
        settings = settings.model_copy(update={"port": port})
    migrate.upgrade(settings.database_url)
    with _progress() as progress:
        key, seeded = prepare_demo_tenant(
            database, plan=SeedPlan(), progress=_stage_reporter(progress)
        )
    mailbox_token = prepare_demo_mailbox(database)
    hotline = prepare_demo_channels(database)
    social_webhooks = demo_social_webhooks(database)
    password, accounts = prepare_demo_accounts(database)
    base = f"http://{settings.host}:{settings.port}"
    smtp_address = (
        f"{settings.smtp_listen_host}:{settings.smtp_listen_port}"
        if settings.smtp_listen_port
        else "disabled"
    )
    urls = {
        "sign_in": f"{base}/auth/{DEMO_SLUG}/login",
        "dashboard": f"{base}/dashboard/",
        "api": f"{base}/api/v1",
        "api_docs": f"{base}/api/docs",
        "openapi": f"{base}/api/schema/openapi.json",
        "health": f"{base}/health",
        "metrics": f"{base}/metrics",
        "email_webhook": f"{base}/webhooks/email/{DEMO_MAILBOX}",
        "voice_webhook": f"{base}/webhooks/voice/{DEMO_SLUG}/incoming",
        "complaint_form": f"{base}/forms/{DEMO_SLUG}/complaint",
        "repair_form": f"{base}/forms/{DEMO_SLUG}/fault-repair",
        "contact_form": f"{base}/forms/{DEMO_SLUG}/contact-us",
        "feedback_form": f"{base}/forms/{DEMO_SLUG}/feedback",
        "social_alerts": f"{base}/api/v1/alerts?status=open",
        **{f"social_{network}": f"{base}{path}" for network, path in social_webhooks.items()},
    }
    credentials_path = settings.var_dir / "demo-credentials.json"
    write_credentials(
        credentials_path,
        {
            "tenant": DEMO_SLUG,
            "api_key": key,
            "sign_in": {"url": urls["sign_in"], "password": password, "accounts": accounts},
            "urls": urls,
            "outbound_dir": str(settings.var_dir / "outbound"),
            "mailbox": DEMO_MAILBOX,
            "mailbox_webhook_token": mailbox_token,
            "smtp": smtp_address,
            "hotline": hotline,
            "voice_auth_token": DEMO_AUTH_TOKEN,
            "social_vendor_secret": DEMO_VENDOR_SECRET,
            "social_meta_app_secret": DEMO_META_APP_SECRET,
            "social_meta_verify_token": DEMO_META_VERIFY_TOKEN,
        },
    )

    def announce() -> None:
        console.print(
            f"\n[bold green]Switchboard demo is running[/] ({'seeded now' if seeded else 'existing data'}, {database.backend})"
        )
        for name, url in urls.items():
            console.print(f"  {name:<14} {url}")
        console.print(f"  credentials {credentials_path}  (API key: {key})")
        console.print(
            f"  sign in at {urls['sign_in']} as {accounts['admin']} (or any role's account in "
            f"the credentials file), password {password}"
        )
        console.print(
            f'  try: curl -H "Authorization: Bearer {key}" {urls["api"]}/conversations?limit=5'
        )
        console.print(f"  smtp      {smtp_address}  (mail to {DEMO_MAILBOX})")
        console.print("  Ctrl-C stops it.\n")

    run_server(settings, database, on_started=announce)


@tenant_app.command("create")
def tenant_create(
    slug: str,
    name: str,
    timezone: Annotated[str, typer.Option()] = "UTC",
    locale: Annotated[str, typer.Option()] = "en-US",
) -> None:
    """Create an empty tenant and print its first API key."""
    settings, database = _setup()
    migrate.upgrade(settings.database_url)
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(
            session, slug=slug, name=name, timezone=timezone, locale=locale
        ).id
    with database.tenant_unit(tenant_id) as session:
        issued = api_keys.issue_key(session, name="initial")
    typer.echo(issued.secret)


@tenant_app.command("api-key")
def tenant_api_key(
    slug: str,
    name: Annotated[str, typer.Option()] = "cli",
    scope: Annotated[
        list[str] | None,
        typer.Option(help="a permission action (repeatable); default: every action"),
    ] = None,
) -> None:
    """Issue another API token for a tenant (shown once), with these scopes."""
    _, database = _setup()
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, slug)
    if tenant is None:
        console.print(f"[red]no tenant {slug!r}[/]")
        raise typer.Exit(1)
    with database.tenant_unit(tenant.id) as session:
        scopes = scope or list(api_keys.ALL_SCOPES)
        try:
            typer.echo(api_keys.issue_key(session, name=name, scopes=scopes).secret)
        except InvalidInputError as exc:
            console.print(f"[red]{exc.problems[0].message if exc.problems else exc.detail}[/]")
            raise typer.Exit(2) from exc


@app.command()
def bench(
    name: Annotated[str, typer.Argument(help=f"one of: {', '.join(BENCHMARKS)}")],
    quick: Annotated[bool, typer.Option("--quick", help="reduced run, under a minute")] = False,
) -> None:
    """Run a benchmark from benchmarks/ (prints one JSON line of figures at the end)."""
    if name not in BENCHMARKS:
        console.print(f"[red]unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}[/]")
        raise typer.Exit(2)
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", f"benchmarks.{name}", *(["--quick"] if quick else [])]
    raise typer.Exit(subprocess.call(command, cwd=root, env=os.environ.copy()))
