"""Every text a submitter reads, in each form language: field messages and page wording."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels.webform.definition import LANGUAGES

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"zh": "请填写此项。", "en": "Please fill in this field."},
    "too_long": {"zh": "最多 {max} 个字符。", "en": "At most {max} characters."},
    "pattern": {"zh": "格式不正确。", "en": "This is not in the expected format."},
    "not_text": {"zh": "请填写文字。", "en": "Must be text."},
    "email": {"zh": "请输入有效的电子邮件地址。", "en": "Please enter a valid email address."},
    "phone": {"zh": "请输入有效的电话号码。", "en": "Please enter a valid phone number."},
    "choice": {"zh": "请从以下选项中选择：{options}。", "en": "Choose one of: {options}."},
    "rating": {
        "zh": "请选择 {min} 到 {max} 之间的评分。",
        "en": "Choose a rating from {min} to {max}.",
    },
    "date": {"zh": "请按 年-月-日 填写日期。", "en": "Enter the date as YYYY-MM-DD."},
    "future_date": {"zh": "日期不能晚于今天。", "en": "The date cannot be in the future."},
    "checkbox": {"zh": "只能为是或否。", "en": "Must be yes or no."},
    "unknown_field": {"zh": "此表单没有这一项。", "en": "This form has no such field."},
    "identity": {
        "zh": "请留下电子邮件地址或电话号码，以便我们联系您。",
        "en": "Please give an email address or a phone number so that we can reach you.",
    },
    "no_attachments": {"zh": "此表单不接受附件。", "en": "This form takes no attachments."},
    "too_many_attachments": {
        "zh": "最多可上传 {max} 个附件。",
        "en": "At most {max} attachments.",
    },
    "attachment_too_large": {
        "zh": "附件“{name}”超过 {limit}。",
        "en": "“{name}” is larger than {limit}.",
    },
    "attachment_type": {
        "zh": "不接受附件“{name}”的类型。可接受：{types}。",
        "en": "“{name}” is not of an accepted type ({types}).",
    },
    "captcha_missing": {"zh": "请完成人机验证。", "en": "Please complete the captcha."},
    "captcha_failed": {
        "zh": "人机验证未通过，请重试。",
        "en": "The captcha was not solved; please try again.",
    },
    "captcha_unavailable": {
        "zh": "暂时无法完成人机验证，请稍后再试。",
        "en": "The captcha cannot be checked right now; please try again shortly.",
    },
    "honeypot": {"zh": "提交被拒绝。", "en": "The submission was refused."},
    "rate_limited": {
        "zh": "提交过于频繁，请在 {minutes} 分钟后重试。",
        "en": "Too many submissions; please try again in {minutes} minutes.",
    },
    "csrf": {
        "zh": "页面已过期或无效。您填写的内容已保留，请重新提交。",
        "en": "This page has expired. What you entered is kept below; please submit again.",
    },
    "invalid": {
        "zh": "请更正以下标出的内容。",
        "en": "Please correct the fields marked below.",
    },
    "thanks": {
        "zh": "感谢您的提交。您的参考编号为 {reference}。",
        "en": "Thank you. Your reference number is {reference}.",
    },
    "already_received": {
        "zh": "我们已收到此提交，参考编号为 {reference}。",
        "en": "We already have this submission; its reference number is {reference}.",
    },
    "submit": {"zh": "提交", "en": "Submit"},
    "choose": {"zh": "请选择…", "en": "Choose…"},
    "yes": {"zh": "是", "en": "Yes"},
    "required_mark": {"zh": "必填", "en": "required"},
    "attachments": {"zh": "附件", "en": "Attachments"},
    "attachments_help": {
        "zh": "最多 {max} 个，每个不超过 {limit}（{types}）。",
        "en": "Up to {max}, each at most {limit} ({types}).",
    },
    "not_found": {"zh": "找不到此表单。", "en": "There is no such form."},
    "unavailable": {
        "zh": "暂时无法提交，请稍后再试。",
        "en": "The form cannot be submitted right now; please try again shortly.",
    },
    "keep_reference": {
        "zh": "请保留此编号，以便日后查询。",
        "en": "Please keep this number for any later questions.",
    },
    "too_large": {"zh": "提交的内容过大。", "en": "The submission is too large."},
    "honeypot_label": {"zh": "请勿填写此项", "en": "Leave this empty"},
}

LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


def text(key: str, language: str, **values: Any) -> str:
    """The message ``key`` in ``language`` (English when the language has none), filled in."""
    templates = MESSAGES[key]
    template = templates.get(language) or templates["en"]
    return template.format(**values) if values else template


def pick_language(requested: str | None, accept_language: str | None, default: str) -> str:
    """``?lang=`` if it names a form language, else the best of Accept-Language, else the form's.

    Accept-Language is read with its q-values; only the primary subtag counts (zh-CN → zh).
    """
    for candidate in (requested, *_accepted(accept_language)):
        primary = (candidate or "").strip().lower().split("-")[0]
        if primary in LANGUAGES:
            return primary
    return default if default in LANGUAGES else LANGUAGES[0]


def _accepted(header: str | None) -> Iterable[str]:
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def size_text(size: int) -> str:
    """A byte count as people read it (5 MB, 300 KB)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} B"
