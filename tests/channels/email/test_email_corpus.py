"""Every raw message we know of parses without a crash, and the fields we assert are right."""

from __future__ import annotations

import email
from dataclasses import dataclass
from pathlib import Path

import pytest

from channels.email.parsing import parse_email

CORPUS = Path(__file__).parent / "corpus"
CPYTHON_DATA = Path(email.__file__).parent.parent / "test" / "test_email" / "data"
CPYTHON_MESSAGES = sorted(CPYTHON_DATA.glob("msg_*.txt")) if CPYTHON_DATA.is_dir() else []


@dataclass(frozen=True)
class Expected:
    subject: str
    from_address: str | None
    new_text_contains: str
    new_text_excludes: str = "\u0000"
    attachments: int = 0
    charset_errors: bool = False
    auto_submitted: bool = False
    is_bounce: bool = False
    conversation_number: int | None = None


EXPECTATIONS: dict[str, Expected] = {
    "gb2312_subject_gbk_body.eml": Expected(
        "订单未收到，请帮忙查询", "zhu.rongjun@163.com", "朱镕珺"
    ),
    "gb18030_qp.eml": Expected("退货申请", "lisi@example.cn", "𠮷田"),
    "big5_alternative.eml": Expected("帳戶被鎖定", "chan.taiman@example.hk", "請問我的帳戶"),
    "undeclared_8bit_utf8.eml": Expected("发票抬头需要修改", "wang@example.com", "上海某某科技"),
    "wrong_charset_gbk_as_latin1.eml": Expected(
        "urgent: login broken", "zhao@example.cn", "系统无法登录", charset_errors=True
    ),
    "broken_encoded_words.eml": Expected(
        "中文主题测试café你好", "jose@example.es", "broken on purpose", charset_errors=True
    ),
    "rfc2231_attachments.eml": Expected(
        "发票和合同", "finance@example.cn", "请查收", attachments=3
    ),
    "outlook_reply_en.eml": Expected(
        "RE: [#SB-1042] Invoice question",
        "john.smith@contoso.com",
        "Please close the ticket",
        new_text_excludes="re-issued",
        conversation_number=1042,
    ),
    "outlook_reply_zh.eml": Expected(
        "答复: [#SB-2048] 无法登录",
        "zhangwei@example.cn",
        "问题已经解决了",
        new_text_excludes="重置密码",
        conversation_number=2048,
    ),
    "qqmail_reply.eml": Expected(
        "回复：快递安排", "123456789@qq.com", "等快递", new_text_excludes="原始邮件"
    ),
    "foxmail_reply.eml": Expected(
        "Re: Your refund", "chen@foxmail.com", "收到，谢谢", new_text_excludes="processed"
    ),
    "gmail_reply_en.eml": Expected(
        "Re: [#SB-555] Password reset",
        "alice.example@gmail.com",
        "It worked",
        new_text_excludes="reset your password",
        conversation_number=555,
    ),
    "gmail_reply_zh.eml": Expected(
        "Re: 页面打不开", "huanglei@gmail.com", "我会试一下", new_text_excludes="写道"
    ),
    "applemail_reply_en.eml": Expected(
        "Re: Delivery date",
        "bob@icloud.com",
        "about to arrive",
        new_text_excludes="iPhone",
    ),
    "applemail_reply_zh.eml": Expected(
        "回复：送货时间", "zhoujie@icloud.com", "周一下午都在", new_text_excludes="发自我的"
    ),
    "dsn_bounce_standard.eml": Expected(
        "Undelivered Mail Returned to Sender",
        "mailer-daemon@mx.acme.example",
        "could not",
        auto_submitted=True,
        is_bounce=True,
    ),
    "bounce_mailer_daemon_plain.eml": Expected(
        "Mail delivery failed: returning message to sender",
        "mailer-daemon@mail.example.net",
        "permanent error",
        auto_submitted=True,
        is_bounce=True,
    ),
    "autoreply_auto_submitted.eml": Expected(
        "Automatic reply: [#SB-88] Your request",
        "carol@example.com",
        "out of the office",
        auto_submitted=True,
        conversation_number=88,
    ),
    "autoreply_x_autoreply_zh.eml": Expected(
        "自动回复: 您的来信已收到", "sunli@example.cn", "正在休假", auto_submitted=True
    ),
    "precedence_bulk_newsletter.eml": Expected(
        "May newsletter", "news@shop.example", "Big sale", auto_submitted=True
    ),
    "forwarded_rfc822.eml": Expected(
        "Fwd: complaint from customer",
        "dave@contoso.com",
        "Please handle",
        new_text_excludes="服务太慢",
        attachments=1,
    ),
    "html_only_inline_image.eml": Expected(
        "Screenshot of the error", "eve@example.org", "Android 14", attachments=1
    ),
    "no_content_type.eml": Expected("no mime headers", "plain@example.com", "without any MIME"),
    "bad_boundary.eml": Expected("bad boundary", "broken@example.com", "Hello from a broken"),
    "truncated.eml": Expected("truncated upload", "trunc@example.com", "cut off", attachments=1),
    "nul_and_8bit_headers.eml": Expected(
        "中文 test", "chen@example.com", "a NUL byte", charset_errors=True
    ),
    "mixed_legacy_charsets.eml": Expected("日本語の件名", "ivan@example.ru", "Привет"),
    "signature_and_rule.eml": Expected(
        "Re: Question about plan",
        "frank@example.com",
        "upgrade to the Pro plan",
        new_text_excludes="Head of Operations",
    ),
}


