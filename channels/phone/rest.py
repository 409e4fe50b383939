"""The provider's REST API through the official ``twilio`` client: redirect and place calls.

``api_base_url`` replaces https://api.twilio.com for the account (another Twilio-compatible
CPaaS, or a local server in tests). Failures become ProviderError: permanent for the
provider's 4xx answers (the call is gone, the number is invalid), transient otherwise
(network, 5xx, 429) so that the worker retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

REST_TIMEOUT_SECONDS = 10.0
LEG_EVENTS = ["initiated", "ringing", "answered", "completed"]


class ProviderError(Exception):
    """The provider refused or could not be reached; ``permanent`` means do not retry."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class VoiceAccountCredentials:
    account_sid: str
    auth_token: str
    api_base_url: str | None = None


class VoiceRest:
    """One account's REST client (cheap to build; build one per job)."""

    def __init__(self, account: VoiceAccountCredentials) -> None:
        self.client = Client(
            account.account_sid,
            account.auth_token,
            account_sid=account.account_sid,
            http_client=TwilioHttpClient(timeout=REST_TIMEOUT_SECONDS),
        )
        if account.api_base_url:
            self.client.api.base_url = account.api_base_url.rstrip("/")

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call fetch new TwiML from ``url`` (a queued caller leaves the queue)."""
        try:
            self.client.calls(call_sid).update(url=url, method="POST")
        except Exception as exc:
            raise _provider_error(exc) from exc

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Start an outbound call whose answer fetches TwiML from ``url``; its call sid."""
        try:
            call = self.client.calls.create(
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=LEG_EVENTS,
            )
        except Exception as exc:
            raise _provider_error(exc) from exc
        return str(call.sid)


def _provider_error(exc: Exception) -> ProviderError:
    if isinstance(exc, TwilioRestException):
        permanent = 400 <= exc.status < 500 and exc.status != 429
        return ProviderError(
            f"{exc.status} {exc.code or ''} {exc.msg}".strip(), permanent=permanent
        )
    return ProviderError(f"{type(exc).__name__}: {exc}", permanent=False)
