"""Building the email we send: threading headers, subject token, text + HTML alternative.

The Message-ID is derived from our message id, so a resend after a crash carries the same
Message-ID and the customer's mail client (and our threading of their answer) sees one mail.
"""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from channels.email.parsing import conversation_token
from core.clock import utcnow
from core.outbound import OutboundMessage

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|antw|回复|答复)\s*[:：]\s*)+", re.IGNORECASE)
_TOKEN = re.compile(r"\s*\[#SB-\d+\]\s*")


def message_id_for(message_id: uuid.UUID, mailbox_address: str) -> str:
    """Our stable Message-ID for an outbound message, with angle brackets as stored."""
    domain = mailbox_address.rpartition("@")[2] or "switchboard.invalid"
    return f"<{message_id}@{domain}>"


def reply_subject(subject: str, conversation_number: int) -> str:
    """``Re: <subject> [#SB-n]``: one ``Re:``, one token, whatever the thread did to it."""
    bare = _TOKEN.sub(" ", _REPLY_PREFIX.sub("", subject)).strip()
    token = conversation_token(conversation_number)
    return f"Re: {bare} {token}" if bare else f"Re: {token}"


def compose_reply(
    outbound: OutboundMessage,
    *,
    from_address: str,
    from_name: str = "",
    automatic: bool = False,
) -> EmailMessage:
    """The reply as an EmailMessage (modern API); ``automatic`` marks it per RFC 3834.

    Automatic mail (acknowledgements) carries ``Auto-Submitted: auto-replied`` so that other
    robots do not answer it, which is how mail loops start. A notice to staff (an SLA breach,
    a public-opinion alert: ``metadata["notice"]``) is no reply: its subject stands as given,
    without a conversation token, and it is ``Auto-Submitted: auto-generated``.
    """
    notice = bool(outbound.metadata.get("notice"))
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((from_name, from_address)) if from_name else from_address
    message["To"] = outbound.recipient
    message["Subject"] = (
        outbound.subject
        if notice
        else reply_subject(outbound.subject, outbound.conversation_number)
    )
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id_for(outbound.message_id, from_address)
    if outbound.in_reply_to:
        message["In-Reply-To"] = outbound.in_reply_to
    references = list(outbound.references)
    if outbound.in_reply_to and outbound.in_reply_to not in references:
        references.append(outbound.in_reply_to)
    if references:
        message["References"] = " ".join(references)
    if notice:
        message["Auto-Submitted"] = "auto-generated"
    elif automatic:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(outbound.text or "", charset="utf-8")
    if outbound.html:
        message.add_alternative(outbound.html, subtype="html", charset="utf-8")
    return message
