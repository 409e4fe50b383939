"""The webhook URLs the provider is told to call back, all under one tenant's base.

``/webhooks/voice/{tenant_slug}/{step}``; state a step needs from an earlier one travels in
the query string, which the provider signs along with the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from core.settings import get_settings

WEBHOOK_PREFIX = "/webhooks/voice"


def webhook_base(public_base_url: str, tenant_slug: str) -> str:
    return f"{public_base_url.rstrip('/')}{WEBHOOK_PREFIX}/{tenant_slug}"


@dataclass(frozen=True, slots=True)
class VoiceUrls:
    """Absolute URLs of one tenant's voice webhooks."""

    base: str

    def step(self, name: str, **query: object) -> str:
        pairs = sorted((k, str(v)) for k, v in query.items() if v is not None)
        return f"{self.base}/{name}" + (f"?{urlencode(pairs)}" if pairs else "")

    def incoming(self) -> str:
        return self.step("incoming")

    def gather(
        self, node: str, lang: str, step: int, attempt: int = 0, no_input: bool = False
    ) -> str:
        """A menu's answer (or its absence); without ``node`` the line's first menu."""
        return self.step(
            "gather",
            node=node,
            lang=lang,
            step=step,
            attempt=attempt,
            noinput=1 if no_input else None,
        )

    def verify(self, node: str, lang: str, step: int, no_input: bool = False) -> str:
        return self.step("verify", node=node, lang=lang, step=step, noinput=1 if no_input else None)

    def wait(self, lang: str) -> str:
        return self.step("wait", lang=lang)

    def queue_result(self, lang: str) -> str:
        return self.step("queue-result", lang=lang)

    def bridge(self, call_sid: str) -> str:
        return self.step("bridge", call=call_sid)

    def dial_result(self, call_sid: str, lang: str) -> str:
        return self.step("dial-result", call=call_sid, lang=lang)

    def agent_leg(self, call_sid: str) -> str:
        return self.step("agent-leg", call=call_sid)

    def status(self, callback_id: object | None = None) -> str:
        return self.step("status", callback=callback_id)

    def voicemail(self, lang: str) -> str:
        return self.step("voicemail", lang=lang)

    def recording(self) -> str:
        return self.step("recording")

    def transcription(self) -> str:
        return self.step("transcription")

    def outbound(self, callback_id: object) -> str:
        return self.step("outbound", callback=callback_id)


def tenant_urls(*, public_base_url: str | None, slug: str) -> VoiceUrls:
    """A tenant's webhook URLs for work outside a request (workers): its account's public base
    URL, else this deployment's own address (``HOST``/``PORT``)."""
    if not public_base_url:
        settings = get_settings()
        public_base_url = f"http://{settings.host}:{settings.port}"
    return VoiceUrls(webhook_base(public_base_url, slug))
