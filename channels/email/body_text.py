"""Readable text and names from MIME parts: format=flowed, HTML, attachment filenames."""

from __future__ import annotations

import mimetypes
import re
from email.message import Message

import inscriptis

from channels.email.charsets import decode_header_value, raw_header


def html_to_text(html: str) -> str:
    """Readable text of an HTML body (inscriptis keeps paragraphs, lists and tables apart)."""
    try:
        return str(inscriptis.get_text(html))
    except Exception:  # lxml refuses some documents outright; keep the words anyway
        return re.sub(r"<[^>]*>", " ", html)


def unflow(part: Message, text: str) -> str:
    """Undo RFC 3676 format=flowed soft line breaks so paragraphs read as written."""
    if _param(part, "format") != "flowed":
        return text
    delsp = _param(part, "delsp") == "yes"
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        joinable = out and out[-1].endswith(" ") and out[-1] != "-- "
        if joinable and _quote_depth(out[-1]) == _quote_depth(line):
            previous = out.pop()
            body = line[_quote_depth(line) :].removeprefix(" ") if _quote_depth(line) else line
            out.append((previous[:-1] if delsp else previous) + body)
        else:
            out.append(line)
    return "\n".join(out)


def _quote_depth(line: str) -> int:
    return len(line) - len(line.lstrip(">"))


def attachment_filename(part: Message, number: int) -> str:
    """The declared filename (RFC 2231, RFC 2047 or raw 8-bit), else a made-up one."""
    name = _declared_filename(part)
    if name is None or "\ufffd" in str(name):
        for header_name in ("content-disposition", "content-type"):
            raw = raw_header(part, header_name)
            if match := re.search(r"(?:file)?name\s*=\s*\"?([^\";]+)", raw, re.IGNORECASE):
                name = decode_header_value(match.group(1)).text
                break
    cleaned = safe_filename(str(name)) if name else ""
    if cleaned:
        return cleaned
    extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
    return f"attachment-{number}{extension}"


def safe_filename(name: str) -> str:
    """No path separators, control characters or surrounding space: a name, not a path."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "_", name).strip().strip(".")
    return name[:200]


def _param(part: Message, name: str) -> str:
    try:
        return str(part.get_param(name) or "").lower()
    except Exception:  # a malformed Content-Type header
        return ""


def _declared_filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # a malformed Content-Disposition header
        return None
    return str(name) if name is not None else None
