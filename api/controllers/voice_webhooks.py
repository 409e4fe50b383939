"""Voice webhooks, ``POST /webhooks/voice/{tenant_slug}/{step}``: the provider's protocol.

Outside /api/v1 and its API keys, authenticated by ``X-Twilio-Signature`` with the tenant's
account auth token only. Unknown tenant, step, line or call → 404; missing or wrong signature
→ 403 (and a log line); a body that is no form → 400; otherwise 200 with TwiML. Documented by
the provider, not by us, so they are left out of our OpenAPI schema. The step runs in a worker
thread (``channels.phone.webhooks.handle``); the tenant lookup is cached, so the incoming-call
webhook costs one thread hop and one transaction.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import structlog
from anyio import CapacityLimiter, to_thread
from litestar import Litestar, Request, Response, post
from litestar.params import FromPath

from api.problems import problem_response
from channels.phone.directory import VoiceDirectory
from channels.phone.params import MalformedWebhook, parse_form
from channels.phone.signature import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    is_authentic,
    requested_url,
)
from channels.phone.steps import STEPS
from channels.phone.urls import VoiceUrls, webhook_base
from channels.phone.webhooks import handle
from core.db import Database

log = structlog.get_logger(__name__)

WEBHOOK_MAX_BYTES = 64 * 1024
VOICE_THREADS = 4
XML = "application/xml"


def base_url(request: Request[Any, Any, Any], public_base_url: str | None) -> str:
    """Where the provider reaches us: the account's public base URL, else this request's."""
    return public_base_url or f"{request.url.scheme}://{request.url.netloc}"


def voice_limiter(app: Litestar) -> CapacityLimiter:
    """How many voice webhooks do their database work at once (the rest wait on the event
    loop). Few threads keep the interpreter lock from being passed around a crowd: under a
    burst, dozens of threads would each wait for it at every database round trip."""
    limiter = app.state.get("voice_limiter")
    if limiter is None:
        limiter = CapacityLimiter(VOICE_THREADS)
        app.state["voice_limiter"] = limiter
    return limiter


def voice_directory(app: Litestar) -> VoiceDirectory:
    """The app's voice directory (TTL caches), made on first use."""
    directory = app.state.get("voice_directory")
    if directory is None:
        directory = VoiceDirectory(app.state.database)
        app.state["voice_directory"] = directory
    return directory


@post(
    "/webhooks/voice/{tenant_slug:str}/{step:str}",
    status_code=200,
    include_in_schema=False,
    request_max_body_size=WEBHOOK_MAX_BYTES,
)
async def voice_webhook(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], step: FromPath[str]
) -> Response[Any]:
    """One provider webhook: find the tenant, check the signature, run the step, answer TwiML."""
    handler = STEPS.get(step)
    if handler is None:
        return problem_response(request, 404, detail="no such voice webhook")
    directory = voice_directory(request.app)
    found, tenant = directory.cached_tenant(tenant_slug)
    if not found:
        tenant = await to_thread.run_sync(directory.tenant, tenant_slug)
    if tenant is None or not tenant.active:
        return problem_response(request, 404, detail="no voice account here")
    body = await request.body()
    try:
        params = parse_form(body)
    except MalformedWebhook as exc:
        return problem_response(request, 400, detail=f"not a form body: {exc}")
    query = request.scope.get("query_string", b"").decode("latin-1")
    signature = request.headers.get(SIGNATURE_HEADER)
    url = requested_url(
        public_base_url=tenant.public_base_url,
        seen_url=str(request.url),
        path=request.scope.get("raw_path", b"").decode("latin-1") or request.url.path,
        query=query,
    )
    if not is_authentic(
        auth_token=tenant.auth_token,
        url=url,
        params=params,
        signature=signature,
        settings_header=request.headers.get(SIGNATURE_SETTINGS_HEADER),
    ):
        client = request.client.host if request.client else None
        log.warning(
            "voice.signature_rejected",
            tenant=tenant_slug,
            step=step,
            reason="missing" if not signature else "mismatch",
            url=url,
            remote_addr=client,
            call_sid=params.get_one("CallSid"),
        )
        return problem_response(request, 403, detail="missing or invalid X-Twilio-Signature")
    urls = VoiceUrls(webhook_base(base_url(request, tenant.public_base_url), tenant_slug))
    database: Database = request.app.state.database
    answer = await to_thread.run_sync(
        lambda: handle(
            database=database,
            directory=directory,
            tenant=tenant,
            urls=urls,
            step=handler,
            step_name=step,
            params=params,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            body=body,
            remote_addr=request.client.host if request.client else None,
        ),
        limiter=voice_limiter(request.app),
    )
    if answer.twiml is None:
        return problem_response(request, answer.status, detail=answer.detail)
    return Response(answer.twiml, media_type=XML, status_code=200)
