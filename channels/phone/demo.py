"""The demo tenant's hotline: a voice account and a 10086-style line with a bilingual IVR.

Self-service balance and data usage (D18) read the caller's contact attributes ``balance``,
``data_used_gb`` and ``data_left_gb`` after the caller keys the ``verify_digits`` attribute
(D11); billing, technical faults, complaints and the English service go to agents; VIP and
diamond callers get priority (D8); after hours the line takes voicemail. Called by the seed.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from channels.phone.ivr_schema import parse_tree
from core.calls import config
from core.models.voice_line import VoiceLine

DEMO_NUMBER = "+861008610086"
DEMO_ACCOUNT_SID = "ACdemo00000000000000000000000000"
DEMO_AUTH_TOKEN = "demo-voice-auth-token"
QUEUE_ROLES = ("billing", "technical", "complaints", "english", "default")


def demo_ivr(queues: Mapping[str, uuid.UUID]) -> dict[str, Any]:
    """The demo line's tree (see channels.phone.ivr for the schema); ``queues`` by role."""

    def queue(role: str, category: str | None, **extra: Any) -> dict[str, Any]:
        return {"type": "queue", "queue_id": str(queues[role]), "category": category, **extra}

    return {
        "languages": ["zh-CN", "en-US"],
        "greeting": {
            "zh-CN": "您好，欢迎致电北风通信客户服务热线。",
            "en-US": "Welcome to Northwind Telecom. For English service, press 9.",
        },
        "start": "main",
        "nodes": {
            "main": {
                "type": "menu",
                "prompt": {
                    "zh-CN": "账单问题请按1，故障报修请按2，投诉请按3，查询话费余额请按4，"
                    "查询流量请按5，预约回电请按6，人工服务请按0。",
                    "en-US": "For billing press 1, a technical fault 2, a complaint 3, your "
                    "balance 4, data usage 5, a call-back 6, or 0 for an agent.",
                },
                "options": [
                    {"digits": "1", "speech": {"zh-CN": ["账单", "话费"], "en-US": ["bill", "billing"]},
                     "next": "billing"},
                    {"digits": "2", "speech": {"zh-CN": ["故障", "报修", "没信号"],
                     "en-US": ["fault", "broken", "no signal"]}, "next": "fault"},
                    {"digits": "3", "speech": {"zh-CN": ["投诉"], "en-US": ["complaint"]},
                     "next": "complaint"},
                    {"digits": "4", "speech": {"zh-CN": ["余额"], "en-US": ["balance"]},
                     "next": "balance"},
                    {"digits": "5", "speech": {"zh-CN": ["流量"], "en-US": ["data"]},
                     "next": "data"},
                    {"digits": "6", "speech": {"zh-CN": ["回电"], "en-US": ["call back"]},
                     "next": "callback"},
                    {"digits": "9", "speech": {"zh-CN": ["英语"], "en-US": ["english"]},
                     "next": "english", "language": "en-US"},
                    {"digits": "0", "speech": {"zh-CN": ["人工"], "en-US": ["agent"]},
                     "next": "agent"},
                ],
                "no_input": "agent",
            },
            "balance": {
                "type": "answer",
                "text": {"zh-CN": "您当前的话费余额为{balance}元。",
                         "en-US": "Your balance is {balance} yuan."},
                "fallback": {"zh-CN": "抱歉，暂时无法为您查询余额。",
                             "en-US": "Sorry, we cannot tell you your balance now."},
                "verify": True,
                "next": "main",
            },
            "data": {
                "type": "answer",
                "text": {"zh-CN": "本月您已使用流量{data_used_gb}GB，剩余{data_left_gb}GB。",
                         "en-US": "This month you used {data_used_gb} GB; "
                         "{data_left_gb} GB are left."},
                "fallback": {"zh-CN": "抱歉，暂时无法为您查询流量。",
                             "en-US": "Sorry, we cannot tell you your data usage now."},
                "verify": True,
                "next": "main",
            },
            "billing": queue("billing", "billing", verify=True),
            "fault": queue("technical", "fault"),
            "complaint": queue("complaints", "complaint", priority="high", verify=True),
            "english": queue("english", None),
            "agent": queue("default", None),
            "callback": {
                "type": "callback",
                "text": {"zh-CN": "已为您预约回电，我们会尽快与您联系。",
                         "en-US": "We will call you back as soon as we can."},
            },
        },
        "verification": {
            "attribute": "verify_digits",
            "digits": 4,
            "prompt": {"zh-CN": "为保障您的账户安全，请输入您身份证号码的后四位，以井号键结束。",
                       "en-US": "To protect your account, please enter the last four digits "
                       "of your ID number, then press pound."},
        },
        "vip": {
            "tiers": ["diamond", "vip"],
            "priority": "high",
            "greeting": {"zh-CN": "尊敬的贵宾客户，您好，我们将优先为您服务。",
                         "en-US": "Welcome, valued customer: you have priority service."},
        },
        "after_hours": {
            "prompt": {"zh-CN": "您好，现在是非工作时间（服务时间每天8点至22点）。请在提示音后留言，"
                       "我们将在上班后尽快回复您。",
                       "en-US": "We are closed now; our hours are 8 am to 10 pm every day. "
                       "Please leave a message after the tone."},
            "max_seconds": 120,
        },
    }  # fmt: skip


def install_demo_voice(session: Session, *, queues: Mapping[str, uuid.UUID]) -> VoiceLine:
    """The demo voice account (token ``DEMO_AUTH_TOKEN``) and hotline ``DEMO_NUMBER`` (no commit).

    ``queues`` maps the menu's roles to queue ids: ``billing``, ``technical``, ``complaints``,
    ``english`` and ``default`` (choice 0, callers who choose nothing, and the line's default
    queue); a role left out goes to ``default``, else to the first queue given.
    """
    if not queues:
        raise ValueError("the demo line needs at least one queue")
    fallback = queues.get("default") or next(iter(queues.values()))
    by_role = {role: queues.get(role) or fallback for role in QUEUE_ROLES}
    config.put_account(session, account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN)
    ivr = demo_ivr(by_role)
    tree = parse_tree(ivr, default_language="zh-CN")
    refs = {f"ivr.nodes.{n.id}.queue_id": n.queue_id for n in tree.nodes.values() if n.queue_id}
    return config.create_line(
        session,
        ivr_queues=refs,
        number=DEMO_NUMBER,
        name="Northwind hotline 10086",
        language="zh-CN",
        ivr=ivr,
        default_queue_id=by_role["default"],
        voicemail=True,
    )
