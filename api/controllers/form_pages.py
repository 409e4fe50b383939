"""Public web forms, outside /api/v1 and without credentials: the hosted page, the embed
script, the form's JSON definition and the JSON endpoint.

- ``GET /forms/{tenant}/{form}``: the page (``?lang=`` or Accept-Language); ``POST`` of it is
  CSRF-checked and answers a page: the reference (200), the form again with per-field messages
  and the entered values (4xx), too many submissions (429).
- ``GET /forms/{tenant}/{form}.json``: the definition the embed renders (CORS per form).
- ``POST /forms/{tenant}/{form}.json``: JSON or multipart; 201 with the reference (200 for a
  replay with the same ``Idempotency-Key``), 422 per-field messages, 429 with Retry-After,
  413/415 attachments (and an oversized body), 400 honeypot or malformed body, 403 from an
  origin not on the form's allow-list, 503 captcha provider unreachable.
- ``OPTIONS`` of the JSON endpoint: the CORS preflight, granted only to listed origins.
- ``GET /forms/{tenant}/{form}/embed.js``: the script.

Unknown tenant or form, or an inactive form: 404. Litestar matches whole path segments, so
``{form}.json`` arrives as the form segment and is told apart here; these routes are left out
of the OpenAPI schema (they are not the tenant API).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get, post, route
from litestar.datastructures import Cookie
from litestar.enums import HttpMethod
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath

from api.controllers.form_json import ALLOW, definition_response, json_submission, preflight
from api.controllers.form_requests import (
    FORM_TYPES,
    find_form,
    media_type,
    parse_form_body,
    split_ref,
    submit_parsed,
)
from api.problems import problem_response
from channels.webform import csrf
from channels.webform.captcha import widget_for
from channels.webform.intake import Answer
from channels.webform.messages import pick_language, text
from channels.webform.public_forms import PublicForm
from channels.webform.rendering import (
    render_done_page,
    render_form_page,
    render_message_page,
)
from core.errors import FieldProblem
from core.models.web_form import WebForm
from core.settings import Settings

EMBED_SCRIPT = Path(__file__).resolve().parents[2] / "channels" / "webform" / "embed.js"
REQUEST_MAX = 51 * 1024 * 1024  # 5 attachments of 10 MB, and the fields
HTML = "text/html; charset=utf-8"
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'"
)
CAPTCHA_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline' https:; img-src 'self' data: https:; "
    "script-src https:; frame-src https:; connect-src https:; form-action 'self'; base-uri 'none'"
)


@lru_cache(maxsize=1)
def _embed_script() -> bytes:
    return EMBED_SCRIPT.read_bytes()


# --- the hosted page ------------------------------------------------------------------------


@get("/forms/{tenant_slug:str}/{form_ref:str}", include_in_schema=False)
async def form_page(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], form_ref: FromPath[str]
) -> Response[Any]:
    """The hosted page, or with ``.json`` the public definition."""
    slug, is_json = split_ref(form_ref)
    found = await find_form(request, tenant_slug, slug)
    if is_json:
        if found is None:
            return problem_response(request, 404, detail="no such form")
        return definition_response(request, found)
    language = _page_language(request, found)
    if found is None:
        return _message(language, 404, "not_found")
    return _page(request, found, language=language, browser=_browser(request, found))


@post(
    "/forms/{tenant_slug:str}/{form_ref:str}",
    include_in_schema=False,
    request_max_body_size=REQUEST_MAX,
    status_code=200,
)
async def form_post(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], form_ref: FromPath[str]
) -> Response[Any]:
    """The hosted page's POST, or with ``.json`` the JSON endpoint."""
    slug, is_json = split_ref(form_ref)
    if is_json:
        return await json_submission(request, tenant_slug, slug)
    return await _page_submission(request, tenant_slug, slug)


