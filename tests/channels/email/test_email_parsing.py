"""Unit tests for header/body decoding and the never-raises guarantee of ``parse_email``."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.email.charsets import codec_for, decode_bytes, decode_header_value
from channels.email.parsing import conversation_token, parse_email

CORPUS = Path(__file__).parent / "corpus"
CORPUS_MESSAGES = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]


def _word(text: str, charset: str, codec: str | None = None) -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode()}?="


def test_gb2312_label_decodes_gbk_only_characters() -> None:
    assert decode_header_value(_word("朱镕基", "GB2312", "gbk")).text == "朱镕基"
    assert decode_bytes("镕".encode("gbk"), "gb2312").text == "镕"
    assert codec_for("GB2312") == "gb18030"


def test_big5_label_decodes_hkscs_characters() -> None:
    assert decode_bytes("香港𡃁妹".encode("big5hkscs"), "big5").text == "香港𡃁妹"


def test_multibyte_character_split_across_encoded_words_survives() -> None:
    data = "中文".encode()
    raw = " ".join(
        f"=?UTF-8?B?{base64.b64encode(chunk).decode()}?=" for chunk in (data[:2], data[2:])
    )
    assert decode_header_value(raw).text == "中文"


def test_raw_8bit_header_uses_the_body_charset_as_hint() -> None:
    raw = "主题".encode("gbk").decode("ascii", "surrogateescape")
    decoded = decode_header_value(raw, hint="gbk")
    assert decoded.text == "主题"
    assert decoded.guessed


def test_utf8_content_with_legacy_label_is_read_as_utf8() -> None:
    decoded = decode_bytes("naïve café".encode(), "iso-8859-1")
    assert decoded.text == "naïve café"
    assert not decoded.guessed


def test_unknown_charset_label_falls_back_without_error() -> None:
    assert decode_bytes(b"plain", "x-no-such-charset").text == "plain"
    assert decode_header_value("=?x-bogus?Q?hello?=").text == "hello"


def test_subject_token_gives_conversation_number() -> None:
    raw = f"Subject: Re: {conversation_token(1234)} help\r\nFrom: a@b.c\r\n\r\nhi\r\n"
    assert conversation_token(1234) == "[#SB-1234]"
    assert parse_email(raw.encode()).conversation_number == 1234


def test_naive_date_is_taken_as_utc_and_bad_date_is_a_defect() -> None:
    naive = parse_email(b"Date: Wed, 1 May 2024 10:00:00 -0000\r\n\r\nx")
    assert naive.date == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    broken = parse_email(b"Date: yesterday-ish\r\n\r\nx")
    assert broken.date is None
    assert any("Date" in defect for defect in broken.defects)


def test_addresses_are_lowercased_and_deduplicated() -> None:
    raw = b'To: A <A@X.COM>, a@x.com, undisclosed-recipients:;\r\nCc: "Doe, J" <J@Y.org>\r\n\r\n'
    parsed = parse_email(raw)
    assert parsed.to == ("a@x.com",)
    assert parsed.cc == ("j@y.org",)


def test_message_id_without_brackets_is_wrapped() -> None:
    assert parse_email(b"Message-ID: abc@host\r\n\r\nx").message_id == "<abc@host>"


def test_html_only_message_gets_text_from_html() -> None:
    raw = b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p><script>x()</script>"
    parsed = parse_email(raw)
    assert parsed.text == "Hello"
    assert parsed.html is not None
    assert "script" not in parsed.html


def test_auto_submitted_no_is_not_automatic() -> None:
    assert not parse_email(b"Auto-Submitted: no\r\nFrom: a@b.c\r\n\r\nhi").auto_submitted
    assert parse_email(b"Auto-Submitted: auto-generated\r\n\r\nhi").auto_submitted


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_parse_email_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    parsed = parse_email(raw)
    assert isinstance(parsed.text, str)
    assert "\x00" not in parsed.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(CORPUS_MESSAGES),
    st.lists(st.tuples(st.integers(min_value=0), st.binary(max_size=8)), max_size=6),
    st.integers(min_value=0),
)
def test_parse_email_never_raises_on_mutated_corpus(
    message: bytes, mutations: list[tuple[int, bytes]], cut: int
) -> None:
    mutated = bytearray(message)
    for position, replacement in mutations:
        at = position % (len(mutated) + 1)
        mutated[at : at + len(replacement)] = replacement
    truncated = bytes(mutated[: len(mutated) - cut % max(len(mutated) // 4, 1)])
    parsed = parse_email(truncated)
    assert not any(defect.startswith("parser failure") for defect in parsed.defects)
