"""What access control costs per request, on PostgreSQL over real HTTP.

The platform runs in its own process (uvicorn, as `switchboard serve`); this process calls it.

- ``token_request_p50_ms`` / ``_p99_ms``: ``GET /api/v1/me`` with an API token (hash lookup,
  issuer's roles, the permission check, a tenant transaction under row-level security).
- ``session_request_p50_ms`` / ``_p99_ms``: the same with a browser session cookie.
- ``password_sign_in_ms``: the median of whole password sign-ins (form, argon2id, session).
- ``rls_overhead_pct``: how much longer a small tenant transaction (one primary-key read)
  takes with the row-level-security wall on than with it off, in this process, same run
  (``rls_overhead_ms``: the same in milliseconds per transaction: one round trip).

    uv run switchboard bench access [--quick]   (or: uv run python -m benchmarks.access)
"""

from __future__ import annotations

import argparse
import multiprocessing
import re
import statistics
import time
import uuid

import httpx
import sqlalchemy as sa
import uvicorn
from rich.console import Console
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from api.app import create_app
from benchmarks._support import emit, free_port, scratch_database, wait_until_up
from core import api_keys, contacts, db, local_sign_in, tenants, users
from core.contacts import IdentityInput
from core.db import Database
from core.logs import configure_logging
from core.models import Contact, IdentityKind, Role
from switchboard.server import freeze_startup_heap

console = Console(stderr=True)
PASSWORD = "a long and fine password"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def serve(url: str, port: int) -> None:
    configure_logging(level="WARNING")
    database = Database(url)
    db.use_database(database)
    config = uvicorn.Config(
        create_app(database), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
    freeze_startup_heap()  # as switchboard serve does
    uvicorn.Server(config).run()


def sign_in(browser: httpx.Client, email: str) -> httpx.Response:
    """The browser's way in: the form (its CSRF cookie and field), then the POST.

    The cookies are Secure, so over plain HTTP they are carried across by hand."""
    form = browser.get("/auth/bench/login")
    match = CSRF_FIELD.search(form.text)
    assert match, form.text
    if "sb_form_csrf" in form.cookies:
        browser.cookies.clear()
        browser.cookies.set("sb_form_csrf", form.cookies["sb_form_csrf"])
    fields = {"email": email, "password": PASSWORD, "csrf_token": match.group(1)}
    return browser.post("/auth/bench/login", data=fields)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed_gets(client: httpx.Client, path: str, count: int) -> list[float]:
    client.get(path)  # warm the connection and the server's caches
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return samples


def rls_overhead(
    database: Database, tenant_id: uuid.UUID, contact_id: uuid.UUID, n: int
) -> tuple[float, float]:
    """Percent and ms per transaction added by the wall, alternating on and off in rounds to
    share the noise."""

    def round_ms() -> float:
        start = time.perf_counter()
        for _ in range(n):
            with database.tenant_unit(tenant_id) as session:
                session.get(Contact, (tenant_id, contact_id))
                session.expunge_all()
        return (time.perf_counter() - start) * 1000 / n

    hook = db._enter_tenant_wall
    on, off = [], []
    for _ in range(5):
        on.append(round_ms())
        event.remove(OrmSession, "after_begin", hook)
        try:
            off.append(round_ms())
        finally:
            event.listen(OrmSession, "after_begin", hook)
    with_wall, without = statistics.median(on), statistics.median(off)
    return (with_wall / without - 1) * 100, with_wall - without


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    args = parser.parse_args()
    requests, sign_ins, rounds = (300, 5, 200) if args.quick else (3000, 20, 2000)
    configure_logging(level="WARNING")
    with scratch_database("postgresql") as database:
        with database.system_unit() as session:
            tenant_id = tenants.create_tenant(session, slug="bench", name="Bench").id
        with database.tenant_unit(tenant_id) as session:
            admin = users.create_user(
                session, email="admin@bench.example.com", name="Admin", roles=[Role.ADMIN]
            )
            local_sign_in.set_password(session, user=admin, password=PASSWORD)
            token = api_keys.issue_key(session, name="bench", issuer=admin).secret
            contact_id = contacts.create_contact(
                session,
                name="Bench",
                identities=[IdentityInput(IdentityKind.EMAIL, "bench@example.com")],
            ).id
            session.execute(sa.text("ANALYZE"))
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        server = multiprocessing.get_context("spawn").Process(
            target=serve, args=(database.url, port), daemon=True
        )
        server.start()
        try:
            wait_until_up(base_url)
            console.print(f"{requests} token requests, {requests} session requests")
            with httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                token_ms = timed_gets(client, "/api/v1/me", requests)
            sign_in_ms = []
            with httpx.Client(base_url=base_url) as browser:
                for _ in range(sign_ins):
                    start = time.perf_counter()
                    response = sign_in(browser, admin.email)
                    sign_in_ms.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 303, response.text
                browser.cookies.set("sb_session", response.cookies["sb_session"])
                session_ms = timed_gets(browser, "/api/v1/me", requests)
        finally:
            server.terminate()
            server.join()
        console.print(f"{rounds} tenant transactions per round, wall on and off")
        overhead, overhead_ms = rls_overhead(database, tenant_id, contact_id, rounds)
    emit(
        {
            "token_request_p50_ms": round(statistics.median(token_ms), 2),
            "token_request_p99_ms": round(percentile(token_ms, 0.99), 2),
            "session_request_p50_ms": round(statistics.median(session_ms), 2),
            "session_request_p99_ms": round(percentile(session_ms, 0.99), 2),
            "password_sign_in_ms": round(statistics.median(sign_in_ms), 1),
            "rls_overhead_pct": round(overhead, 1),
            "rls_overhead_ms": round(overhead_ms, 3),
        }
    )


if __name__ == "__main__":
    main()