def test_every_corpus_file_has_expectations() -> None:
    assert sorted(path.name for path in CORPUS.glob("*.eml")) == sorted(EXPECTATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_corpus_message_fields(name: str) -> None:
    expected = EXPECTATIONS[name]
    parsed = parse_email((CORPUS / name).read_bytes())
    assert parsed.subject == expected.subject
    assert parsed.from_address == expected.from_address
    assert expected.new_text_contains in parsed.new_text
    assert expected.new_text_excludes not in parsed.new_text
    assert len(parsed.attachments) == expected.attachments
    assert parsed.charset_errors is expected.charset_errors
    assert parsed.auto_submitted is expected.auto_submitted
    assert parsed.is_bounce is expected.is_bounce
    assert parsed.conversation_number == expected.conversation_number
    assert "\x00" not in parsed.text
    assert not any(defect.startswith("parser failure") for defect in parsed.defects)


@pytest.mark.skipif(
    not CPYTHON_MESSAGES, reason=f"CPython test data not installed at {CPYTHON_DATA}"
)
@pytest.mark.parametrize("path", CPYTHON_MESSAGES, ids=lambda path: path.name)
def test_cpython_test_message_parses_without_crash(path: Path) -> None:
    parsed = parse_email(path.read_bytes())
    assert not any(defect.startswith("parser failure") for defect in parsed.defects)
    assert isinstance(parsed.text, str)
    assert parsed.date is None or parsed.date.tzinfo is not None


def test_standard_dsn_names_the_bounced_message_and_reason() -> None:
    parsed = parse_email((CORPUS / "dsn_bounce_standard.eml").read_bytes())
    assert parsed.bounced_message_id == "<sb-1234-5@acme.example>"
    assert parsed.bounce_reason is not None
    assert parsed.bounce_reason.startswith("5.1.1")
    assert "User unknown" in parsed.bounce_reason


def test_plain_text_bounce_finds_the_returned_message_id() -> None:
    parsed = parse_email((CORPUS / "bounce_mailer_daemon_plain.eml").read_bytes())
    assert parsed.bounced_message_id == "<sb-77-9@acme.example>"
    assert parsed.bounce_reason is not None
    assert "5.2.1" in parsed.bounce_reason


def test_rfc2231_and_rfc2047_attachment_names_are_decoded() -> None:
    parsed = parse_email((CORPUS / "rfc2231_attachments.eml").read_bytes())
    assert [a.filename for a in parsed.attachments] == ["发票.pdf", "合同.docx", "截图.png"]
    assert parsed.attachments[0].data == b"%PDF-1.4 fake invoice"


def test_inline_image_is_an_inline_attachment_and_html_is_sanitised() -> None:
    parsed = parse_email((CORPUS / "html_only_inline_image.eml").read_bytes())
    (image,) = parsed.attachments
    assert image.inline
    assert image.content_id == "image001.png@01DA"
    assert parsed.html is not None
    assert "onerror" not in parsed.html
    assert "The app shows this error" in parsed.text


def test_threading_headers_are_read_oldest_first() -> None:
    parsed = parse_email((CORPUS / "qqmail_reply.eml").read_bytes())
    assert parsed.message_id == "<tencent_ABCDEF0123456789@qq.com>"
    assert parsed.in_reply_to == "<sb-3001-2@acme.example>"
    assert parsed.references == ("<sb-3001-1@acme.example>", "<sb-3001-2@acme.example>")
    assert parsed.date is not None
    assert parsed.date.utcoffset() is not None
    assert parsed.date.isoformat() == "2024-05-16T07:30:00+00:00"


def test_forwarded_message_text_is_readable_history() -> None:
    parsed = parse_email((CORPUS / "forwarded_rfc822.eml").read_bytes())
    assert "服务太慢" in parsed.text
    assert parsed.attachments[0].content_type == "message/rfc822"
    assert parsed.attachments[0].filename == "投诉：服务太慢.eml"
