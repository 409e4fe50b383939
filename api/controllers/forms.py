"""/forms: a tenant's web forms (the admin side; the public pages are in form_pages)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.dependencies import TenantSession
from api.pagination import DEFAULT_PAGE_SIZE, Cursor, Limit, PageOut, page_out
from api.problems import problem_responses
from api.schemas.forms import FormCreate, FormOut, FormUpdate
from channels.webform.captcha import captcha_configured
from channels.webform.public_forms import PublicForms
from core.errors import FieldProblem, InvalidInputError
from core.forms import service
from core.models.web_form import WebForm
from core.settings import Settings


def form_out(form: WebForm) -> FormOut:
    return FormOut.model_validate(form)


def _forget_public_forms(request: Request[Any, Any, Any]) -> None:
    """The public pages remember forms briefly; a change here shows there at once."""
    forms: PublicForms = request.app.state.public_forms
    forms.forget()


def _require_captcha_configured(request: Request[Any, Any, Any], wanted: bool | None) -> None:
    """A form cannot ask for a captcha the platform has no provider for: nobody could submit."""
    settings: Settings = request.app.state.settings
    if wanted and not captcha_configured(settings):
        raise InvalidInputError(
            "captcha is not configured",
            [FieldProblem("captcha", "no captcha provider is set up (CAPTCHA_* settings)")],
        )


class FormController(Controller):
    path = "/forms"
    opt = {"resource": "forms"}  # permissions: api.guards
    tags = ["forms"]

    @get("/", sync_to_thread=True, summary="List web forms", responses=problem_responses())
    def list_forms(
        self,
        session: TenantSession,
        active: FromQuery[bool | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        cursor: Cursor = None,
    ) -> PageOut[FormOut]:
        page = service.list_forms(session, active=active, limit=limit, cursor=cursor)
        return page_out(page, form_out)

    @post("/", sync_to_thread=True, summary="Create a web form", responses=problem_responses(409))
    def create_form(
        self, request: Request[Any, Any, Any], session: TenantSession, data: JSONBody[FormCreate]
    ) -> FormOut:
        _require_captcha_configured(request, data.captcha)
        _forget_public_forms(request)
        form = service.create_form(
            session,
            slug=data.slug,
            title={str(lang): text for lang, text in data.title.items()},
            definition=data.definition.model_dump(exclude_none=True),
            **data.settings(),
        )
        return form_out(form)

    @get(
        "/{form_id:uuid}",
        sync_to_thread=True,
        summary="Get a web form",
        responses=problem_responses(404),
    )
    def get_form(self, session: TenantSession, form_id: FromPath[uuid.UUID]) -> FormOut:
        return form_out(service.get_form(session, form_id=form_id))

    @patch(
        "/{form_id:uuid}",
        sync_to_thread=True,
        summary="Change a web form",
        responses=problem_responses(404, 409),
    )
    def update_form(
        self,
        request: Request[Any, Any, Any],
        session: TenantSession,
        form_id: FromPath[uuid.UUID],
        data: JSONBody[FormUpdate],
    ) -> FormOut:
        changes = data.changes()
        if data.definition is not None and "definition" in changes:
            changes["definition"] = data.definition.model_dump(exclude_none=True)
        _require_captcha_configured(request, changes.get("captcha"))
        _forget_public_forms(request)
        return form_out(service.update_form(session, form_id=form_id, changes=changes))

    @delete(
        "/{form_id:uuid}",
        sync_to_thread=True,
        summary="Delete a web form (what it received stays)",
        responses=problem_responses(404),
    )
    def delete_form(
        self, request: Request[Any, Any, Any], session: TenantSession, form_id: FromPath[uuid.UUID]
    ) -> None:
        _forget_public_forms(request)
        service.delete_form(session, form_id=form_id)
