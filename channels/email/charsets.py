"""Decoding the bytes and headers real mail carries, whatever charset it claims.

Mail lies about its charset: GB2312 labels carry GBK text, ISO-8859-1 labels carry UTF-8 or
Windows-1252, headers arrive as raw 8-bit and encoded words split multibyte characters. These
functions always return text; they report whether the result had to be guessed or repaired.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass
from email.message import Message

from charset_normalizer import from_bytes

# Labels whose real-world content is a superset charset: decode with the superset.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
# Labels that say nothing useful about the bytes.
_UNKNOWN = {"", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default", "none"}
_NEVER_GUESSED = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"]
# Below this many bytes statistical detection is noise; Chinese then Western is likelier right.
_SHORT = 160
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text plus what it took to get it: ``guessed`` means the text may be wrong."""

    text: str
    guessed: bool = False
    note: str | None = None


def codec_for(label: str | None) -> str | None:
    """The Python codec to decode a MIME charset label with, or None if unknown/unhelpful."""
    if label is None:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _UNKNOWN:
        return None
    name = _SUPERSETS.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or a label with NULs or raw 8-bit bytes
        return None
    return _SUPERSETS.get(codec, codec)


def decode_bytes(
    data: bytes, label: str | None = None, *, html: bool = False, hint: str | None = None
) -> Decoded:
    """Decode ``data`` declared as ``label``; never raises.

    Order: the declared charset (as its superset); valid UTF-8 wins over a legacy label because
    mislabelled UTF-8 is common and accidental UTF-8 validity is not; then a ``<meta charset>``
    for HTML; then charset-normalizer's guess; finally UTF-8 with replacement characters.
    """
    if not data:
        return Decoded("")
    codec = codec_for(label)
    if data.isascii() and codec not in {"utf-7", "utf-16", "utf-32"}:
        if codec and codec.startswith("iso2022"):
            return _strict(data, codec) or Decoded(data.decode("ascii"))
        return Decoded(data.decode("ascii"))
    if codec is not None and codec != "utf-8":
        as_utf8 = _strict(data, "utf-8")
        if as_utf8 is not None and not codec.startswith("utf"):
            return Decoded(as_utf8.text, note=f"declared {label} but content is UTF-8")
    if codec is not None:
        for candidate in (codec, _own_codec(label)):
            if candidate and (declared := _strict(data, candidate)) is not None:
                return declared
    elif (as_utf8 := _strict(data, "utf-8")) is not None:
        return as_utf8
    if html and (meta := _META_CHARSET.search(data[:4096])):
        meta_codec = codec_for(meta.group(1).decode("ascii"))
        if meta_codec and (from_meta := _strict(data, meta_codec)) is not None:
            return from_meta
    if (hint_codec := codec_for(hint)) and (hinted := _strict(data, hint_codec)) is not None:
        return Decoded(hinted.text, guessed=True, note=f"charset unclear; read as {hint}")
    return _guess(data, label, codec)


def _own_codec(label: str | None) -> str | None:
    """The label's own codec, when its superset failed (ISO-8859-1 bytes that cp1252 lacks)."""
    try:
        return codecs.lookup((label or "").strip().strip("\"'")).name
    except (LookupError, ValueError):  # unknown, or a label with NULs or raw 8-bit bytes
        return None


def _strict(data: bytes, codec: str) -> Decoded | None:
    try:
        return Decoded(data.decode(codec))
    except (UnicodeDecodeError, LookupError):
        return None


def _guess(data: bytes, label: str | None, codec: str | None) -> Decoded:
    why = f"declared {label} did not fit" if codec else f"undeclared 8-bit text ({label or 'none'})"
    if len(data) < _SHORT:
        for codec_guess in ("gb18030", "cp1252"):
            if (short := _strict(data, codec_guess)) is not None:
                return Decoded(short.text, guessed=True, note=f"{why}; read as {codec_guess}")
    try:
        best = from_bytes(data[:65536], cp_exclusion=_NEVER_GUESSED).best()
    except Exception:  # a detector failure must not lose the message
        best = None
    if best is not None:
        guess = codec_for(best.encoding) or best.encoding
        try:
            return Decoded(
                data.decode(guess, "replace"), guessed=True, note=f"{why}; guessed {guess}"
            )
        except LookupError:
            pass
    fallback = codec or "utf-8"
    return Decoded(
        data.decode(fallback, "replace"), guessed=True, note=f"{why}; replaced bad bytes"
    )


def raw_header(message: Message, name: str) -> str:
    """A header's raw value (first occurrence, "" if absent); the strict parser is not consulted,
    so malformed headers cannot make this fail."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def surrogate_bytes(value: str) -> bytes:
    """The original bytes of a header string the parser decoded as ASCII with surrogateescape."""
    return value.encode("utf-8", "surrogateescape")


# An RFC 2047 encoded word, tolerating lower case, a language suffix and missing padding.
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([QqBb])\?([^?\s]*)\?=")


def decode_header_value(raw: str, hint: str | None = None) -> Decoded:
    """Decode a raw header value: RFC 2047 words (adjacent same-charset words joined as bytes,
    so multibyte characters split across words survive), raw 8-bit text, folding whitespace."""
    pieces: list[tuple[bytes, str | None]] = []
    position = 0
    last_was_word = False
    for match in _ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between and not (last_was_word and between.isspace()):
            pieces.append((surrogate_bytes(between), None))
        charset, encoding, payload = match.groups()
        data = _decode_word(encoding.upper(), payload)
        if pieces and pieces[-1][1] == charset.lower() and (not between or between.isspace()):
            pieces[-1] = (pieces[-1][0] + data, pieces[-1][1])
        else:
            pieces.append((data, charset.lower()))
        position = match.end()
        last_was_word = True
    if position < len(raw):
        pieces.append((surrogate_bytes(raw[position:]), None))
    texts: list[str] = []
    notes: list[str] = []
    guessed = False
    for data, charset in pieces:
        decoded = decode_bytes(data, charset, hint=hint or _first_charset(pieces))
        texts.append(decoded.text)
        guessed = guessed or decoded.guessed
        if decoded.note:
            notes.append(decoded.note)
    text = re.sub(r"\r?\n[ \t]+", " ", "".join(texts)).replace("\r", "").replace("\n", " ")
    return Decoded(text, guessed=guessed, note="; ".join(notes) or None)


def _decode_word(encoding: str, payload: str) -> bytes:
    if encoding == "B":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
        if len(cleaned) % 4 == 1:
            cleaned = cleaned[:-1]
        try:
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
        except (binascii.Error, ValueError):
            return payload.encode("ascii", "replace")
    data = payload.replace("_", " ").encode("ascii", "replace")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


def _first_charset(pieces: list[tuple[bytes, str | None]]) -> str | None:
    return next((charset for _, charset in pieces if charset), None)
