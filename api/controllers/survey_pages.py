"""The public survey page a customer opens from the link in our reply (core.csat.survey_link).

- ``GET /survey/{token}``: the question, 1 to 5 and an optional comment, in the
  conversation's language (``?lang=zh|en`` or Accept-Language otherwise); a page saying so when
  the conversation has been answered already.
- ``POST /survey/{token}``: records the answer (200 thanks), 409 when it was answered already,
  422 with the form again for a missing score or an overlong comment, 403 with the form again
  when the CSRF check fails.
- A token that is not ours, or names no conversation: 404; an expired one: 410. Never a 500.

The token is the customer's capability: signed and tenant-bound, so it works without an
account. The form is CSRF-protected as the hosted web forms are (channels.webform.csrf): a
random browser id in a SameSite=Lax cookie scoped to ``/survey/``, and an HMAC token over it
and the conversation, so a cross-site POST cannot answer for the customer. Outside /api/v1
and the OpenAPI schema; ``Referrer-Policy: no-referrer`` keeps the token out of other sites'
logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import sqlalchemy as sa
from anyio import to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import ClientException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from sqlmodel import col

from api.controllers.form_requests import FORM_TYPES, media_type
from channels.webform import csrf
from channels.webform.messages import pick_language
from channels.webform.rendering import page_environment
from core import csat
from core.db import Database
from core.errors import ConflictError, NotFoundError
from core.models.conversation import Conversation
from core.models.csat import COMMENT_MAX, SCORE_MAX, SCORE_MIN
from core.models.tenant import Tenant
from core.settings import Settings

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
HTML = "text/html; charset=utf-8"
COOKIE_NAME = "sb_survey_browser"
COOKIE_PATH = csat.SURVEY_PATH
FORM_MAX_BYTES = 16 * 1024
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}

TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "How did we do?",
        "about": "About your request {reference}: {subject}",
        "about_plain": "About your request {reference}",
        "question": "How satisfied are you with how we handled your request?",
        "scale": ["Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"],
        "comment": "Anything you would like to tell us? (optional)",
        "submit": "Send",
        "language": "Language",
        "thanks_title": "Thank you",
        "thanks": "Your answer has been recorded. Thank you for telling us.",
        "already": "This survey has been answered already. Thank you!",
        "not_found": "This survey link is not valid. Please use the link from our message.",
        "expired": "This survey link has expired.",
        "csrf": "This page had expired. Please choose your answer again and send it.",
        "choose": f"Please choose a score from {SCORE_MIN} to {SCORE_MAX}.",
        "too_long": f"Please keep your comment under {COMMENT_MAX:,} characters.",
        "unavailable": "The survey could not be sent. Please try again.",
    },
    "zh": {
        "title": "您对我们的服务满意吗？",
        "about": "关于您的请求 {reference}：{subject}",
        "about_plain": "关于您的请求 {reference}",
        "question": "您对本次问题处理的满意程度如何？",
        "scale": ["非常不满意", "不满意", "一般", "满意", "非常满意"],
        "comment": "还有什么想告诉我们的吗？（选填）",
        "submit": "提交",
        "language": "语言",
        "thanks_title": "感谢您的反馈",
        "thanks": "我们已收到您的评价，谢谢！",
        "already": "本次调查已经提交过了，谢谢！",
        "not_found": "此调查链接无效，请使用我们消息中的链接。",
        "expired": "此调查链接已过期。",
        "csrf": "页面已过期，请重新选择并提交。",
        "choose": f"请选择 {SCORE_MIN} 到 {SCORE_MAX} 分。",
        "too_long": f"意见请不超过 {COMMENT_MAX} 字。",
        "unavailable": "提交失败，请重试。",
    },
}


def _environment() -> jinja2.Environment:
    return page_environment(TEMPLATES)


@dataclass(frozen=True, slots=True)
class Survey:
    """What the page shows of the conversation the token names."""

    ticket: csat.SurveyTicket
    number: int
    subject: str
    language: str | None
    tenant_name: str
    answered: bool


@get("/survey/{token:str}", include_in_schema=False)
async def survey_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """The survey, or a page saying why it cannot be answered."""
    found = await _survey(request, token)
    if isinstance(found, Response):
        return found
    language = _language(request, found.language)
    if found.answered:
        return _message(language, 200, "already", tenant_name=found.tenant_name)
    return _form(request, found, language=language, browser=_browser(request, found))


@post(
    "/survey/{token:str}",
    include_in_schema=False,
    request_max_body_size=FORM_MAX_BYTES,
    status_code=200,
)
async def survey_answer(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """Record the customer's answer."""
    settings: Settings = request.app.state.settings
    found = await _survey(request, token)
    if isinstance(found, Response):
        return found
    language = _language(request, found.language)
    if media_type(request) not in FORM_TYPES:
        return _message(language, 415, "unavailable")
    try:
        form = await request.form()
        values = {str(k): v for k, v in form.multi_items() if isinstance(v, str)}
    except RequestEntityTooLarge:
        return _message(language, 413, "too_long")
    except (ClientException, ValidationException, UnicodeDecodeError, LookupError, ValueError):
        return _message(language, 400, "unavailable")
    score_text = values.get("score", "").strip()
    comment = values.get("comment", "").replace("\x00", "")
    browser_id = request.cookies.get(COOKIE_NAME)
    checked = csrf.check_token(
        settings.webform_secret,
        values.get("csrf_token"),
        form_id=found.ticket.conversation_id,
        browser_id=browser_id,
        max_age_seconds=settings.webform_token_max_age_seconds,
    )
    chosen = int(score_text) if score_text in _SCORES else None
    if checked is None:
        browser = _browser(request, found)
        return _form(request, found, language=language, browser=browser, chosen=chosen,
                     comment=comment, notice=_text(language, "csrf"), status=403)  # fmt: skip
    problems: dict[str, str] = {}
    if chosen is None:
        problems["score"] = _text(language, "choose")
    if len(comment.strip()) > COMMENT_MAX:
        problems["comment"] = _text(language, "too_long")
    if problems:
        browser = Browser(str(browser_id), str(values.get("csrf_token")), set_cookie=False)
        return _form(request, found, language=language, browser=browser, chosen=chosen,
                     comment=comment, problems=problems, status=422)  # fmt: skip
    assert chosen is not None
    database: Database = request.app.state.database
    outcome = await to_thread.run_sync(_record, database, found.ticket, chosen, comment)
    if outcome == "recorded":
        return _message(language, 200, "thanks", title_key="thanks_title",
                        tenant_name=found.tenant_name)  # fmt: skip
    if outcome == "duplicate":
        return _message(language, 409, "already", tenant_name=found.tenant_name)
    return _message(language, 404, "not_found")


