"""What the IVR says when a tree does not say otherwise, and filling ``{placeholders}``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,63})\}")

Texts = Mapping[str, str]
"""A text per language tag: ``{"zh-CN": "...", "en-US": "..."}``."""

DEFAULT_PROMPTS: dict[str, dict[str, str]] = {
    "invalid": {"zh-CN": "抱歉，输入有误，请重新选择。", "en-US": "Sorry, I did not get that."},
    "goodbye": {"zh-CN": "感谢您的来电，再见。", "en-US": "Thank you for calling. Goodbye."},
    "connecting": {
        "zh-CN": "正在为您转接人工服务，请稍候。",
        "en-US": "Connecting you to an agent, please hold.",
    },
    "voicemail_thanks": {
        "zh-CN": "您的留言已收到，我们会尽快回复，再见。",
        "en-US": "Thank you, your message has been recorded. Goodbye.",
    },
    "after_hours": {
        "zh-CN": "现在是非工作时间，请在提示音后留言，按井号键结束。",
        "en-US": "We are closed now. Please leave a message after the tone, then press pound.",
    },
    "closed": {
        "zh-CN": "现在是非工作时间，请在工作时间再来电。",
        "en-US": "We are closed now. Please call again during business hours.",
    },
    "position": {
        "zh-CN": "您前面还有{position}位客户。",
        "en-US": "You are number {position} in line.",
    },
    "estimate": {
        "zh-CN": "预计等待约{minutes}分钟。",
        "en-US": "Your estimated wait is about {minutes} minutes.",
    },
    "verify": {
        "zh-CN": "请输入您身份证号码的后四位，以井号键结束。",
        "en-US": "Please enter the last four digits of your ID number, then press pound.",
    },
    "verified": {"zh-CN": "验证成功。", "en-US": "Thank you, you are verified."},
    "not_verified": {"zh-CN": "验证未通过。", "en-US": "Sorry, we could not verify you."},
    "callback": {
        "zh-CN": "已为您登记回电，我们会尽快联系您。",
        "en-US": "We will call you back as soon as we can.",
    },
    "vip": {"zh-CN": "尊敬的贵宾客户，您好。", "en-US": "Welcome, valued customer."},
    "busy": {
        "zh-CN": "抱歉，目前坐席繁忙，请在提示音后留言。",
        "en-US": "Sorry, all our agents are busy. Please leave a message after the tone.",
    },
    "callback_intro": {
        "zh-CN": "您好，这是您预约的回电，正在为您转接人工服务。",
        "en-US": "Hello, this is the call-back you asked for. Connecting you to an agent.",
    },
    "unavailable": {
        "zh-CN": "抱歉，暂时无法查询您的信息。",
        "en-US": "Sorry, we cannot look up your details right now.",
    },
}
OVERRIDABLE_PROMPTS = frozenset({"invalid", "goodbye", "connecting", "voicemail_thanks"})


def text_in(texts: Texts, language: str) -> str:
    """The text in ``language``, else in its primary language, else the first one given."""
    if language in texts:
        return texts[language]
    primary = language.split("-", 1)[0]
    for tag, text in texts.items():
        if tag.split("-", 1)[0] == primary:
            return text
    return next(iter(texts.values()), "")


def fill(template: str, values: Mapping[str, Any]) -> str | None:
    """``{name}`` placeholders filled from ``values``; None if one has no value.

    Only bare names are replaced (no attribute access or format specs), so a tree's text can
    never reach into Python objects.
    """
    missing = False

    def value_of(match: re.Match[str]) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if value is None or isinstance(value, dict | list) or str(value) == "":
            missing = True
            return ""
        return str(value)

    filled = PLACEHOLDER.sub(value_of, template)
    return None if missing else filled
