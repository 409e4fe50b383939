"""The forms every tenant starts with: contact us, complaint (D15), fault repair (D14) and
feedback with a satisfaction rating (D23), labelled in Chinese and English.

Deadlines are not set here: a complaint's 24 hours come from the SLA policies matching its
category. Each form goes to the first queue of ``queues`` named by its ``QUEUE_KEYS``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import col

from channels.webform.definition import FormDefinition
from core.forms.service import create_form
from core.models.web_form import WebForm

IMAGES_AND_PDF = ["image/jpeg", "image/png", "application/pdf"]
QUEUE_KEYS: dict[str, tuple[str, ...]] = {
    "contact-us": ("general", "billing"),
    "complaint": ("complaints", "complaint"),
    "fault-repair": ("technical", "repair"),
    "feedback": ("feedback", "general"),
}


def _label(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _option(value: str, zh: str, en: str) -> dict[str, Any]:
    return {"value": value, "label": _label(zh, en)}


NAME = {"name": "name", "type": "text", "label": _label("姓名", "Name"), "role": "name"}
EMAIL = {"name": "email", "type": "email", "label": _label("电子邮件", "Email")}
PHONE = {"name": "phone", "type": "phone", "label": _label("手机号码", "Mobile number")}
CALLBACK = {
    "name": "callback_phone",
    "type": "phone",
    "role": "callback",
    "label": _label("需要回电？请留下号码", "Want a call back? Your number"),
    "help": _label("留空则不回电。", "Leave empty if you do not want a call."),
}
CONTACT_HELP = _label(
    "请至少留下电子邮件或手机号码之一。", "Give at least an email address or a mobile number."
)

DEFAULT_FORMS: list[dict[str, Any]] = [
    {
        "slug": "contact-us",
        "title": _label("联系我们", "Contact us"),
        "thread_into_open": True,
        "definition": {
            "intro": CONTACT_HELP,
            "fields": [
                {**NAME, "required": True},
                EMAIL,
                PHONE,
                {
                    "name": "topic",
                    "type": "select",
                    "role": "category",
                    "required": True,
                    "label": _label("咨询类别", "Topic"),
                    "options": [
                        _option("billing", "账单与话费", "Bills and charges"),
                        _option("roaming", "国际漫游", "Roaming"),
                        _option("broadband", "宽带", "Broadband"),
                        _option("account_change", "业务变更", "Plan or account change"),
                        _option("general", "其他", "Something else"),
                    ],
                },
                {
                    "name": "subject",
                    "type": "text",
                    "role": "subject",
                    "label": _label("主题", "Subject"),
                },
                {
                    "name": "message",
                    "type": "textarea",
                    "required": True,
                    "label": _label("您的问题", "Your question"),
                },
                CALLBACK,
            ],
        },
    },
    {
        "slug": "complaint",
        "title": _label("投诉", "Complaint"),
        "category": "complaint",
        "attachment_types": IMAGES_AND_PDF,
        "definition": {
            "intro": _label(
                "我们会在 24 小时内处理您的投诉，并通过您留下的方式告知结果。",
                "We handle complaints within 24 hours and tell you the outcome the way you "
                "choose below.",
            ),
            "fields": [
                {**NAME, "required": True},
                EMAIL,
                PHONE,
                {
                    "name": "nature",
                    "type": "select",
                    "label": _label("投诉类型", "What is it about?"),
                    "options": [
                        _option("product_quality", "产品质量", "Product quality"),
                        _option("network_performance", "网络质量", "Network performance"),
                        _option("technical_fault", "技术故障", "Technical fault"),
                        _option("service", "服务态度", "Service"),
                    ],
                },
                {
                    "name": "subject",
                    "type": "text",
                    "role": "subject",
                    "required": True,
                    "label": _label("投诉事项", "Matter"),
                },
                {
                    "name": "description",
                    "type": "textarea",
                    "required": True,
                    "label": _label("详细经过", "What happened"),
                },
                {
                    "name": "occurred_on",
                    "type": "date",
                    "past_only": True,
                    "label": _label("发生日期", "When did it happen?"),
                },
            ],
        },
    },
    {
        "slug": "fault-repair",
        "title": _label("故障报修", "Fault repair"),
        "category": "device_repair",
        "attachment_types": IMAGES_AND_PDF,
        "definition": {
            "intro": CONTACT_HELP,
            "fields": [
                {**NAME, "required": True},
                EMAIL,
                PHONE,
                {
                    "name": "device_model",
                    "type": "text",
                    "label": _label("设备型号", "Device model"),
                },
                {
                    "name": "serial_number",
                    "type": "text",
                    "required": True,
                    "pattern": "[A-Za-z0-9-]{6,32}",
                    "label": _label("设备序列号", "Serial number"),
                    "help": _label(
                        "6–32 位字母、数字或连字符，见设备背面标签。",
                        "6 to 32 letters, digits or hyphens, on the label at the back.",
                    ),
                },
                {
                    "name": "purchase_date",
                    "type": "date",
                    "required": True,
                    "past_only": True,
                    "label": _label("购买日期", "Purchase date"),
                },
                {
                    "name": "symptoms",
                    "type": "textarea",
                    "required": True,
                    "label": _label("故障现象", "What goes wrong"),
                },
                {
                    "name": "started_on",
                    "type": "date",
                    "past_only": True,
                    "label": _label("故障开始日期", "Since when"),
                },
                {
                    "name": "repair_preference",
                    "type": "select",
                    "label": _label("维修方式", "How should we fix it?"),
                    "options": [
                        _option("remote", "远程处理", "Remotely"),
                        _option("on_site", "上门维修", "Visit me"),
                        _option("shipping", "寄修", "I will send it in"),
                    ],
                },
                CALLBACK,
            ],
        },
    },
    {
        "slug": "feedback",
        "title": _label("意见反馈与满意度", "Feedback and satisfaction"),
        "category": "feedback",
        "definition": {
            "fields": [
                NAME,
                EMAIL,
                PHONE,
                {
                    "name": "rating",
                    "type": "rating",
                    "required": True,
                    "min_value": 1,
                    "max_value": 5,
                    "label": _label("总体满意度（1–5）", "Overall satisfaction (1 to 5)"),
                },
                {
                    "name": "reference",
                    "type": "text",
                    "pattern": "#?(SB-)?[0-9]{1,12}",
                    "label": _label("相关参考编号", "Reference number it is about"),
                },
                {"name": "comments", "type": "textarea", "label": _label("意见与建议", "Comments")},
                {
                    "name": "may_contact",
                    "type": "checkbox",
                    "label": _label("可以就我的反馈联系我", "You may contact me about this"),
                },
            ],
        },
    },
]


def install_default_forms(
    session: Session, *, queues: Mapping[str, uuid.UUID] | None = None
) -> list[WebForm]:
    """Add the default forms to the session's tenant (no commit); forms whose slug exists are
    left as they are. Returns the forms it added."""
    existing = set(session.execute(sa.select(col(WebForm.slug))).scalars())
    added = []
    for spec in DEFAULT_FORMS:
        if spec["slug"] in existing:
            continue
        definition = FormDefinition.model_validate(spec["definition"])
        settings = {k: v for k, v in spec.items() if k not in ("slug", "title", "definition")}
        queue_id = next(
            (queues[key] for key in QUEUE_KEYS[spec["slug"]] if queues and key in queues), None
        )
        added.append(
            create_form(
                session,
                slug=spec["slug"],
                title=spec["title"],
                definition=definition.model_dump(exclude_none=True),
                queue_id=queue_id,
                **settings,
            )
        )
    return added
