"""Social webhooks, ``GET``/``POST /webhooks/social/{tenant_slug}/{account_id}``.

Outside /api/v1 and its API keys: each request is authenticated by the account's own secret
(Meta: ``X-Hub-Signature-256`` with ``credentials.app_secret``; a listening vendor:
``X-Switchboard-Timestamp`` and ``-Signature`` with ``credentials.secret``). Answers:

- 404: unknown tenant or account, an inactive account, another tenant's account, a network
  that does not push (X, Mastodon, RSS).
- GET, Meta: the ``hub.challenge`` as text/plain for a good ``hub.verify_token``, else 403;
  GET on a vendor account: 405.
- POST: 413 over 1 MiB; 403 for a missing, forged or (vendor) stale signature, logged,
  nothing stored. Authentic bodies are stored raw before they are read; then
  Meta: 200 ``EVENT_RECEIVED``; 400 for a body that is no JSON delivery (kept, rejected;
  Meta retries, and will resend the same bytes); another object (or the other network's
  deliveries) is kept rejected and still acknowledged with 200, since a retry cannot help.
  Vendor: 202 with counts; 400 no JSON, 422 with field errors (kept, rejected).
- 503 when the stored delivery could not be ingested (it stays ``received``; a retry is safe).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from anyio import CapacityLimiter, to_thread
from litestar import Litestar, Request, Response, get, post
from litestar.params import FromPath

from api.problems import problem_response
from channels.social import meta, vendor
from channels.social.signatures import (
    META_SIGNATURE_HEADER,
    SignatureCheck,
    check_meta_signature,
    check_vendor_signature,
)
from core import tenants
from core.db import Database
from core.errors import FieldProblem
from core.models.social import SocialAccount, SocialNetwork
from core.social.incoming import AccountView, IncomingPost
from core.social.intake import IntakeSummary, receive_posts, reject_raw, store_raw
from core.social.polling import account_view
from core.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER

log = structlog.get_logger(__name__)

WEBHOOK_MAX_BYTES = 1024 * 1024
SOCIAL_THREADS = 4
META_NETWORKS = frozenset({SocialNetwork.FACEBOOK, SocialNetwork.INSTAGRAM})
PUSH_NETWORKS = META_NETWORKS | {SocialNetwork.WEBHOOK}
PATH = "/webhooks/social/{tenant_slug:str}/{account_id:str}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to answer for a stored delivery: a body, or a problem with field errors."""

    status: int
    content: Any = None
    detail: str | None = None
    errors: tuple[FieldProblem, ...] = ()


def find_account(database: Database, tenant_slug: str, account_id: str) -> AccountView | None:
    """The active push account ``account_id`` of the tenant the slug names, else None."""
    try:
        wanted = uuid.UUID(account_id)
    except ValueError:
        return None
    with database.system_session() as session:
        tenant = tenants.get_by_slug(session, tenant_slug)
        tenant_id = tenant.id if tenant is not None else None
    if tenant_id is None:
        return None
    with database.tenant_session(tenant_id) as session:
        account = session.get(SocialAccount, (tenant_id, wanted))
        if account is None or not account.active or account.network not in PUSH_NETWORKS:
            return None
        return account_view(account)


def social_limiter(app: Litestar) -> CapacityLimiter:
    """How many social deliveries do database work at once (see voice_limiter)."""
    limiter = app.state.get("social_limiter")
    if limiter is None:
        limiter = CapacityLimiter(SOCIAL_THREADS)
        app.state["social_limiter"] = limiter
    return limiter


async def _account(
    request: Request[Any, Any, Any], tenant_slug: str, account_id: str
) -> AccountView | None:
    database: Database = request.app.state.database
    return await to_thread.run_sync(
        find_account, database, tenant_slug, account_id, limiter=social_limiter(request.app)
    )


@get(PATH, include_in_schema=False)
async def social_webhook_verification(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], account_id: FromPath[str]
) -> Response[Any]:
    """Meta's subscription handshake: echo ``hub.challenge`` for the right verify token."""
    account = await _account(request, tenant_slug, account_id)
    if account is None:
        return problem_response(request, 404, detail="no social webhook here")
    if account.network not in META_NETWORKS:
        return problem_response(
            request, 405, detail="this webhook takes POST only", headers={"Allow": "POST"}
        )
    query = request.query_params
    challenge = meta.verification_answer(
        account,
        mode=query.get("hub.mode"),
        token=query.get("hub.verify_token"),
        challenge=query.get("hub.challenge"),
    )
    if challenge is None:
        log.warning(
            "social.verification_rejected",
            tenant=tenant_slug,
            account_id=account_id,
            mode=query.get("hub.mode"),
        )
        return problem_response(request, 403, detail="wrong hub.verify_token or hub.mode")
    return Response(challenge, media_type="text/plain", status_code=200)


