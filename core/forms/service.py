"""Web forms: create, change, list, retire, and find the public one behind a URL.

Services flush but never commit. The definition is stored as given: callers validate it
(``channels.webform.definition.FormDefinition``; the API's schema does so on the way in).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from core.errors import ConflictError, FieldProblem, InvalidInputError, reject_unknown_fields
from core.lookup import get_by_id, get_referenced
from core.models.queue import Queue
from core.models.tenant import Tenant
from core.models.web_form import WebForm
from core.pagination import Page, paginate

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
LANGUAGES = ("zh", "en")
"""The languages forms speak: titles, labels, messages and pages exist in each."""
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_PER_HOUR = 100_000
MAX_ORIGINS = 50

UPDATABLE_FIELDS = frozenset(
    {
        "slug",
        "title",
        "definition",
        "category",
        "queue_id",
        "default_language",
        "allowed_origins",
        "thread_into_open",
        "max_attachment_bytes",
        "max_attachments",
        "attachment_types",
        "per_ip_per_hour",
        "per_identity_per_hour",
        "captcha",
        "active",
    }
)

# The public lookup runs for every page view and submission: built once.
_FIND_PUBLIC = (
    sa.select(WebForm)
    .join(Tenant, col(Tenant.id) == col(WebForm.tenant_id))
    .where(
        col(Tenant.slug) == sa.bindparam("tenant_slug"),
        col(WebForm.slug) == sa.bindparam("form_slug"),
        col(WebForm.active).is_(True),
    )
)


def find_public_form(session: Session, *, tenant_slug: str, form_slug: str) -> WebForm | None:
    """The active form a public URL names (system session: the tenant is what we look up)."""
    if not SLUG.fullmatch(form_slug) or len(tenant_slug) > 63:
        return None
    found: WebForm | None = session.execute(
        _FIND_PUBLIC, {"tenant_slug": tenant_slug, "form_slug": form_slug}
    ).scalar_one_or_none()
    return found


def get_form(session: Session, *, form_id: uuid.UUID) -> WebForm:
    """The form; NotFoundError if this tenant has none with that id."""
    return get_by_id(session, WebForm, form_id, noun="form")


def list_forms(
    session: Session, *, active: bool | None = None, limit: int = 50, cursor: str | None = None
) -> Page[WebForm]:
    """Forms newest first, optionally only active or inactive ones."""
    query = sa.select(WebForm)
    if active is not None:
        query = query.where(col(WebForm.active) == active)
    return paginate(session, query, col(WebForm.id), limit=limit, cursor=cursor)


def create_form(
    session: Session,
    *,
    slug: str,
    title: Mapping[str, str],
    definition: Mapping[str, Any],
    **settings: Any,
) -> WebForm:
    """A new form; ConflictError if the slug is taken, InvalidInputError for bad settings.

    ``settings`` are the other WebForm columns (category, queue_id, allowed_origins, limits...).
    """
    reject_unknown_fields(settings, UPDATABLE_FIELDS, problem="not a form setting")
    values = _checked(session, {"slug": slug, "title": title, "definition": definition, **settings})
    _check_slug_free(session, slug=values["slug"])
    form = WebForm(**values)
    session.add(form)
    session.flush()
    return form


def update_form(session: Session, *, form_id: uuid.UUID, changes: Mapping[str, Any]) -> WebForm:
    """Change some of a form's settings; the same checks as on creation apply."""
    reject_unknown_fields(changes, UPDATABLE_FIELDS)
    form = get_form(session, form_id=form_id)
    values = _checked(session, changes)
    if "slug" in values and values["slug"] != form.slug:
        _check_slug_free(session, slug=values["slug"])
    for field_name, value in values.items():
        setattr(form, field_name, value)
    session.flush()
    return form


def delete_form(session: Session, *, form_id: uuid.UUID) -> None:
    """Delete a form; what it received stays (raw records and conversations keep the slug)."""
    session.delete(get_form(session, form_id=form_id))
    session.flush()


def normalize_origin(origin: str) -> str | None:
    """``scheme://host[:port]`` lower-cased, as browsers send it in Origin; None if not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        return None
    if parts.fragment:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _checked(session: Session, values: Mapping[str, Any]) -> dict[str, Any]:
    """The values to store, with every problem reported at once."""
    problems: list[FieldProblem] = []
    out = dict(values)
    if "slug" in out and not (isinstance(out["slug"], str) and SLUG.fullmatch(out["slug"])):
        problems.append(FieldProblem("slug", "lower-case letters, digits and -, at most 63"))
    if "title" in out:
        title = out["title"]
        if not isinstance(title, Mapping) or not title or set(title) - set(LANGUAGES):
            problems.append(FieldProblem("title", "the title in zh and/or en"))
        else:
            out["title"] = {str(k): str(v)[:200] for k, v in title.items()}
    if "definition" in out:
        if not isinstance(out["definition"], Mapping) or not out["definition"].get("fields"):
            problems.append(FieldProblem("definition", "a form definition with fields"))
        else:
            out["definition"] = dict(out["definition"])
    if "default_language" in out and out["default_language"] not in LANGUAGES:
        problems.append(FieldProblem("default_language", "zh or en"))
    if "allowed_origins" in out:
        out["allowed_origins"] = _origins(out["allowed_origins"], problems)
    if "attachment_types" in out:
        out["attachment_types"] = _media_types(out["attachment_types"], problems)
    for name, low, high in (
        ("max_attachment_bytes", 1, MAX_ATTACHMENT_BYTES),
        ("max_attachments", 0, MAX_ATTACHMENTS),
        ("per_ip_per_hour", 1, MAX_PER_HOUR),
        ("per_identity_per_hour", 1, MAX_PER_HOUR),
    ):
        value = out.get(name)
        if name in out and not (type(value) is int and low <= value <= high):
            problems.append(FieldProblem(name, f"a whole number from {low} to {high}"))
    if problems:
        raise InvalidInputError("invalid form", problems)
    if out.get("queue_id") is not None:
        get_referenced(session, Queue, out["queue_id"], field="queue_id", noun="queue")
    return out


def _origins(origins: Sequence[str], problems: list[FieldProblem]) -> list[str]:
    normalized: list[str] = []
    for origin in origins:
        value = normalize_origin(origin) if isinstance(origin, str) else None
        if value is None:
            problems.append(
                FieldProblem("allowed_origins", f"{origin!r} is not scheme://host[:port]")
            )
        elif value not in normalized:
            normalized.append(value)
    if len(normalized) > MAX_ORIGINS:
        problems.append(FieldProblem("allowed_origins", f"at most {MAX_ORIGINS} origins"))
    return normalized


def _media_types(types: Sequence[str], problems: list[FieldProblem]) -> list[str]:
    normalized: list[str] = []
    for media_type in types:
        value = media_type.strip().lower() if isinstance(media_type, str) else ""
        if not MEDIA_TYPE.fullmatch(value):
            problems.append(FieldProblem("attachment_types", f"{media_type!r} is not type/subtype"))
        elif value not in normalized:
            normalized.append(value)
    return normalized


def _check_slug_free(session: Session, *, slug: str) -> None:
    if session.execute(sa.select(col(WebForm.id)).where(col(WebForm.slug) == slug)).first():
        raise ConflictError(f"form slug {slug!r} is taken")
