"""Reading a public form request: the form its URL names, its body taken apart, and the
hand-over to the web-form channel (``channels.webform.intake.submit``, in a worker thread).

JSON or a form body (multipart, url-encoded) alike become field values, files and the keys that
are not fields (language, honeypot, captcha, CSRF). Malformed bodies are None (the caller
answers 400); a body that parses but is not shaped like a submission carries its problems per
key (422). An oversized body raises RequestEntityTooLarge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from channels.webform.attachments import UploadedFile, clean_filename
from channels.webform.definition import CAPTCHA_FIELDS, HONEYPOT_FIELD, LANGUAGES, RESERVED_NAMES
from channels.webform.intake import Answer, Submission, submit
from channels.webform.public_forms import PublicForm, PublicForms
from core.db import Database
from core.errors import FieldProblem
from core.settings import Settings
from core.storage import BlobStore

JSON_SUFFIX = ".json"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


@dataclass(slots=True)
class Parsed:
    """A body taken apart: field values, files, and the keys that are not fields."""

    values: dict[str, Any] = field(default_factory=dict)
    files: list[UploadedFile] = field(default_factory=list)
    language: str | None = None
    honeypot: str = ""
    captcha_token: str | None = None
    csrf_token: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)


def parse_json_body(raw: bytes) -> Parsed | None:
    """``{"fields": {...}, "language", "website", "captcha_token"}``; None if not JSON."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    parsed = Parsed()
    if not isinstance(body, dict):
        parsed.problems.append(FieldProblem("body", "must be a JSON object"))
        return parsed
    fields = body.get("fields")
    if not isinstance(fields, dict):
        parsed.problems.append(FieldProblem("fields", "must be an object of field values"))
    else:
        parsed.values = {str(name): value for name, value in fields.items()}
    for name in set(body) - {"fields", "language", HONEYPOT_FIELD, "captcha_token"}:
        parsed.problems.append(FieldProblem(str(name)[:100], "not part of a submission"))
    for name in ("language", HONEYPOT_FIELD, "captcha_token"):
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            parsed.problems.append(FieldProblem(name, "must be a string"))
    language = body.get("language")
    parsed.language = language if isinstance(language, str) and language in LANGUAGES else None
    honeypot = body.get(HONEYPOT_FIELD)
    parsed.honeypot = honeypot if isinstance(honeypot, str) else ""
    token = body.get("captcha_token")
    parsed.captcha_token = token if isinstance(token, str) else None
    return parsed


async def parse_form_body(request: Request[Any, Any, Any]) -> Parsed | None:
    """Fields by name, files under ``attachments``, and the reserved keys; None if malformed."""
    try:
        form = await request.form()
        items = list(form.multi_items())
    except RequestEntityTooLarge:
        raise
    except (ClientException, ValidationException, UnicodeDecodeError, LookupError, ValueError):
        return None  # LookupError: a part in a charset Python does not know
    parsed = Parsed()
    grouped: dict[str, list[Any]] = {}
    for name, value in items:
        grouped.setdefault(str(name), []).append(value)
    for name, values in grouped.items():
        if name == "attachments":
            for value in values:
                if isinstance(value, UploadFile) and value.filename:
                    data = await value.read()
                    await value.close()
                    parsed.files.append(
                        UploadedFile(clean_filename(value.filename), value.content_type, data)
                    )
                elif not (isinstance(value, str) and not value):
                    parsed.problems.append(FieldProblem("attachments", "must be files"))
            continue
        if any(isinstance(v, UploadFile) for v in values):
            for v in values:
                if isinstance(v, UploadFile):
                    await v.close()
            parsed.problems.append(FieldProblem(name[:100], "must be text, not a file"))
            continue
        last = values[-1]
        if name == "language":
            parsed.language = last if last in LANGUAGES else None
        elif name == HONEYPOT_FIELD:
            parsed.honeypot = last
        elif name == "csrf_token":
            parsed.csrf_token = last
        elif name in CAPTCHA_FIELDS:
            parsed.captcha_token = parsed.captcha_token or last or None
        elif name in RESERVED_NAMES:
            continue
        else:
            parsed.values[name] = last if len(values) == 1 else values
    return parsed


async def find_form(
    request: Request[Any, Any, Any], tenant_slug: str, form_slug: str
) -> PublicForm | None:
    """The form a URL names; from memory when it can, else read in a worker thread."""
    forms: PublicForms = request.app.state.public_forms
    known, found = forms.cached(tenant_slug, form_slug)
    if known:
        return found
    return await to_thread.run_sync(forms.get, tenant_slug, form_slug)


def split_ref(form_ref: str) -> tuple[str, bool]:
    """``complaint.json`` → (complaint, True): Litestar matches whole path segments."""
    if form_ref.endswith(JSON_SUFFIX):
        return form_ref[: -len(JSON_SUFFIX)], True
    return form_ref, False


def media_type(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def submit_parsed(
    request: Request[Any, Any, Any],
    found: PublicForm,
    parsed: Parsed,
    language: str,
    *,
    source: str,
    key: str | None,
) -> Answer:
    """Hand the submission to the channel, off the event loop."""
    database: Database = request.app.state.database
    store: BlobStore = request.app.state.blob_store
    settings: Settings = request.app.state.settings
    submission = Submission(
        values=parsed.values,
        language=language,
        source=source,
        remote_addr=request.client.host if request.client else None,
        files=tuple(parsed.files),
        honeypot=parsed.honeypot,
        captcha_token=parsed.captcha_token,
        idempotency_key=key.strip()[:200] if key and key.strip() else None,
    )
    return await to_thread.run_sync(
        lambda: submit(
            database,
            store,
            settings,
            form=found.form,
            definition=found.definition,
            submission=submission,
        )
    )
