"""Reply extraction: the customer's new words, without quoted history or signature."""

from __future__ import annotations

import pytest

from channels.email.reply_text import extract_new_text

CASES = {
    "on_wrote": (
        "Sounds good.\n\nOn Mon, May 6, 2024 at 9:00 AM Bob <b@x.com> wrote:\n> old",
        "Sounds good.",
    ),
    "on_wrote_wrapped": (
        "Yes.\n\nOn Mon, May 6, 2024 at 9:00 AM Bob <\nb@x.com> wrote:\n\n> old",
        "Yes.",
    ),
    "apple_at": ("Fine.\n\nOn May 6, 2024, at 09:00, Bob <b@x.com> wrote:\n\n> old", "Fine."),
    "original_message": ("Done.\n\n-----Original Message-----\nFrom: x\nold", "Done."),
    "outlook_block": (
        "Thanks!\n\nFrom: Support <s@x.com>\nSent: Monday, May 6, 2024 9:00 AM\nTo: Me\nSubject: Hi\n\nold",
        "Thanks!",
    ),
    "outlook_block_bold": (
        "Ok\n\n*From:* Support <s@x.com>\n*Sent:* Monday\n*To:* Me\n*Subject:* Hi\nold",
        "Ok",
    ),
    "outlook_zh_halfwidth": (
        "好的\n\n发件人: 客服 <s@x.com>\n发送时间: 2024年5月6日 9:00\n收件人: 我\n主题: 你好\n旧内容",
        "好的",
    ),
    "outlook_zh_fullwidth": (
        "收到\n\n发件人：客服\n时间：2024年5月6日\n收件人：我\n主题：你好\n旧内容",
        "收到",
    ),
    "qq_mail": (
        '谢谢\n\n------------------ 原始邮件 ------------------\n发件人: "客服"<s@x.com>;\n旧内容',
        "谢谢",
    ),
    "foxmail": ("OK\n\n------------------ Original ------------------\nFrom: s\nold", "OK"),
    "apple_zh": ("可以\n\n在 2024年5月1日，上午9:00，客服 <s@x.com> 写道：\n\n> 旧", "可以"),
    "gmail_zh": ("可以\n\n客服 <s@x.com> 于2024年5月1日周三 09:00写道：\n\n> 旧", "可以"),
    "signature": ("See you.\n\n-- \nAlice\nCEO", "See you."),
    "iphone": ("On my way.\n\nSent from my iPhone", "On my way."),
    "iphone_zh": ("马上到\n\n发自我的iPhone", "马上到"),
    "interleaved": (
        "> question one?\nanswer one\n> question two?\nanswer two",
        "answer one\nanswer two",
    ),
    "forwarded": ("FYI\n\n---------- Forwarded message ---------\nFrom: x\nold", "FYI"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_new_text_is_extracted(name: str) -> None:
    text, expected = CASES[name]
    assert extract_new_text(text) == expected


def test_only_quoted_text_falls_back_to_whole_text() -> None:
    text = "On Mon, Bob wrote:\n> everything is quoted"
    assert extract_new_text(text) == text


def test_prose_mentioning_from_is_not_cut() -> None:
    text = "From: my side, the issue is fixed.\nThanks for your help."
    assert extract_new_text(text) == text


def test_crlf_text_is_handled() -> None:
    assert extract_new_text("Hi\r\n\r\nOn Mon, Bob wrote:\r\n> x") == "Hi"
