"""One submission, however it came (hosted page, embed, JSON): check, store raw, ingest.

Order of work, cheapest refusal first: the honeypot, attachment limits and field validation
are decided in memory; the captcha (a network call) only for submissions that passed them.
Then the raw submission is stored with its state (``core.forms.submissions.admit`` also applies
the rate limits and finds replays), and only a received one is ingested. Attachments are
written to the blob store before the raw record, so that the record holds their references —
except when the submitter is over a limit, which a read finds out first.

The answer is a status and what to show: 201 with the reference (200 for a replay), 400
honeypot, 413/415/422 attachments, 422 field messages, 429 with Retry-After, 503 when the
captcha provider cannot be asked. Nothing the submitter sent is dropped without an answer
saying so, and everything but a CSRF failure (the hosted page re-renders it) leaves a record.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from channels.email.acknowledgement import acknowledgement_text
from channels.webform.attachments import UploadedFile, check_attachments, media_type
from channels.webform.captcha import CaptchaUnavailable, verify_captcha
from channels.webform.definition import LANGUAGES, FormDefinition, localized
from channels.webform.messages import text
from channels.webform.validation import CleanSubmission, render_text, validate_fields
from core.clock import utcnow
from core.db import Database
from core.errors import FieldProblem
from core.forms.admission import Limits, RawSubmission, admit, over_limit
from core.forms.references import Reference
from core.forms.submissions import FormSubmission, ingest_submission
from core.inbound import InboundAttachment
from core.models.inbound_record import InboundState
from core.models.web_form import WebForm
from core.settings import Settings
from core.storage import BlobStore

CAPTCHA_FIELD = "captcha_token"
PAYLOAD_TYPE = "application/json"
MAX_IDEMPOTENCY_KEY = 200


@dataclass(frozen=True, slots=True)
class Submission:
    """What arrived, taken apart by the controller (JSON or a form body alike)."""

    values: dict[str, Any]
    language: str
    source: str
    remote_addr: str | None
    files: tuple[UploadedFile, ...] = ()
    honeypot: str = ""
    captcha_token: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What to tell the submitter."""

    status: int
    language: str
    reference: Reference | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    detail: str | None = None
    retry_after_seconds: int | None = None


