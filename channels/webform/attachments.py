"""Attachment limits of a form: how many, how large, and of which types — checked by content.

The type a browser declares is the client's word; files whose first bytes are a known format
must be that format, so an executable renamed ``photo.png`` is refused (415) like any type the
form does not accept. Over the size limit is 413, more files than allowed a field error (422).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from channels.webform.messages import size_text, text
from core.errors import FieldProblem
from core.models.web_form import WebForm

FIELD = "attachments"
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"%PDF-", 0, "application/pdf"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"MZ", 0, "application/x-msdownload"),
    (b"\x7fELF", 0, "application/x-executable"),
)
ZIP_BASED = frozenset(
    {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\\/]+")


@dataclass(frozen=True, slots=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 200 characters."""
    base = re.split(r"[\\/]", name)[-1]
    return _UNSAFE_NAME.sub("_", base).strip()[-200:] or "attachment"


def media_type(declared: str | None) -> str:
    return (declared or "application/octet-stream").partition(";")[0].strip().lower()


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce, if they announce one we know."""
    for signature, offset, kind in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            if kind == "image/webp" and not data.startswith(b"RIFF"):
                continue
            return kind
    return None


def check_attachments(
    form: WebForm, files: Sequence[UploadedFile], language: str
) -> tuple[int, list[FieldProblem]]:
    """(HTTP status, problems): 413 for a file over the limit, 415 for a type the form does not
    take, 422 for too many files; (0, []) when all is well."""
    if not files:
        return 0, []
    accepted = form.attachment_types if form.max_attachments > 0 else []
    if not accepted:
        return 415, [FieldProblem(FIELD, text("no_attachments", language))]
    problems: list[FieldProblem] = []
    status = 0
    if len(files) > form.max_attachments:
        problems.append(
            FieldProblem(FIELD, text("too_many_attachments", language, max=form.max_attachments))
        )
        status = 422
    for upload in files:
        if len(upload.data) > form.max_attachment_bytes:
            limit = size_text(form.max_attachment_bytes)
            problems.append(
                FieldProblem(
                    FIELD,
                    text("attachment_too_large", language, name=upload.filename, limit=limit),
                )
            )
            status = 413
        elif not _type_accepted(upload, accepted):
            problems.append(
                FieldProblem(
                    FIELD,
                    text(
                        "attachment_type", language, name=upload.filename, types=", ".join(accepted)
                    ),
                )
            )
            status = status if status == 413 else 415
    return status, problems


def _type_accepted(upload: UploadedFile, accepted: Sequence[str]) -> bool:
    declared = media_type(upload.content_type)
    if declared not in accepted:
        return False
    found = sniff(upload.data)
    if found is None:
        return declared not in {kind for _, _, kind in _SIGNATURES}
    return found == declared or (found == "application/zip" and declared in ZIP_BASED)
