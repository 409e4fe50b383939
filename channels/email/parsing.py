"""Raw RFC 5322 bytes → ``ParsedEmail``: whatever real clients and servers send, never a crash.

Built on ``email`` with ``policy.default``; headers are decoded from their raw form by
``charsets`` (broken encoded words, raw 8-bit, GB2312-labelled GBK), bodies by declared charset
with repair and detection. Everything unreadable becomes a ``defects`` entry, not an exception.

Forwarded messages (message/rfc822 parts) are kept whole as attachments (``<subject>.eml``) and
their readable text is appended to ``text`` under a "Forwarded message" separator, which
``new_text`` then treats as history. Bounce reports are parsed into the ``bounce_*`` fields; the
returned original is kept as an attachment but never read as the customer's text.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from channels.email import automated
from channels.email.body_text import attachment_filename, html_to_text, safe_filename, unflow
from channels.email.charsets import (
    decode_bytes,
    decode_header_value,
    raw_header,
    surrogate_bytes,
)
from channels.email.reply_text import extract_new_text
from core.html_content import sanitize_html

_T = TypeVar("_T")
_TOKEN = re.compile(r"\[#SB-(\d{1,12})\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_MAX_DEPTH = 12
_FORWARD_SEPARATOR = "---------- Forwarded message ----------"


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    """One attachment or inline image; ``content_id`` is without angle brackets (``cid:`` form)."""

    filename: str
    content_type: str
    data: bytes
    inline: bool
    content_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    """Everything the email channel needs from one message; see the module docstring."""

    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    from_address: str | None
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    new_text: str
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    charset_errors: bool
    defects: tuple[str, ...]
    auto_submitted: bool
    is_bounce: bool
    bounced_message_id: str | None
    bounce_reason: str | None
    conversation_number: int | None
    reply_to: tuple[str, ...] = ()


@dataclass(slots=True)
class _Walk:
    """What the body walk accumulates; mutable only while one message is being parsed."""

    charset_hint: str | None = None
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    charset_errors: bool = False
    report: automated.Report = field(default_factory=automated.Report)


def conversation_token(number: int) -> str:
    """The subject token outbound mail carries so replies find their conversation."""
    return f"[#SB-{number}]"


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse raw message bytes; never raises. Unreadable parts become ``defects`` entries."""
    try:
        return _parse(raw)
    except Exception as exc:  # the last line of defence: a message must never be lost
        try:
            text = decode_bytes(raw).text.replace("\x00", "")
        except Exception:  # even the decoder failed: plain UTF-8 with replacements
            text = bytes(raw).decode("utf-8", "replace").replace("\x00", "")
        return ParsedEmail(
            message_id=None, in_reply_to=None, references=(), from_address=None,
            from_name=None, to=(), cc=(), subject="", date=None, text=text, new_text=text,
            html=None, attachments=(), charset_errors=True,
            defects=(f"parser failure: {type(exc).__name__}: {exc}",), auto_submitted=False,
            is_bounce=False, bounced_message_id=None, bounce_reason=None,
            conversation_number=None,
        )  # fmt: skip


class _MemoisingHeaderRegistry(HeaderRegistry):
    """``policy.default`` re-parses a header on every access (Content-Type is read dozens of
    times per message); one registry per message parses each distinct header once."""

    def __init__(self) -> None:
        super().__init__()
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name.lower(), value)
        if (header := self._parsed.get(key)) is None:
            header = self._parsed[key] = super().__call__(name, value)
        return header


def _policy() -> email.policy.EmailPolicy[EmailMessage]:
    return email.policy.default.clone(header_factory=_MemoisingHeaderRegistry())


def _parse(raw: bytes) -> ParsedEmail:
    policy = _policy()
    message = email.message_from_bytes(raw, policy=policy)
    walk = _Walk(charset_hint=_first_body_charset(message))
    header = _HeaderReader(message, walk)
    subject = " ".join(header.text("subject").replace("\x00", "").split())
    from_name, from_address = header.first_address("from")
    _walk_part(_with_recovered_boundary(message, raw, walk), walk, depth=0)
    text = _clean_text("\n\n".join(t for t in walk.texts if t.strip()))
    html = sanitize_html("\n".join(walk.htmls)) if walk.htmls else None
    if not text.strip() and walk.htmls:
        text = _clean_text(html_to_text("\n".join(walk.htmls)))
    bounce = automated.detect_bounce(
        message, walk.report, from_address=from_address, subject=subject, text=text
    )
    in_reply_to = _first_id(header.raw("in-reply-to"))
    references = _references(header.raw("references"), in_reply_to)
    token = _TOKEN.search(subject)
    return ParsedEmail(
        message_id=_first_id(header.raw("message-id"), lenient=True),
        in_reply_to=in_reply_to,
        references=references,
        from_address=from_address,
        from_name=from_name,
        to=header.addresses("to"),
        cc=header.addresses("cc"),
        subject=subject,
        date=header.date(),
        text=text,
        new_text=text if bounce.is_bounce else extract_new_text(text),
        html=html,
        attachments=tuple(walk.attachments),
        charset_errors=walk.charset_errors,
        defects=tuple(dict.fromkeys(walk.defects)),
        auto_submitted=bounce.is_bounce or automated.is_auto_submitted(message, subject),
        is_bounce=bounce.is_bounce,
        bounced_message_id=bounce.original_message_id,
        bounce_reason=bounce.reason,
        conversation_number=int(token.group(1)) if token else None,
        reply_to=header.addresses("reply-to"),
    )