def submit(
    database: Database,
    store: BlobStore,
    settings: Settings,
    *,
    form: WebForm,
    definition: FormDefinition,
    submission: Submission,
) -> Answer:
    """Check, store and ingest one submission; see the module docstring. Commits."""
    language = submission.language if submission.language in LANGUAGES else "en"
    status, rejection = 0, None
    problems: list[FieldProblem] = []
    clean: CleanSubmission | None = None
    if submission.honeypot.strip():
        status, rejection = 400, "honeypot field filled"
    else:
        status, problems = check_attachments(form, submission.files, language)
        clean, field_problems = validate_fields(
            definition, submission.values, language=language, today=_latest_today()
        )
        problems += field_problems
        status = status or (422 if problems else 0)
    if status == 0 and form.captcha:
        status, problems = _check_captcha(settings, submission, language)
    if status:
        rejection = rejection or _reason(status, problems)
        clean = None

    raw = RawSubmission(
        tenant_id=form.tenant_id,
        payload=b"",
        content_type=PAYLOAD_TYPE,
        source=submission.source,
        remote_addr=submission.remote_addr,
        sender=clean.identity if clean else None,
        sender_kind=clean.identity_kind if clean else None,
        external_id=_external_id(form.id, clean, submission.idempotency_key) if clean else None,
    )
    limits = Limits(per_address=form.per_ip_per_hour, per_identity=form.per_identity_per_hour)
    attachments: tuple[InboundAttachment, ...] = ()
    limited_early = False
    if clean is not None and submission.files:
        limited_early = over_limit(database, raw, limits=limits)
        if limited_early:  # refused anyway: the files are described, not stored
            rejection = "over a limit before its attachments were stored"
        else:
            attachments = _store_files(store, form.tenant_id, submission.files)
    payload = _payload(form, submission, language, attachments)
    admission = admit(
        database, dataclasses.replace(raw, payload=payload), limits=limits, rejection=rejection
    )

    if admission.state is InboundState.RATE_LIMITED or limited_early:
        minutes = max(1, -(-(admission.retry_after_seconds or 60) // 60))
        return Answer(
            429,
            language,
            detail=text("rate_limited", language, minutes=minutes),
            retry_after_seconds=admission.retry_after_seconds or 60,
        )
    if admission.state is InboundState.DUPLICATE:
        return Answer(200, language, reference=admission.twin)
    if admission.state is InboundState.REJECTED or clean is None:
        detail = text("honeypot", language) if status == 400 else _detail(status, language)
        return Answer(status or 422, language, problems=problems, detail=detail)

    reference = ingest_submission(
        database,
        _form_submission(form, definition, clean, raw, language, attachments),
        admission=admission,
    )
    return Answer(200 if reference.duplicate else 201, language, reference=reference)


def _form_submission(
    form: WebForm,
    definition: FormDefinition,
    clean: CleanSubmission,
    raw: RawSubmission,
    language: str,
    attachments: tuple[InboundAttachment, ...],
) -> FormSubmission:
    title = localized(form.title, language) or form.slug
    subject = f"{title}: {clean.subject}" if clean.subject else title
    acknowledgement = (
        functools.partial(acknowledgement_text, language=language) if clean.email else None
    )
    assert raw.external_id is not None
    return FormSubmission(
        tenant_id=form.tenant_id,
        form_id=form.id,
        external_id=raw.external_id,
        sender_kind=clean.identity_kind,
        sender=clean.identity,
        sender_name=clean.name,
        text=render_text(definition, clean.values, language),
        subject=subject[:500],
        language=language,
        thread_into_open=form.thread_into_open,
        queue_id=form.queue_id,
        category=clean.category or form.category,
        attachments=attachments,
        callback_number=clean.callback_number,
        acknowledgement=acknowledgement,
    )


def _check_captcha(
    settings: Settings, submission: Submission, language: str
) -> tuple[int, list[FieldProblem]]:
    token = (submission.captcha_token or "").strip()
    if not token:
        return 422, [FieldProblem(CAPTCHA_FIELD, text("captcha_missing", language))]
    try:
        solved = verify_captcha(settings, token[:4096], remote_addr=submission.remote_addr)
    except CaptchaUnavailable:
        return 503, [FieldProblem(CAPTCHA_FIELD, text("captcha_unavailable", language))]
    if not solved:
        return 422, [FieldProblem(CAPTCHA_FIELD, text("captcha_failed", language))]
    return 0, []


def _external_id(form_id: uuid.UUID, clean: CleanSubmission, key: str | None) -> str:
    """Replays share the id: same form, same submitter, same idempotency key (a header, or
    the hosted page's CSRF nonce). Without a key every submission is its own."""
    if not key:
        return f"webform:{form_id.hex}:{uuid.uuid4().hex}"
    digest = hashlib.sha256(f"{clean.identity}\n{key[:MAX_IDEMPOTENCY_KEY]}".encode()).hexdigest()
    return f"webform:{form_id.hex}:{digest[:40]}"


def _store_files(
    store: BlobStore, tenant_id: uuid.UUID, files: tuple[UploadedFile, ...]
) -> tuple[InboundAttachment, ...]:
    return tuple(
        InboundAttachment(
            filename=upload.filename,
            content_type=media_type(upload.content_type),
            size=len(upload.data),
            storage_key=store.put(tenant_id=tenant_id, filename=upload.filename, data=upload.data),
        )
        for upload in files
    )


def _payload(
    form: WebForm,
    submission: Submission,
    language: str,
    stored: tuple[InboundAttachment, ...],
) -> bytes:
    """The submission as received, as JSON: fields, language, attachments (stored ones with
    their storage keys), the honeypot and the idempotency key."""
    if stored:
        attachments = [a.as_json() for a in stored]
    else:
        attachments = [
            {"filename": f.filename, "content_type": f.content_type, "size": len(f.data)}
            for f in submission.files
        ]
    body = {
        "form": form.slug,
        "form_id": str(form.id),
        "language": language,
        "fields": submission.values,
        "attachments": attachments,
        "honeypot": submission.honeypot or None,
        "idempotency_key": submission.idempotency_key,
        "captcha": bool(submission.captcha_token),
    }
    return json.dumps(body, ensure_ascii=False, default=str).encode()


def _reason(status: int, problems: list[FieldProblem]) -> str:
    listed = "; ".join(f"{p.field}: {p.message}" for p in problems)
    return f"{status} {listed}".strip()


def _detail(status: int, language: str) -> str:
    return text("unavailable" if status == 503 else "invalid", language)


def _latest_today() -> date:
    """Today where it is latest on Earth (UTC+14): a date someone could call today is fine."""
    return (utcnow() + timedelta(hours=14)).date()
