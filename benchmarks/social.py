"""Posts per second through intake (match + sentiment + storage) and alert evaluation, and the
delay from a post's arrival at the webhook to the alert it triggers.

``posts_per_s``: two processes (the machine's two cores) each feed batches of 100 generated
posts (zh, en and mixed; three in four about the brand; six in ten by authors new to us, who
become contacts) through ``store_raw`` and ``receive_posts`` and then evaluate the alerts of
the monitors each batch touched, as the evaluation actor does. The tenant is in service: the
demo's five monitors with four weeks of volume history, a history of posts and authors
ingested untimed, then ANALYZE. PostgreSQL.

``alert_delay_s``: the platform serves the vendor webhook over real HTTP with its embedded
workers; for each trial a new monitor with a quiet history gets a storm of negative posts
POSTed (signed) in batches, and the delay is from the POST of the batch that crosses the
spike threshold to the alert being committed. The median over the trials is reported.

    uv run python -m benchmarks.social [--quick]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from rich.console import Console
from sqlmodel import col

from benchmarks._support import emit, free_port, scratch_database, wait_until_up
from core import tenants
from core.clock import utcnow
from core.db import Database, defer_commit_flush
from core.logs import configure_logging
from core.models.social import Monitor, SocialAccount, SocialNetwork
from core.models.social_alert import AlertKind, SocialAlert
from core.seed.social_texts import MONITORS, PostWriter
from core.settings import Settings
from core.social import volume
from core.social.evaluation import evaluate_batch
from core.social.incoming import IncomingPost
from core.social.intake import receive_posts, store_raw
from core.webhooks import signed_headers

console = Console(stderr=True)
BATCH = 100
PROCESSES = 2
VENDOR_SECRET = "bench-vendor-secret-0123456789"


def generated_posts(count: int, *, seed: int) -> list[IncomingPost]:
    rng = random.Random(seed)
    writer = PostWriter(rng)
    now = utcnow()
    posts = []
    for i in range(count):
        drawn = writer.draw()
        posts.append(
            IncomingPost(
                network=SocialNetwork.X,
                external_id=f"{seed}-{i}",
                author_handle=(  # most public posters are new to us; some post often
                    f"user{rng.randrange(2_000)}" if rng.random() < 0.4 else f"fan{seed}-{i}"
                ),
                author_name=None,
                author_followers=int(rng.paretovariate(1.2) * 50),
                text=drawn.text,
                posted_at=now - timedelta(seconds=rng.uniform(0, 600)),
                shares=rng.randrange(20),
            )
        )
    return posts


def prepare(database: Database, *, history_posts: int) -> uuid.UUID:
    with database.system_unit() as session:
        tenant_id = tenants.create_tenant(
            session, slug=f"bench-{uuid.uuid4().hex[:6]}", name="B"
        ).id
    now = utcnow()
    with database.tenant_unit(tenant_id) as session:
        monitors = [
            Monitor(name=name, rule=rule, category=category, watch_terms=list(terms))
            for name, rule, category, terms in MONITORS
        ]
        session.add_all(monitors)
        session.flush()
        history: dict[tuple[str, Any], volume.Tally] = {}
        start = volume.bucket_start(now - timedelta(weeks=4))
        for monitor in monitors:
            at = start
            while at < now - timedelta(hours=1):
                history[(volume.monitor_series(monitor.id), at)] = volume.Tally(40, 15)
                at += volume.BUCKET
        volume.add_counts(session, history)
    posts = generated_posts(history_posts, seed=1_000_000)
    for offset in range(0, len(posts), 500):  # a desk in service: posts, authors, hits
        record_id = store_raw(
            database, tenant_id=tenant_id, payload=b"history", content_type="x", source="b"
        )
        receive_posts(
            database, tenant_id=tenant_id, record_id=record_id, posts=posts[offset : offset + 500]
        )
    with database.system_unit() as session:
        session.execute(sa.text("ANALYZE"))
    return tenant_id


def feed(url: str, tenant_id: str, seed: int, count: int, start_at: float, out: Any) -> None:
    """One process's share: intake and evaluation, batch after batch; its elapsed seconds."""
    configure_logging(level="WARNING")
    database = Database(url, pool_size=2)
    tenant = uuid.UUID(tenant_id)
    posts = generated_posts(count, seed=seed)
    receive_posts(  # warm up: models loaded, monitors compiled, statements cached
        database,
        tenant_id=tenant,
        record_id=store_raw(database, tenant_id=tenant, payload=b"w", content_type="x", source="b"),
        posts=generated_posts(50, seed=seed + 1000),
    )
    while time.time() < start_at:
        time.sleep(0.005)
    began = time.perf_counter()
    for i in range(0, len(posts), BATCH):
        batch = posts[i : i + BATCH]
        raw = json.dumps([p.external_id for p in batch]).encode()
        record_id = store_raw(
            database, tenant_id=tenant, payload=raw, content_type="application/json", source="b"
        )
        summary = receive_posts(database, tenant_id=tenant, record_id=record_id, posts=batch)
        payload: dict[str, Any] = {
            "monitors": {str(m): {"evidence": [], "flagged": []} for m in summary.monitor_ids}
        }
        with database.tenant_unit(tenant) as session:
            defer_commit_flush(session)  # as the evaluation actor does
            evaluate_batch(session, payload)
    out.put(time.perf_counter() - began)
    database.dispose()