def _with_recovered_boundary(message: Message, raw: bytes, walk: _Walk) -> Message:
    """A multipart whose declared boundary never occurs: re-read the body with the boundary
    its first delimiter line actually uses, or fall back to reading it as text."""
    if message.is_multipart() or message.get_content_maintype() != "multipart":
        return message
    body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[-1]
    if found := re.search(rb"^--([!-~]{1,70}?)\r?$", body, re.MULTILINE):
        boundary = found.group(1).decode("ascii")
        header = f'Content-Type: {message.get_content_type()}; boundary="{boundary}"\r\n\r\n'
        recovered = email.message_from_bytes(header.encode() + body, policy=message.policy)
        if recovered.is_multipart():
            walk.defects.extend(type(defect).__name__ for defect in message.defects)
            walk.defects.append(f"declared boundary not found; used {boundary!r} from the body")
            return recovered
    walk.defects.append("multipart message without a usable boundary; body read as text")
    return message


class _HeaderReader:
    """Reads headers from their raw form so our decoding, not the strict parser's, applies."""

    def __init__(self, message: Message, walk: _Walk) -> None:
        self._raw: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._raw.setdefault(name.lower(), []).append(str(value))
        self._walk = walk

    def raw(self, name: str) -> str:
        return " ".join(self._raw.get(name, []))

    def text(self, name: str) -> str:
        values = self._raw.get(name)
        return self._decode(values[0]) if values else ""

    def _decode(self, value: str) -> str:
        decoded = decode_header_value(value, hint=self._walk.charset_hint)
        if decoded.guessed:
            self._walk.charset_errors = True
        if decoded.note:
            self._walk.defects.append(f"header: {decoded.note}")
        return decoded.text.strip()

    def _pairs(self, name: str) -> list[tuple[str, str]]:
        try:
            return getaddresses(self._raw.get(name, []))
        except Exception as exc:  # getaddresses has raised on hostile input in some versions
            self._walk.defects.append(f"unreadable {name} header: {exc}")
            return []

    def addresses(self, name: str) -> tuple[str, ...]:
        found = (_address(address, self._walk) for _, address in self._pairs(name))
        return tuple(dict.fromkeys(address for address in found if address))

    def first_address(self, name: str) -> tuple[str | None, str | None]:
        for display, address in self._pairs(name):
            clean = _address(address, self._walk)
            if clean:
                return (self._decode(display).strip("\"' ") or None), clean
        return None, None

    def date(self) -> datetime | None:
        value = self.raw("date").strip()
        if not value:
            return None
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            self._walk.defects.append(f"unreadable Date header: {value[:80]!r}")
            return None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _address(address: str, walk: _Walk) -> str | None:
    if "@" not in address:
        return None
    clean = decode_bytes(surrogate_bytes(address.strip())).text
    return "".join(clean.split()).lower().replace("\x00", "") or None


def _first_id(value: str, *, lenient: bool = False) -> str | None:
    if match := _MESSAGE_ID.search(value):
        return match.group(0)
    bare = value.strip()
    if lenient and bare and " " not in bare and len(bare) < 500:
        return f"<{bare.strip('<>')}>"
    return None


def _references(references: str, in_reply_to: str | None) -> tuple[str, ...]:
    ids = _MESSAGE_ID.findall(references)
    if in_reply_to:
        ids.append(in_reply_to)
    return tuple(dict.fromkeys(ids))


def _first_body_charset(message: Message) -> str | None:
    """The first declared body charset: the best hint for undeclared 8-bit headers."""
    for part in message.walk():
        charset = _safe(part.get_content_charset)
        if charset and charset not in {"us-ascii", "ascii"}:
            return str(charset)
    return None


def _walk_part(part: Message, walk: _Walk, *, depth: int) -> None:
    """Collect texts, HTML and attachments from one part and its children."""
    walk.defects.extend(f"{type(defect).__name__}" for defect in part.defects)
    content_type = part.get_content_type()
    if depth > _MAX_DEPTH:
        walk.defects.append("MIME nesting too deep; remainder kept as an attachment")
        _add_attachment(part, walk, data=part.as_bytes())
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = (
            [child for child in payload if isinstance(child, Message)]
            if isinstance(payload, list)
            else []
        )
        if content_type == "multipart/alternative":
            _walk_alternative(children, walk, depth=depth)
        elif content_type == "multipart/report":
            automated.read_report(children, walk.report)
            for child in children[:1]:
                _walk_part(child, walk, depth=depth + 1)
            for child in children[1:]:
                if child.get_content_type() in automated.REPORT_TYPES:
                    continue
                _add_attachment(child, walk, data=_message_bytes(child))
        elif content_type == "message/rfc822" or part.get_content_maintype() == "message":
            _walk_forwarded(part, children, walk, depth=depth)
        else:
            for child in children:
                _walk_part(child, walk, depth=depth + 1)
        return
    if _is_attachment(part) or content_type not in {"text/plain", "text/html"}:
        if part.get_content_maintype() == "multipart":
            walk.texts.append(_decode_part(part, walk))
            return
        _add_attachment(part, walk)
        return
    if content_type == "text/html":
        walk.htmls.append(_decode_part(part, walk, html=True))
    else:
        walk.texts.append(unflow(part, _decode_part(part, walk)))


