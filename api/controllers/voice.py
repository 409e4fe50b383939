"""The phone channel's admin and agent API (the provider's webhooks: ``voice_webhooks``).

``/voice/account`` (the auth token is write-only), ``/voice/lines`` (IVR trees validated by
the phone channel, 422 naming the problem's path), ``/interactions`` (calls with their states'
times and handle time, D20; the agent's hold and unhold; the disposition that ends wrap-up),
``/callbacks``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from api.auth import Caller, Principal
from api.controllers.voice_webhooks import base_url, voice_directory
from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.voice import (
    CallbackIn,
    CallbackOut,
    CallOut,
    DispositionIn,
    VoiceAccountIn,
    VoiceAccountOut,
    VoiceLineCreate,
    VoiceLineOut,
    VoiceLineUpdate,
    WebhookUrls,
)
from channels.phone.ivr_schema import parse_tree
from channels.phone.urls import VoiceUrls, webhook_base
from core import callbacks, tenants
from core.calls import config, ending, hold, queries
from core.db import session_tenant
from core.models.callback_request import CallbackState
from core.models.interaction import Interaction, InteractionState
from core.models.voice_account import VoiceAccount
from core.models.voice_line import VoiceLine
from core.permissions import Action, allows


def _account_out(request: Request[Any, Any, Any], account: VoiceAccount, slug: str) -> Any:
    urls = VoiceUrls(webhook_base(base_url(request, account.public_base_url), slug))
    return VoiceAccountOut(
        account_sid=account.account_sid,
        auth_token_set=bool(account.auth_token),
        api_base_url=account.api_base_url,
        public_base_url=account.public_base_url,
        caller_id=account.caller_id,
        active=account.active,
        webhooks=WebhookUrls(incoming=urls.incoming(), status=urls.status()),
        created_at=account.created_at,
    )


def _slug(session: TenantSession) -> str:
    tenant = tenants.get(session, session_tenant(session))
    assert tenant is not None
    return tenant.slug


class VoiceAccountController(Controller):
    path = "/voice/account"
    opt = {"resource": "voice_account"}  # permissions: api.guards (it holds credentials)
    tags = ["voice"]

    @get("/", sync_to_thread=True, summary="The voice account", responses=problem_responses(404))
    def get_account(
        self, request: Request[Any, Any, Any], session: TenantSession
    ) -> VoiceAccountOut:
        return _account_out(request, config.get_account(session), _slug(session))

    @put(
        "/",
        sync_to_thread=True,
        summary="Create or replace the voice account (auth token write-only)",
        responses=problem_responses(),
    )
    def put_account(
        self,
        request: Request[Any, Any, Any],
        session: TenantSession,
        data: JSONBody[VoiceAccountIn],
    ) -> VoiceAccountOut:
        account = config.put_account(session, **data.model_dump())
        voice_directory(request.app).forget(session_tenant(session), _slug(session))
        return _account_out(request, account, _slug(session))


def ivr_queues(fields: dict[str, Any], language: str) -> dict[str, uuid.UUID]:
    """Validate the IVR tree (if sent) with the phone channel; the queues it names, by path."""
    if "ivr" not in fields:
        return {}
    tree = parse_tree(fields["ivr"], default_language=language)
    refs = {f"ivr.nodes.{n.id}.queue_id": n.queue_id for n in tree.nodes.values() if n.queue_id}
    if tree.vip is not None and tree.vip.queue_id is not None:
        refs["ivr.vip.queue_id"] = tree.vip.queue_id
    return refs


class VoiceLineController(Controller):
    path = "/voice/lines"
    opt = {"resource": "voice"}  # permissions: api.guards
    tags = ["voice"]

    @get("/", sync_to_thread=True, summary="List voice lines", responses=problem_responses())
    def list_lines(
        self, session: TenantSession, limit: Limit = DEFAULT_PAGE_SIZE, cursor: Cursor = None
    ) -> PageOut[VoiceLineOut]:
        return page_out(config.list_lines(session, limit=limit, cursor=cursor), _line_out)

    @post(
        "/",
        sync_to_thread=True,
        summary="Add a voice line with its IVR",
        responses=problem_responses(409),
    )
    def create_line(
        self,
        request: Request[Any, Any, Any],
        session: TenantSession,
        data: JSONBody[VoiceLineCreate],
    ) -> VoiceLineOut:
        fields = data.model_dump()
        refs = ivr_queues(fields, data.language)
        line = config.create_line(session, ivr_queues=refs, **fields)
        voice_directory(request.app).forget(session_tenant(session))
        return _line_out(line)

    @get(
        "/{line_id:uuid}",
        sync_to_thread=True,
        summary="Get a voice line",
        responses=problem_responses(404),
    )
    def get_line(self, session: TenantSession, line_id: FromPath[uuid.UUID]) -> VoiceLineOut:
        return _line_out(config.get_line(session, line_id=line_id))

    @patch(
        "/{line_id:uuid}",
        sync_to_thread=True,
        summary="Change a voice line",
        responses=problem_responses(404, 409),
    )
    def update_line(
        self,
        request: Request[Any, Any, Any],
        session: TenantSession,
        line_id: FromPath[uuid.UUID],
        data: JSONBody[VoiceLineUpdate],
    ) -> VoiceLineOut:
        changes = data.changes()
        language = changes.get("language") or config.get_line(session, line_id=line_id).language
        refs = ivr_queues(changes, language)
        line = config.update_line(session, line_id=line_id, changes=changes, ivr_queues=refs)
        voice_directory(request.app).forget(session_tenant(session))
        return _line_out(line)

    @delete(
        "/{line_id:uuid}",
        sync_to_thread=True,
        summary="Delete a line no call went through",
        responses=problem_responses(404, 409),
    )
    def delete_line(
        self, request: Request[Any, Any, Any], session: TenantSession, line_id: FromPath[uuid.UUID]
    ) -> None:
        config.delete_line(session, line_id=line_id)
        voice_directory(request.app).forget(session_tenant(session))


def _line_out(line: VoiceLine) -> VoiceLineOut:
    return VoiceLineOut.model_validate(line)


def call_out(call: Interaction) -> CallOut:
    return CallOut.model_validate(
        {**call.model_dump(), "handle_seconds": ending.handle_seconds(call)}
    )


def _own_calls_only(principal: Principal) -> bool:
    """Whether the caller is an agent acting on calls, who may act only on their own: those
    who may act for any agent (``agents:write``, as for presence and offers) may on anyone's;
    an API token acts for no agent, so its ``interactions:write`` covers every call."""
    return principal.user_id is not None and not allows(principal.permissions, Action.AGENTS_WRITE)


class InteractionController(Controller):
    path = "/interactions"
    opt = {"resource": "interactions"}  # permissions: api.guards
    tags = ["voice"]

    @get("/", sync_to_thread=True, summary="List calls", responses=problem_responses())
    def list_interactions(
        self,
        session: TenantSession,
        conversation_id: FromQuery[uuid.UUID | None] = None,
        contact_id: FromQuery[uuid.UUID | None] = None,
        agent_id: FromQuery[uuid.UUID | None] = None,
        call_state: Annotated[
            InteractionState | None, QueryParameter(name="state", description="in this state")
        ] = None,
        abandoned: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[CallOut]:
        """Newest first; every filter narrows."""
        page = queries.list_interactions(
            session,
            conversation_id=conversation_id,
            contact_id=contact_id,
            agent_id=agent_id,
            state=call_state,
            abandoned=abandoned,
            limit=limit,
            cursor=cursor,
        )
        return page_out(page, call_out)

    @get(
        "/{interaction_id:uuid}",
        sync_to_thread=True,
        summary="Get a call with its figures",
        responses=problem_responses(404),
    )
    def get_interaction(
        self, session: TenantSession, interaction_id: FromPath[uuid.UUID]
    ) -> CallOut:
        return call_out(queries.get_interaction(session, interaction_id=interaction_id))

    @post(
        "/{interaction_id:uuid}/hold",
        sync_to_thread=True,
        status_code=200,
        summary="Put a live call on hold (the caller stays connected; hold time counts)",
        responses=problem_responses(403, 404, 409),
    )
    def put_on_hold(
        self, session: TenantSession, principal: Caller, interaction_id: FromPath[uuid.UUID]
    ) -> CallOut:
        """409 unless the call is in progress and off hold; an agent may hold only their own
        call (403 for a colleague's), team leads any."""
        call = hold.hold_call(
            session,
            interaction_id=interaction_id,
            actor_user_id=principal.user_id,
            own_call_only=_own_calls_only(principal),
        )
        return call_out(call)

    @post(
        "/{interaction_id:uuid}/unhold",
        sync_to_thread=True,
        status_code=200,
        summary="Take a call off hold: the hold period is added to its hold time",
        responses=problem_responses(403, 404, 409),
    )
    def take_off_hold(
        self, session: TenantSession, principal: Caller, interaction_id: FromPath[uuid.UUID]
    ) -> CallOut:
        """409 unless the call is in progress and on hold; who may, as for hold."""
        call = hold.resume_call(
            session,
            interaction_id=interaction_id,
            actor_user_id=principal.user_id,
            own_call_only=_own_calls_only(principal),
        )
        return call_out(call)

    @post(
        "/{interaction_id:uuid}/disposition",
        sync_to_thread=True,
        status_code=200,
        summary="Record the call's disposition: ends the agent's wrap-up",
        responses=problem_responses(404, 409),
    )
    def disposition(
        self,
        session: TenantSession,
        interaction_id: FromPath[uuid.UUID],
        data: JSONBody[DispositionIn],
    ) -> CallOut:
        call = ending.submit_disposition(
            session,
            interaction_id=interaction_id,
            disposition=data.disposition,
            note=data.note,
            resolve=data.resolve,
        )
        return call_out(call)


class CallbackController(Controller):
    path = "/callbacks"
    opt = {"resource": "callbacks"}  # permissions: api.guards
    tags = ["voice"]

    @post(
        "/",
        sync_to_thread=True,
        summary="Ask for a call-back (placed by a worker)",
        responses=problem_responses(),
    )
    def request_callback(self, session: TenantSession, data: JSONBody[CallbackIn]) -> CallbackOut:
        request = callbacks.request_callback(
            session,
            number=data.number,
            source=data.source,
            conversation_id=data.conversation_id,
            contact_id=data.contact_id,
            due_at=data.due_at,
        )
        return CallbackOut.model_validate(request)

    @get("/", sync_to_thread=True, summary="List call-back requests", responses=problem_responses())
    def list_callbacks(
        self,
        session: TenantSession,
        callback_state: Annotated[
            CallbackState | None, QueryParameter(name="state", description="in this state")
        ] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[CallbackOut]:
        page = callbacks.list_callbacks(session, state=callback_state, limit=limit, cursor=cursor)
        return page_out(page, CallbackOut.model_validate)

    @get(
        "/{callback_id:uuid}",
        sync_to_thread=True,
        summary="Get a call-back request",
        responses=problem_responses(404),
    )
    def get_callback(self, session: TenantSession, callback_id: FromPath[uuid.UUID]) -> CallbackOut:
        return CallbackOut.model_validate(callbacks.get_callback(session, callback_id=callback_id))
