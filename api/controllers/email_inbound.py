"""POST /webhooks/email/{mailbox_address}: raw RFC 5322 mail from a relay that speaks HTTP.

Outside /api/v1 and its API keys: each mailbox has its own token (``Authorization: Bearer``),
so a mail relay holds a credential for one address and nothing else. Answers: 401 no or
unknown token, 404 no such mailbox, 403 a token of another mailbox, 413 over the mailbox's
size, 415 not a mail body, 202 with the stored record (whatever became of the mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from anyio import to_thread
from litestar import Request, Response, post
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath
from pydantic import BaseModel, Field

from api.auth import bearer_token
from api.problems import problem_response, problem_responses
from channels.email.inbound import receive_email
from core import mailboxes
from core.db import Database
from core.models.inbound_record import InboundState
from core.models.mailbox import Mailbox
from core.storage import BlobStore

MAIL_TYPES = frozenset({"message/rfc822", "application/octet-stream", "text/plain"})
WEBHOOK_MAX_BYTES = 30 * 1024 * 1024


class EmailReceivedOut(BaseModel):
    """The stored record of the mail and what became of it."""

    record_id: str = Field(description="the raw record, kept whatever the state")
    state: InboundState
    conversation_id: str | None = None
    message_id: str | None = None
    reason: str | None = None


@dataclass
class RawMailOperation(Operation):
    """The schema entry: the body is the mail's bytes (read raw, not decoded by Litestar)."""

    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(
            schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
        )
        self.request_body = RequestBody(
            content={"application/octet-stream": binary},
            description="the raw RFC 5322 mail; message/rfc822 is accepted too",
            required=True,
        )


def _refuse(
    request: Request[Any, Any, Any], status: int, **fields: Any
) -> Response[EmailReceivedOut]:
    """A problem+json answer, typed as the handler's so the schema shows the 202 body."""
    return cast("Response[EmailReceivedOut]", problem_response(request, status, **fields))


def _authorize(database: Database, address: str, secret: str) -> tuple[int, Mailbox | None]:
    with database.system_session() as session:
        owner = mailboxes.mailbox_for_token(session, secret)
        if owner is None:
            return 401, None
        target = mailboxes.find_by_address(session, address)
    if target is None:
        return 404, None
    if target.id != owner.id:
        return 403, None
    return 200, target


@post(
    "/webhooks/email/{mailbox_address:str}",
    status_code=202,
    tags=["webhooks"],
    summary="Deliver one raw email to a mailbox",
    description="Body: the message as RFC 5322 bytes (message/rfc822 or octet-stream). "
    "Authenticate with the mailbox's own token: `Authorization: Bearer sbm_...`. The raw mail "
    "is stored before it is parsed; 202 means it is kept, whatever its state.",
    responses=problem_responses(403, 404, 413, 415),
    request_max_body_size=WEBHOOK_MAX_BYTES,
    operation_class=RawMailOperation,
)
async def receive_raw_email(
    request: Request[Any, Any, Any],
    mailbox_address: FromPath[str],
) -> Response[EmailReceivedOut]:
    secret = bearer_token(request.headers.get("authorization"))
    if secret is None:
        return _refuse(
            request,
            401,
            detail="send the mailbox token as 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    database: Database = request.app.state.database
    status, mailbox = await to_thread.run_sync(_authorize, database, mailbox_address, secret)
    if mailbox is None:
        details = {401: "unknown mailbox token", 403: "this token is for another mailbox"}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return _refuse(
            request, status, detail=details.get(status, "no such mailbox"), headers=headers
        )
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type not in MAIL_TYPES:
        return _refuse(request, 415, detail="send the mail as message/rfc822")
    raw = await request.body()
    if len(raw) > mailbox.max_message_bytes:
        return _refuse(
            request, 413, detail=f"the mailbox takes at most {mailbox.max_message_bytes} bytes"
        )
    if not raw.strip():
        return _refuse(request, 400, detail="empty body")
    store: BlobStore = request.app.state.blob_store
    outcome = await to_thread.run_sync(
        lambda: receive_email(database, mailbox=mailbox, raw=raw, source="webhook", store=store)
    )
    body = EmailReceivedOut(
        record_id=str(outcome.record_id),
        state=outcome.state,
        conversation_id=str(outcome.result.conversation_id) if outcome.result else None,
        message_id=str(outcome.result.message_id) if outcome.result else None,
        reason=outcome.reason,
    )
    return Response(body, status_code=202)
