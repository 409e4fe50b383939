"""RFC 9457 problem details: every error the API answers, mapped here and nowhere else.

Mapping of domain errors: NotFoundError and TenantScopeError → 404 (another tenant's object
is simply not found), ConflictError → 409, InvalidInputError → 422 with field errors,
AuthenticationError → 401, PermissionDeniedError → 403, RateLimitedError → 429 with
Retry-After. Request validation: malformed JSON → 400, fields that do not fit
the schema → 422 with one entry per field, a malformed id in the path → 404. Anything
unexpected → 500, logged, with no internals in the answer.

Ids in a request: the object a request addresses (path ids, the contact a conversation is
opened for, the contact merged in) answers 404 when this tenant has no such object; ids that
configure an object (queue_id, assignee_id, org_unit_id, parent_id) answer 422 on that field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from core.db import TenantScopeError
from core.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    FieldProblem,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)

log = structlog.get_logger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:switchboard:problem:"

ExceptionHandler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]


class FieldError(BaseModel):
    """One field that was rejected, as a dotted path into the request (``identities.0.kind``)."""

    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="URI naming the kind of problem")
    title: str = Field(description="short summary of the kind of problem")
    status: int = Field(description="the HTTP status code")
    detail: str | None = Field(default=None, description="what went wrong this time")
    instance: str | None = Field(default=None, description="the request path")
    errors: list[FieldError] | None = Field(
        default=None, description="per-field messages, for validation problems"
    )


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems a route can answer (400, 401, 403 and 422 always)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in sorted({400, 401, 403, 422, *statuses})
    }


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    *,
    detail: str | None = None,
    errors: Iterable[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> Response[dict[str, Any]]:
    """A problem+json response; ``type`` and ``title`` follow the status, one pair per status."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    error_list = [{"field": e.field, "message": e.message} for e in errors]
    if error_list:
        body["errors"] = error_list
    return Response(
        content=body,
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=dict(headers or {}),
    )


def _domain_error(status: int) -> ExceptionHandler:
    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        assert isinstance(exc, DomainError)
        problems = exc.problems if isinstance(exc, InvalidInputError) else []
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
        if isinstance(exc, RateLimitedError):
            headers["Retry-After"] = str(exc.retry_after)
        return problem_response(
            request, status, detail=exc.detail, errors=problems, headers=headers
        )

    return handle


def _tenant_scope_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("api.cross_tenant_access", path=request.url.path, error=str(exc))
    return problem_response(request, 404, detail="not found")


def _validation_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, ValidationException)
    extra = exc.extra if isinstance(exc.extra, list) else []
    fields = [e for e in extra if isinstance(e, dict) and e.get("key")]
    if any(e.get("source") == "path" for e in fields):
        return problem_response(request, 404, detail="no such object")
    if not fields:
        return problem_response(request, 400, detail=exc.detail)
    return problem_response(
        request,
        422,
        detail="the request does not match the schema",
        errors=[FieldProblem(str(e["key"]), str(e.get("message", "invalid"))) for e in fields],
    )


def _http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if exc.detail != HTTPStatus(status).phrase else None
    if status >= 500:
        log.error("api.server_error", path=request.url.path, exc_info=exc)
        detail = "an unexpected error occurred"
    return problem_response(request, status, detail=detail, headers=exc.headers)


def _too_deep(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """JSON nested beyond what the parser recurses into: malformed input, not a crash."""
    return problem_response(request, 400, detail="the request is nested too deeply")


def _integrity_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A constraint the services' checks missed (a race, say): the data conflicts, not a crash."""
    log.warning("api.integrity_error", path=request.url.path, error=str(exc).splitlines()[0])
    return problem_response(request, 409, detail="the change conflicts with existing data")


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("api.unhandled_error", path=request.url.path, exc_info=exc)
    return problem_response(request, 500, detail="an unexpected error occurred")


EXCEPTION_HANDLERS: dict[type[Exception], ExceptionHandler] = {
    NotFoundError: _domain_error(404),
    ConflictError: _domain_error(409),
    InvalidInputError: _domain_error(422),
    AuthenticationError: _domain_error(401),
    PermissionDeniedError: _domain_error(403),
    RateLimitedError: _domain_error(429),
    TenantScopeError: _tenant_scope_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    IntegrityError: _integrity_error,
    RecursionError: _too_deep,
    Exception: _unexpected_error,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_MEDIA_TYPE",
    "FieldError",
    "Problem",
    "problem_response",
    "problem_responses",
]