_SCORES = {str(score) for score in range(SCORE_MIN, SCORE_MAX + 1)}


async def _survey(request: Request[Any, Any, Any], token: str) -> Survey | Response[Any]:
    """The survey the token names, or the page to answer instead (404, 410)."""
    settings: Settings = request.app.state.settings
    language = _language(request, None)
    try:
        ticket = csat.read_survey_token(settings.session_secret, token)
    except csat.SurveyLinkError as exc:
        if exc.expired:
            return _message(language, 410, "expired")
        return _message(language, 404, "not_found")
    database: Database = request.app.state.database
    found = await to_thread.run_sync(_load, database, ticket)
    if found is None:
        return _message(language, 404, "not_found")
    return found


def _load(database: Database, ticket: csat.SurveyTicket) -> Survey | None:
    with database.tenant_unit(ticket.tenant_id) as session:
        query = sa.select(Conversation).where(col(Conversation.id) == ticket.conversation_id)
        conversation = session.execute(query).scalar_one_or_none()
        if conversation is None:
            return None
        tenant = session.get(Tenant, ticket.tenant_id)
        answered = csat.find_answer(session, conversation_id=conversation.id) is not None
        return Survey(
            ticket=ticket,
            number=conversation.number,
            subject=conversation.subject,
            language=conversation.language,
            tenant_name=tenant.name if tenant is not None else "",
            answered=answered,
        )


