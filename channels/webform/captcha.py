"""The optional captcha hook: forms with ``captcha=True`` need a token the provider vouches for.

Speaks the siteverify protocol that hCaptcha and Cloudflare Turnstile share: POST
``secret``, ``response`` and ``remoteip`` form-encoded to the verify URL, read
``{"success": true|false, "error-codes": [...]}``. Which provider and keys: settings
(``CAPTCHA_PROVIDER``, ``CAPTCHA_SITE_KEY``, ``CAPTCHA_SECRET``, ``CAPTCHA_VERIFY_URL``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import structlog

from core.settings import Settings

log = structlog.get_logger(__name__)

VERIFY_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CaptchaWidget:
    """What a page needs to show the provider's widget."""

    script_url: str
    element_class: str
    site_key: str


WIDGETS = {
    "hcaptcha": ("https://js.hcaptcha.com/1/api.js", "h-captcha"),
    "turnstile": ("https://challenges.cloudflare.com/turnstile/v0/api.js", "cf-turnstile"),
}


class CaptchaUnavailable(Exception):
    """The provider could not be asked (network, a non-JSON answer, no configuration)."""


def captcha_configured(settings: Settings) -> bool:
    """Whether forms can ask for a captcha: pages can show it and answers can be checked."""
    return bool(
        settings.captcha_verify_url and settings.captcha_secret and settings.captcha_site_key
    )


def widget_for(settings: Settings) -> CaptchaWidget | None:
    """The widget to render, when a site key and a known provider are configured."""
    known = WIDGETS.get(settings.captcha_provider)
    if known is None or not settings.captcha_site_key:
        return None
    return CaptchaWidget(
        script_url=known[0], element_class=known[1], site_key=settings.captcha_site_key
    )


def verify_captcha(settings: Settings, token: str, *, remote_addr: str | None) -> bool:
    """Whether the provider accepts the token; raises CaptchaUnavailable when it cannot say."""
    if not captcha_configured(settings):
        raise CaptchaUnavailable("no captcha verify URL and secret configured")
    fields = {"secret": settings.captcha_secret or "", "response": token}
    if remote_addr:
        fields["remoteip"] = remote_addr
    if settings.captcha_site_key:
        fields["sitekey"] = settings.captcha_site_key
    request = urllib.request.Request(
        str(settings.captcha_verify_url),
        data=urllib.parse.urlencode(fields).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=VERIFY_TIMEOUT_SECONDS) as response:
            answer = json.loads(response.read(65536))
    except (OSError, ValueError) as exc:
        log.warning("webform.captcha_unavailable", error=str(exc))
        raise CaptchaUnavailable(str(exc)) from exc
    if not isinstance(answer, dict):
        raise CaptchaUnavailable("the provider's answer is not a JSON object")
    if answer.get("success") is not True:
        log.info("webform.captcha_refused", codes=answer.get("error-codes"))
        return False
    return True
