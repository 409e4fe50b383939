"""The new part of a reply: the text above the quoted history, without the signature.

Works on plain text (or text converted from HTML) as English and Chinese mail clients write it:
attribution lines ("On … wrote:", "在 … 写道："), separators ("-----Original Message-----",
QQ Mail's "原始邮件", Foxmail's "Original"), Outlook's From/Sent/To/Subject block in either
language, "> " quoting (interleaved answers are kept), "-- " signatures and mobile footers.
Never returns less than something: if nothing would be left, the whole text comes back.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\s+Message|Original|原始邮件|原始郵件|Forwarded\s+message|转发邮件信息
            |轉寄郵件|Reply\s+message|回复邮件)\s*-{2,}
      | -{2,}\s*Original\s+message\s*-{2,}
      | Begin\s+forwarded\s+message:
      | 转发的邮件[:：]?
      | 以下是转发的邮件[:：]?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_ATTRIBUTION_EN = re.compile(r"^\s*On\b.{0,300}?\bwrote\s*[:：]\s*$", re.IGNORECASE | re.DOTALL)
_ATTRIBUTION_OTHER = re.compile(
    r"^.{0,300}?(?:写道|寫道|寫了|wrote)\s*[:：]\s*$|^\s*(?:Le|Am|El|Il)\s.{0,300}(?:a écrit|schrieb|escribió|ha scritto)\s*:\s*$",
    re.DOTALL,
)
_HEADER_FROM = re.compile(
    r"^\s*\*?\s*(?:From|发件人|寄件者|寄件人|De|Von)\s*\*?\s*[:：]", re.IGNORECASE
)
_HEADER_OTHER = re.compile(
    r"^\s*\*?\s*(?:Sent|Date|To|Cc|Subject|发送时间|发送日期|时间|日期|收件人|抄送|主题|主旨|"
    r"傳送時間|寄件日期|收件者|副本|Envoyé|Gesendet|An|Betreff|Objet|À)\s*\*?\s*[:：]",
    re.IGNORECASE,
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
_MOBILE_FOOTER = re.compile(
    r"""^\s*(?:
        Sent\s+(?:from|with|via)\s+(?:my\s+)?\S.{0,60}
      | Get\s+Outlook\s+for\s+\S+
      | Sent\s+from\s+Mail\s+for\s+Windows.*
      | (?:发自|來自|来自|寄自|從|从)我的.{0,30}
      | 发自\s*(?:网易邮箱|QQ邮箱|手机QQ邮箱|腾讯企业邮|Outlook|iPhone|iPad|Android).{0,30}
      | 从我的.{0,30}发送
      | 從我的.{0,30}傳送
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_QUOTED = re.compile(r"^\s*(?:>|＞|&gt;)")
_HISTORY_WINDOW = 7


def extract_new_text(text: str) -> str:
    """The reply's own words: quoted history, attributions and signature removed.

    Falls back to the whole (stripped) text when extraction would leave nothing, so a message
    is never shown empty just because it starts with a quote or a forwarded header block.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = lines[: _history_start(lines)]
    kept = [line for line in kept if not _QUOTED.match(line)]
    kept = kept[: _signature_start(kept)]
    new_text = _tidy("\n".join(kept))
    return new_text or text.strip()


def _history_start(lines: list[str]) -> int:
    """Index of the first line of quoted history (len(lines) if there is none)."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _SEPARATORS.match(line) or _header_block_at(lines, index):
            return index
        if _UNDERSCORE_RULE.match(line) and _header_block_at(lines, _next_nonblank(lines, index)):
            return index
        if (attribution := _attribution_at(lines, index)) is not None:
            return attribution
    return len(lines)


def _attribution_at(lines: list[str], index: int) -> int | None:
    """An attribution line; "On … wrote:" may be wrapped over up to three lines."""
    if _ATTRIBUTION_OTHER.match(lines[index].strip()):
        return index
    for span in (1, 2, 3):
        chunk = lines[index : index + span]
        if len(chunk) < span or not chunk[-1].strip():
            return None
        if _ATTRIBUTION_EN.match(" ".join(part.strip() for part in chunk)):
            return index
    return None


def _header_block_at(lines: list[str], index: int) -> bool:
    """An Outlook-style header block: a From line followed closely by two more header lines."""
    if index >= len(lines) or not _HEADER_FROM.match(lines[index]):
        return False
    window = lines[index + 1 : index + 1 + _HISTORY_WINDOW]
    return sum(1 for line in window if _HEADER_OTHER.match(line)) >= 2


def _next_nonblank(lines: list[str], index: int) -> int:
    for candidate in range(index + 1, len(lines)):
        if lines[candidate].strip():
            return candidate
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    """Index of the signature: a "-- " delimiter, or a mobile footer near the end."""
    for index, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line):
            return index
    nonblank = [index for index, line in enumerate(lines) if line.strip()]
    for index in nonblank[-3:]:
        if _MOBILE_FOOTER.match(lines[index]):
            return index
    return len(lines)


def _tidy(text: str) -> str:
    """Strip surrounding blank lines and collapse runs of more than two blank lines."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.split("\n"))).strip()
