"""Calls we make through the provider's REST API: bridging a waiting caller, placing call-backs.

Each claims its work in one transaction (so it happens once however often the job runs),
calls the provider outside any transaction, and records the outcome in another. A transient
provider failure raises ProviderError for the worker to retry; a permanent one is recorded.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from channels.phone.rest import ProviderError, VoiceAccountCredentials, VoiceRest
from channels.phone.urls import tenant_urls
from core import callbacks
from core.calls import bridging
from core.calls.config import VoiceTenant, session_voice_tenant
from core.db import Database

log = structlog.get_logger(__name__)


def _rest(account: VoiceTenant) -> VoiceRest:
    return VoiceRest(
        VoiceAccountCredentials(account.account_sid, account.auth_token, account.api_base_url)
    )


def bridge_call(
    database: Database, *, tenant_id: uuid.UUID, conversation_id: uuid.UUID, agent_id: uuid.UUID
) -> dict[str, Any]:
    """Redirect the call waiting on the conversation to the bridge URL, which dials the agent.

    Nothing to do (no call waits, it went elsewhere, no account) is a result, not an error; a
    call the provider no longer has (hung up meanwhile) is left to its status callback.
    """
    with database.tenant_unit(tenant_id) as session:
        account = session_voice_tenant(session)
        if account is None or not account.active:
            return {"bridged": None, "reason": "no active voice account"}
        target = bridging.claim_for_agent(
            session, conversation_id=conversation_id, agent_id=agent_id
        )
    if target is None:
        return {"bridged": None, "reason": "no call waits for this agent"}
    urls = tenant_urls(public_base_url=account.public_base_url, slug=account.slug)
    try:
        _rest(account).redirect_call(target.call_sid, urls.bridge(target.call_sid))
    except ProviderError as exc:
        if not exc.permanent:
            raise
        log.warning("voice.bridge_refused", call_sid=target.call_sid, reason=str(exc))
        return {"bridged": None, "call_sid": target.call_sid, "reason": str(exc)}
    log.info("voice.bridged", call_sid=target.call_sid, agent_id=str(agent_id))
    return {"bridged": target.call_sid, "agent_id": str(agent_id)}


def place_callback(
    database: Database, *, tenant_id: uuid.UUID, callback_id: uuid.UUID
) -> dict[str, Any]:
    """Dial a due call-back once; its answer and status come back as webhooks.

    Provider failures are recorded on the request (retried later by the sweep while attempts
    remain), never raised: a second job run must not dial twice.
    """
    with database.tenant_unit(tenant_id) as session:
        dial = callbacks.claim_due(session, callback_id=callback_id)
        if dial is None:
            return {"placed": None, "reason": "not due, or taken already"}
        account = session_voice_tenant(session)
        problem = None
        if account is None or not account.active:
            problem = "no active voice account"
        elif dial.caller_id is None:
            problem = "no caller id: set the account's caller_id or add a line"
        if problem is not None:
            callbacks.record_failure(
                session, callback_id=callback_id, reason=problem, permanent=True
            )
            return {"placed": None, "reason": problem}
    assert account is not None and dial.caller_id is not None
    urls = tenant_urls(public_base_url=account.public_base_url, slug=account.slug)
    try:
        call_sid = _rest(account).place_call(
            to=dial.number,
            from_=dial.caller_id,
            url=urls.outbound(callback_id),
            status_callback=urls.status(callback_id),
        )
    except ProviderError as exc:
        with database.tenant_unit(tenant_id) as session:
            callbacks.record_failure(
                session, callback_id=callback_id, reason=str(exc), permanent=exc.permanent
            )
        log.warning("voice.callback_failed", callback_id=str(callback_id), reason=str(exc))
        return {"placed": None, "reason": str(exc)}
    with database.tenant_unit(tenant_id) as session:
        callbacks.record_dialled(session, callback_id=callback_id, call_sid=call_sid)
    log.info("voice.callback_placed", callback_id=str(callback_id), call_sid=call_sid)
    return {"placed": call_sid, "attempt": dial.attempt}


def place_due_callbacks(database: Database) -> int:
    """The periodic sweep: dial every call-back that is due (later ones, retries); how many."""
    placed = 0
    for tenant_id, callback_id in callbacks.due_callbacks(database):
        try:
            result = place_callback(database, tenant_id=tenant_id, callback_id=callback_id)
        except Exception:
            log.exception("voice.callback_sweep_failed", callback_id=str(callback_id))
            continue
        placed += result.get("placed") is not None
    return placed