async def _page_submission(
    request: Request[Any, Any, Any], tenant_slug: str, slug: str
) -> Response[Any]:
    settings: Settings = request.app.state.settings
    found = await find_form(request, tenant_slug, slug)
    if found is None:
        return _message(_page_language(request, None), 404, "not_found")
    if media_type(request) not in FORM_TYPES:
        return _message(_page_language(request, found), 415, "unavailable")
    try:
        parsed = await parse_form_body(request)
    except RequestEntityTooLarge:
        return _message(_page_language(request, found), 413, "too_large")
    if parsed is None:
        return _message(_page_language(request, found), 400, "unavailable")
    language = pick_language(
        parsed.language or request.query_params.get("lang"),
        request.headers.get("accept-language"),
        found.form.default_language,
    )
    browser_id = request.cookies.get(csrf.COOKIE_NAME)
    nonce = csrf.check_token(
        settings.webform_secret,
        parsed.csrf_token,
        form_id=found.form.id,
        browser_id=browser_id,
        max_age_seconds=settings.webform_token_max_age_seconds,
    )
    if nonce is None:
        return _page(
            request,
            found,
            language=language,
            browser=_browser(request, found),
            values=parsed.values,
            notice=text("csrf", language),
            status=403,
        )
    if parsed.problems:
        answer = Answer(422, language, problems=parsed.problems, detail=text("invalid", language))
    else:
        answer = await submit_parsed(request, found, parsed, language, source="hosted", key=nonce)
    if answer.reference is not None:
        html = render_done_page(
            found.form,
            found.definition,
            language=language,
            number=answer.reference.number,
            duplicate=answer.reference.duplicate,
        )
        return Response(html, media_type=HTML, headers=_page_headers(found.form), status_code=200)
    if answer.status == 429:
        response = _message(language, 429, None, detail=answer.detail)
        response.headers["Retry-After"] = str(answer.retry_after_seconds or 60)
        return response
    if answer.status == 400:
        return _message(language, 400, "honeypot")
    return _page(
        request,
        found,
        language=language,
        browser=Browser(str(browser_id), str(parsed.csrf_token), set_cookie=False),
        values=parsed.values,
        problems=answer.problems,
        summary=answer.detail,
        status=answer.status,
    )


@dataclass(frozen=True, slots=True)
class Browser:
    """Who a page is rendered for: the browser id (its cookie), and the page's CSRF token."""

    id: str
    token: str
    set_cookie: bool


def _browser(request: Request[Any, Any, Any], found: PublicForm) -> Browser:
    """The browser's id from its cookie (a new one, to be set, if it has none) and a fresh token."""
    settings: Settings = request.app.state.settings
    browser_id = request.cookies.get(csrf.COOKIE_NAME)
    fresh = browser_id is None or not csrf.valid_browser_id(browser_id)
    if browser_id is None or fresh:
        browser_id = csrf.new_browser_id()
    token = csrf.issue_token(settings.webform_secret, form_id=found.form.id, browser_id=browser_id)
    return Browser(browser_id, token, set_cookie=fresh)


def _page(
    request: Request[Any, Any, Any],
    found: PublicForm,
    *,
    language: str,
    browser: Browser,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    summary: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response[Any]:
    settings: Settings = request.app.state.settings
    html = render_form_page(
        found.form,
        found.definition,
        language=language,
        action=f"{request.url.path}?lang={language}",
        csrf_token=browser.token,
        widget=widget_for(settings),
        values=values,
        problems=problems or [],
        summary=summary,
        notice=notice,
    )
    cookies = []
    if browser.set_cookie:
        cookies.append(
            Cookie(
                key=csrf.COOKIE_NAME,
                value=browser.id,
                path=csrf.COOKIE_PATH,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                max_age=settings.webform_token_max_age_seconds * 6,
            )
        )
    return Response(
        html,
        media_type=HTML,
        status_code=status,
        headers=_page_headers(found.form),
        cookies=cookies,
    )


def _page_headers(form: WebForm) -> dict[str, str]:
    policy = CAPTCHA_POLICY if form.captcha else PAGE_POLICY
    return {**PAGE_HEADERS, "Content-Security-Policy": policy}


def _message(
    language: str, status: int, key: str | None, *, detail: str | None = None
) -> Response[Any]:
    message = detail or text(key or "unavailable", language)
    html = render_message_page(language=language, title=message, message=message)
    return Response(html, media_type=HTML, status_code=status, headers=dict(PAGE_HEADERS))


def _page_language(request: Request[Any, Any, Any], found: PublicForm | None) -> str:
    return pick_language(
        request.query_params.get("lang"),
        request.headers.get("accept-language"),
        found.form.default_language if found else "en",
    )


@route(
    "/forms/{tenant_slug:str}/{form_ref:str}",
    http_method=[HttpMethod.OPTIONS],
    include_in_schema=False,
    status_code=204,
)
async def form_preflight(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], form_ref: FromPath[str]
) -> Response[None]:
    """CORS preflight of the JSON endpoint (api.controllers.form_json); the page needs none."""
    slug, is_json = split_ref(form_ref)
    if not is_json:
        return Response(None, status_code=204, headers=ALLOW)
    return await preflight(request, tenant_slug, slug)


@get("/forms/{tenant_slug:str}/{form_slug:str}/embed.js", include_in_schema=False)
async def embed_script(
    request: Request[Any, Any, Any], tenant_slug: FromPath[str], form_slug: FromPath[str]
) -> Response[bytes]:
    """The embed script; the form it belongs to is in its own URL."""
    found = await find_form(request, tenant_slug, form_slug)
    if found is None:
        return Response(b"/* no such form */", status_code=404, media_type="application/javascript")
    return Response(
        _embed_script(),
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