def _walk_alternative(children: list[Message], walk: _Walk, *, depth: int) -> None:
    """Take the richest text and the richest HTML among the alternatives, not both of each."""
    results: list[_Walk] = []
    for child in children:
        sub = _Walk(charset_hint=walk.charset_hint, report=walk.report)
        _walk_part(child, sub, depth=depth + 1)
        results.append(sub)
        walk.attachments.extend(sub.attachments)
        walk.defects.extend(sub.defects)
        walk.charset_errors = walk.charset_errors or sub.charset_errors
    with_text = [sub for sub in results if any(t.strip() for t in sub.texts)]
    with_html = [sub for sub in results if sub.htmls]
    if with_text:
        walk.texts.extend(with_text[-1].texts)
    if with_html:
        walk.htmls.extend(with_html[-1].htmls)


def _walk_forwarded(part: Message, children: list[Message], walk: _Walk, *, depth: int) -> None:
    """A forwarded message: kept whole as an attachment, its text appended as history."""
    inner = children[0] if children else None
    if inner is None:
        _add_attachment(part, walk)
        return
    sub = _Walk(charset_hint=walk.charset_hint)
    _walk_part(inner, sub, depth=depth + 1)
    subject = " ".join(decode_header_value(raw_header(inner, "subject")).text.split())
    name = f"{safe_filename(subject) or 'forwarded'}.eml"
    _add_attachment(part, walk, data=_message_bytes(inner), filename=name)
    inner_text = "\n\n".join(sub.texts) or (html_to_text("\n".join(sub.htmls)) if sub.htmls else "")
    lines = [_FORWARD_SEPARATOR]
    for header_name in ("from", "date", "subject", "to"):
        if value := raw_header(inner, header_name):
            lines.append(f"{header_name.title()}: {decode_header_value(value).text.strip()}")
    walk.texts.append("\n".join(lines) + "\n\n" + inner_text)
    walk.defects.extend(sub.defects)
    walk.charset_errors = walk.charset_errors or sub.charset_errors


def _is_attachment(part: Message) -> bool:
    """Attached on purpose: disposition attachment, or a named part shown inline (Apple Mail).

    A text part that merely has a Content-Type name stays body text, as old clients meant it.
    """
    disposition = _safe(part.get_content_disposition)
    return disposition == "attachment" or (
        disposition == "inline" and _safe(part.get_filename) is not None
    )


def _decode_part(part: Message, walk: _Walk, *, html: bool = False) -> str:
    data = _payload_bytes(part, walk)
    charset = _safe(part.get_content_charset)
    decoded = decode_bytes(data, str(charset) if charset else None, html=html)
    if decoded.guessed:
        walk.charset_errors = True
    if decoded.note:
        walk.defects.append(f"{part.get_content_type()}: {decoded.note}")
    if "\x00" in decoded.text:
        walk.defects.append(f"{part.get_content_type()}: NUL characters removed")
    return decoded.text.replace("\x00", "")


def _payload_bytes(part: Message, walk: _Walk) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        walk.defects.append(f"undecodable {part.get_content_type()} payload: {exc}")
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return surrogate_bytes(raw) if isinstance(raw, str) else b""


def _message_bytes(part: Message) -> bytes:
    try:
        return part.as_bytes(policy=email.policy.default.clone(max_line_length=0))
    except Exception:  # a message the generator cannot reproduce: keep its decoded body
        return surrogate_bytes(str(part.get_payload()))


def _add_attachment(
    part: Message, walk: _Walk, *, data: bytes | None = None, filename: str | None = None
) -> None:
    content_type = part.get_content_type()
    content_id = raw_header(part, "content-id").strip().strip("<>") or None
    disposition = _safe(part.get_content_disposition)
    walk.attachments.append(
        ParsedAttachment(
            filename=filename or attachment_filename(part, len(walk.attachments) + 1),
            content_type=content_type,
            data=_payload_bytes(part, walk) if data is None else data,
            inline=disposition == "inline" or (disposition is None and content_id is not None),
            content_id=content_id,
        )
    )


def _clean_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _safe(getter: Callable[[], _T]) -> _T | None:
    """Call a header accessor of the strict parser; malformed headers give None, not errors."""
    try:
        return getter()
    except Exception:
        return None