def throughput(database: Database, tenant_id: uuid.UUID, *, total: int) -> float:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start_at = time.time() + 8.0
    share = total // PROCESSES
    processes = [
        context.Process(
            target=feed, args=(database.url, str(tenant_id), seed, share, start_at, results)
        )
        for seed in range(1, PROCESSES + 1)
    ]
    for process in processes:
        process.start()
    elapsed = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(30)
    rate = share * PROCESSES / max(elapsed)
    console.print(f"intake + evaluation: {rate:,.0f} posts/s ({share * PROCESSES} posts)")
    return rate


def platform(url: str, port: int, var_dir: str) -> None:
    """The platform process, as ``switchboard serve`` runs it without a broker: the API with
    its embedded workers (relay, actors, periodic tasks)."""
    from switchboard.server import run_server

    configure_logging(level="WARNING")
    settings = Settings(
        database_url=url,
        port=port,
        var_dir=Path(var_dir),
        blob_dir=Path(var_dir) / "blobs",
        smtp_listen_port=None,
        imap_poll_seconds=0,
        relay_poll_seconds=0.05,
    )
    run_server(settings, Database(url, pool_size=4))


def alert_delays(database: Database, *, trials: int) -> list[float]:
    """Vendor webhook → intake → outbox → evaluation actor → alert, over real HTTP."""
    with database.system_unit() as session:
        tenant = tenants.create_tenant(session, slug=f"delay-{uuid.uuid4().hex[:6]}", name="D")
    with database.tenant_unit(tenant.id) as session:
        account = SocialAccount(
            network=SocialNetwork.WEBHOOK, name="vendor", credentials={"secret": VENDOR_SECRET}
        )
        session.add(account)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as var_dir:
        server = multiprocessing.get_context("spawn").Process(
            target=platform, args=(database.url, port, var_dir), daemon=True
        )
        server.start()
        try:
            wait_until_up(base_url)
            url = f"{base_url}/webhooks/social/{tenant.slug}/{account.id}"
            with httpx.Client(timeout=30) as client:
                return [
                    _one_storm(database, client, url, tenant.id, trial) for trial in range(trials)
                ]
        finally:
            server.terminate()
            server.join(10)


def _one_storm(
    database: Database, client: httpx.Client, url: str, tenant_id: uuid.UUID, trial: int
) -> float:
    word = f"storm{trial}x"
    now = utcnow()
    with database.tenant_unit(tenant_id) as session:
        monitor = Monitor(name=word, rule=f"{word} AND (北风 OR Northwind)", spike_min_volume=30)
        session.add(monitor)
        session.flush()
        quiet: dict[tuple[str, Any], volume.Tally] = {}
        at = volume.bucket_start(now - timedelta(weeks=3))
        while at < now - timedelta(hours=2):
            quiet[(volume.monitor_series(monitor.id), at)] = volume.Tally(1, 0)
            at += volume.BUCKET * 6
        volume.add_counts(session, quiet)
    writer = PostWriter(random.Random(trial))
    sent_at = 0.0
    for batch_no in range(2):
        posts = [
            {
                "network": "weibo",
                "id": f"{word}-{batch_no}-{i}",
                "author": {"handle": f"fan{batch_no}-{i}", "followers": 30},
                "text": f"{word} {writer.draw(mood='negative', language='zh').text}",
                "posted_at": utcnow().isoformat(),
            }
            for i in range(15)
        ]
        body = json.dumps({"posts": posts}, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            **signed_headers(VENDOR_SECRET, body),
        }
        sent_at = time.perf_counter()  # the second batch takes the window to 30 posts
        client.post(url, content=body, headers=headers).raise_for_status()
    deadline = sent_at + 30
    while time.perf_counter() < deadline:
        with database.tenant_session(tenant_id) as session:
            raised = session.execute(
                sa.select(col(SocialAlert.id)).where(
                    col(SocialAlert.monitor_id) == monitor.id,
                    col(SocialAlert.kind) == AlertKind.VOLUME_SPIKE,
                )
            ).first()
        if raised is not None:
            delay = time.perf_counter() - sent_at
            console.print(f"trial {trial}: alert after {delay * 1000:.0f} ms")
            return delay
        time.sleep(0.005)
    raise RuntimeError(f"no alert within 30 s in trial {trial}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run (under a minute)")
    args = parser.parse_args()
    configure_logging(level="WARNING")
    with scratch_database("postgresql") as database:
        tenant_id = prepare(database, history_posts=5_000 if args.quick else 30_000)
        rate = throughput(database, tenant_id, total=8_000 if args.quick else 60_000)
        delays = alert_delays(database, trials=3 if args.quick else 10)
    emit({"posts_per_s": round(rate, 1), "alert_delay_s": round(statistics.median(delays), 3)})


if __name__ == "__main__":
    main()
