"""Webhook form bodies as Twilio sends them (application/x-www-form-urlencoded).

Parsed once into ``FormParams``, which the signature check reads as a multi-dict (Twilio signs
every value of a repeated field) and the steps read through typed accessors.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

MAX_FIELDS = 200


class MalformedWebhook(ValueError):
    """A body that is not a form Twilio could have sent."""


class FormParams(dict[str, list[str]]):
    """Field name → every value sent; ``getall`` is what RequestValidator asks of a multi-dict."""

    def getall(self, name: str) -> list[str]:
        return self[name]

    def get_one(self, name: str) -> str | None:
        """The first value of a field, or None; empty strings count as absent."""
        values = self.get(name)
        return values[0] if values and values[0] != "" else None

    def get_int(self, name: str) -> int | None:
        """A non-negative integer field; None when absent or not a number."""
        value = self.get_one(name)
        if value is None or not value.isdigit():
            return None
        return min(int(value), 10**9)

    @property
    def call_sid(self) -> str | None:
        return self.get_one("CallSid")


def parse_form(body: bytes) -> FormParams:
    """The form fields of a webhook body; MalformedWebhook if it cannot be one."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedWebhook(str(exc)) from exc
    params = FormParams()
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise MalformedWebhook("NUL in a form field")
        params.setdefault(name, []).append(value)
    return params
