"""The JSON side of a public form: its definition, the submission endpoint, and CORS per form.

A request with an ``Origin`` the form does not list gets no CORS grant; its POST is refused
(403) unless it comes from the platform's own origin. The preflight is granted to listed
origins only. Requests without Origin (servers, scripts) are not browsers and are served.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from api.controllers.form_requests import (
    FORM_TYPES,
    find_form,
    media_type,
    parse_form_body,
    parse_json_body,
    submit_parsed,
)
from api.problems import problem_response
from api.schemas.forms import SubmissionAccepted
from channels.webform.captcha import widget_for
from channels.webform.intake import Answer
from channels.webform.messages import pick_language, text
from channels.webform.public_forms import PublicForm
from channels.webform.rendering import public_definition, reference_text
from core.forms.service import normalize_origin
from core.models.web_form import WebForm
from core.settings import Settings

JSON_BODY_MAX = 256 * 1024
PREFLIGHT_HEADERS = "Content-Type, Idempotency-Key, Accept-Language"
ALLOW = {"Allow": "GET, POST, OPTIONS"}


def definition_response(request: Request[Any, Any, Any], found: PublicForm) -> Response[Any]:
    """The definition in ``?lang=`` (else the form's language), cacheable per origin."""
    settings: Settings = request.app.state.settings
    language = pick_language(request.query_params.get("lang"), None, found.form.default_language)
    body = public_definition(
        found.form,
        found.definition,
        language=language,
        submit_url=str(request.url.with_replacements(query="")),
        widget=widget_for(settings),
    )
    headers = {"Cache-Control": "public, max-age=60", "Vary": "Origin"}
    headers.update(cors_grant(request, found.form))
    return Response(body, headers=headers)


async def json_submission(
    request: Request[Any, Any, Any], tenant_slug: str, slug: str
) -> Response[Any]:
    """POST of the JSON endpoint: JSON or multipart in, the reference or problems out."""
    kind = media_type(request)
    if kind == "application/json":
        raw = await request.body()
        if len(raw) > JSON_BODY_MAX:
            return problem_response(request, 413, detail=f"at most {JSON_BODY_MAX} bytes of JSON")
        parsed = parse_json_body(raw)
    elif kind in FORM_TYPES:
        parsed = await parse_form_body(request)
    else:
        return problem_response(request, 415, detail="send application/json or multipart/form-data")
    if parsed is None:
        return problem_response(request, 400, detail="the body is not well-formed")
    found = await find_form(request, tenant_slug, slug)
    if found is None:
        return problem_response(request, 404, detail="no such form")
    origin = request.headers.get("origin")
    cors = cors_grant(request, found.form)
    if origin is not None and not cors and not _same_origin(request, origin):
        return problem_response(request, 403, detail="this origin may not submit this form")
    if parsed.problems:
        return problem_response(
            request, 422, detail="the body is not a submission", errors=parsed.problems
        )
    language = pick_language(
        parsed.language or request.query_params.get("lang"),
        request.headers.get("accept-language"),
        found.form.default_language,
    )
    source = "embed" if cors else "json"
    key = request.headers.get("idempotency-key")
    answer = await submit_parsed(request, found, parsed, language, source=source, key=key)
    return _answer(request, answer, cors)


async def preflight(request: Request[Any, Any, Any], tenant_slug: str, slug: str) -> Response[None]:
    """The CORS preflight: granted to the form's listed origins for GET and POST only."""
    found = await find_form(request, tenant_slug, slug)
    if found is None:
        return Response(None, status_code=404, headers=ALLOW)
    cors = cors_grant(request, found.form)
    method = request.headers.get("access-control-request-method", "").upper()
    if not cors or method not in ("GET", "POST"):
        return Response(None, status_code=403, headers={**ALLOW, "Vary": "Origin"})
    grant = {
        **cors,
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": PREFLIGHT_HEADERS,
        "Access-Control-Max-Age": "600",
    }
    return Response(None, status_code=204, headers={**ALLOW, **grant})


def cors_grant(request: Request[Any, Any, Any], form: WebForm) -> dict[str, str]:
    """The CORS grant for the request's Origin, if the form lists it; else nothing."""
    origin = request.headers.get("origin")
    normalized = normalize_origin(origin) if origin else None
    if normalized is None or normalized not in form.allowed_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": str(origin),
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


def _answer(request: Request[Any, Any, Any], answer: Answer, cors: dict[str, str]) -> Response[Any]:
    if answer.reference is not None:
        reference = reference_text(answer.reference.number)
        key = "already_received" if answer.reference.duplicate else "thanks"
        body = SubmissionAccepted(
            reference=reference,
            number=answer.reference.number,
            duplicate=answer.reference.duplicate,
            message=text(key, answer.language, reference=reference),
        )
        return Response(body, status_code=answer.status, headers=cors)
    headers = dict(cors)
    if answer.retry_after_seconds is not None:
        headers["Retry-After"] = str(answer.retry_after_seconds)
    return problem_response(
        request, answer.status, detail=answer.detail, errors=answer.problems, headers=headers
    )


def _same_origin(request: Request[Any, Any, Any], origin: str) -> bool:
    own = normalize_origin(f"{request.url.scheme}://{request.url.netloc}")
    return own is not None and normalize_origin(origin) == own