@post(PATH, status_code=200, include_in_schema=False, request_max_body_size=WEBHOOK_MAX_BYTES)
async def receive_social_webhook(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], account_id: FromPath[str]
) -> Response[Any]:
    """One pushed delivery: find the account, check its signature, store, parse, ingest."""
    account = await _account(request, tenant_slug, account_id)
    if account is None:
        return problem_response(request, 404, detail="no social webhook here")
    body = await request.body()
    if account.network in META_NETWORKS:
        header = META_SIGNATURE_HEADER
        check = check_meta_signature(
            account.credentials.get("app_secret"), body, request.headers.get(header)
        )
        handle: Callable[[Database, AccountView, bytes, str], Outcome] = _meta_delivery
    else:
        header = SIGNATURE_HEADER
        check = check_vendor_signature(
            account.credentials.get("secret"),
            body,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signatures=request.headers.get(SIGNATURE_HEADER),
        )
        handle = _vendor_delivery
    if not check.ok:
        return _refuse_signature(request, account, tenant_slug, header, check)
    database: Database = request.app.state.database
    content_type = request.headers.get("content-type", "application/json")
    outcome = await to_thread.run_sync(
        handle, database, account, body, content_type, limiter=social_limiter(request.app)
    )
    if outcome.content is None:
        return problem_response(
            request, outcome.status, detail=outcome.detail, errors=outcome.errors
        )
    media_type = "text/plain" if isinstance(outcome.content, str) else "application/json"
    return Response(outcome.content, media_type=media_type, status_code=outcome.status)


def _refuse_signature(
    request: Request[Any, Any, Any],
    account: AccountView,
    tenant_slug: str,
    header: str,
    check: SignatureCheck,
) -> Response[Any]:
    log.warning(
        "social.signature_rejected",
        tenant=tenant_slug,
        account_id=str(account.id),
        network=account.network.value,
        reason=check.reason,
        remote_addr=request.client.host if request.client else None,
    )
    detail = "stale signature" if check.reason == "stale" else f"missing or invalid {header}"
    return problem_response(request, 403, detail=detail)


def _meta_delivery(
    database: Database, account: AccountView, body: bytes, content_type: str
) -> Outcome:
    record_id = store_raw(
        database,
        tenant_id=account.tenant_id,
        payload=body,
        content_type=content_type,
        source="meta-webhook",
    )
    try:
        delivery = meta.parse_delivery(body, account)
    except meta.MalformedDelivery as exc:
        reject_raw(database, tenant_id=account.tenant_id, record_id=record_id, reason=str(exc))
        return Outcome(400, detail=str(exc))
    except meta.UnsupportedDelivery as exc:
        reject_raw(database, tenant_id=account.tenant_id, record_id=record_id, reason=str(exc))
        return Outcome(200, "EVENT_RECEIVED")
    if delivery.notes:
        log.warning(
            "social.meta_events_skipped",
            tenant_id=str(account.tenant_id),
            record_id=str(record_id),
            notes=delivery.notes[:20],
        )
        if not delivery.posts:
            reason = "; ".join(delivery.notes)
            reject_raw(database, tenant_id=account.tenant_id, record_id=record_id, reason=reason)
            return Outcome(200, "EVENT_RECEIVED")
    if _ingest(database, account, record_id, delivery.posts) is None:
        return Outcome(503, detail="the delivery is kept but could not be processed; retry")
    return Outcome(200, "EVENT_RECEIVED")


def _vendor_delivery(
    database: Database, account: AccountView, body: bytes, content_type: str
) -> Outcome:
    record_id = store_raw(
        database,
        tenant_id=account.tenant_id,
        payload=body,
        content_type=content_type,
        source="vendor-webhook",
    )
    try:
        posts = vendor.parse_batch(body)
    except vendor.MalformedBatch as exc:
        reject_raw(database, tenant_id=account.tenant_id, record_id=record_id, reason=str(exc))
        return Outcome(400, detail=str(exc))
    except vendor.InvalidBatch as exc:
        reject_raw(database, tenant_id=account.tenant_id, record_id=record_id, reason=str(exc))
        return Outcome(
            422, detail="the posts do not match the documented schema", errors=tuple(exc.problems)
        )
    summary = _ingest(database, account, record_id, posts)
    if summary is None:
        return Outcome(503, detail="the delivery is kept but could not be processed; retry")
    return Outcome(
        202,
        {
            "received": len(posts),
            "stored": summary.stored,
            "duplicates": summary.duplicates,
            "edited": summary.edited,
            "deleted": summary.deleted,
            "record_id": str(record_id),
        },
    )


def _ingest(
    database: Database, account: AccountView, record_id: uuid.UUID, posts: list[IncomingPost]
) -> IntakeSummary | None:
    """The intake's summary; None (logged) if it failed, the raw record staying ``received``."""
    try:
        return receive_posts(
            database,
            tenant_id=account.tenant_id,
            record_id=record_id,
            posts=posts,
            account_id=account.id,
        )
    except Exception:
        log.exception(
            "social.intake_failed", tenant_id=str(account.tenant_id), record_id=str(record_id)
        )
        return None