def _record(database: Database, ticket: csat.SurveyTicket, score: int, comment: str) -> str:
    """ "recorded", "duplicate" (answered before, or by a racing request) or "missing"."""
    try:
        with database.tenant_unit(ticket.tenant_id) as session:
            csat.record_answer(
                session,
                conversation_id=ticket.conversation_id,
                score=score,
                comment=comment,
                channel=ticket.channel,
            )
    except (ConflictError, sa.exc.IntegrityError):
        return "duplicate"
    except NotFoundError:
        return "missing"
    return "recorded"


@dataclass(frozen=True, slots=True)
class Browser:
    """The browser's id (its cookie) and the page's CSRF token, as for the hosted forms."""

    id: str
    token: str
    set_cookie: bool


def _browser(request: Request[Any, Any, Any], survey: Survey) -> Browser:
    settings: Settings = request.app.state.settings
    browser_id = request.cookies.get(COOKIE_NAME)
    fresh = browser_id is None or not csrf.valid_browser_id(browser_id)
    if browser_id is None or fresh:
        browser_id = csrf.new_browser_id()
    token = csrf.issue_token(
        settings.webform_secret, form_id=survey.ticket.conversation_id, browser_id=browser_id
    )
    return Browser(browser_id, token, set_cookie=fresh)


def _form(
    request: Request[Any, Any, Any],
    survey: Survey,
    *,
    language: str,
    browser: Browser,
    chosen: int | None = None,
    comment: str = "",
    problems: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response[Any]:
    settings: Settings = request.app.state.settings
    texts = TEXTS[language]
    reference = f"#SB-{survey.number}"
    about = (
        texts["about"].format(reference=reference, subject=survey.subject)
        if survey.subject
        else texts["about_plain"].format(reference=reference)
    )
    problems = problems or {}
    html = (
        _environment()
        .get_template("survey.html")
        .render(
            language=language,
            languages=list(LANGUAGE_NAMES.items()),
            title=texts["title"],
            tenant_name=survey.tenant_name,
            about=about,
            text=texts,
            action=f"{request.url.path}?lang={language}",
            csrf_token=browser.token,
            scale=list(zip(range(SCORE_MIN, SCORE_MAX + 1), texts["scale"], strict=True)),
            chosen=chosen,
            comment=comment,
            comment_max=COMMENT_MAX,
            score_error=problems.get("score"),
            comment_error=problems.get("comment"),
            notice=notice,
        )
    )
    cookies = []
    if browser.set_cookie:
        cookies.append(
            Cookie(
                key=COOKIE_NAME,
                value=browser.id,
                path=COOKIE_PATH,
                httponly=True,
                samesite="lax",
                secure=request.url.scheme == "https",
                max_age=settings.webform_token_max_age_seconds * 6,
            )
        )
    return Response(
        html, media_type=HTML, status_code=status, headers=dict(PAGE_HEADERS), cookies=cookies
    )


def _message(
    language: str,
    status: int,
    key: str,
    *,
    title_key: str = "title",
    tenant_name: str = "",
) -> Response[Any]:
    html = (
        _environment()
        .get_template("survey_message.html")
        .render(
            language=language,
            title=_text(language, title_key),
            tenant_name=tenant_name,
            message=_text(language, key),
            failed=status >= 400 and status != 409,
        )
    )
    return Response(html, media_type=HTML, status_code=status, headers=dict(PAGE_HEADERS))


def _text(language: str, key: str) -> str:
    return str(TEXTS[language][key])


def _language(request: Request[Any, Any, Any], conversation_language: str | None) -> str:
    default = (conversation_language or "en").split("-")[0].lower()
    chosen = pick_language(
        request.query_params.get("lang"),
        None if conversation_language else request.headers.get("accept-language"),
        default if default in TEXTS else "en",
    )
    return chosen if chosen in TEXTS else "en"
