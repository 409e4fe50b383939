"""OpenID Connect sign-in, relying-party side: Authlib does the protocol, this decides trust.

Authorization-code flow with PKCE (S256), ``state`` against login CSRF and ``nonce`` against
token replay. The ID token's signature is checked against the provider's published keys
(fetched from its discovery document, refetched once when an unknown ``kid`` appears), and
its issuer, audience, expiry, nonce and ``at_hash`` are checked by Authlib's ``CodeIDToken``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from core.models.identity_provider import IdentityProvider

DISCOVERY_TTL_S = 300.0
REFRESH_AT_MOST_EVERY_S = 60.0  # a flood of forged tokens must not become a flood of fetches
CLOCK_LEEWAY_S = 60
HTTP_TIMEOUT_S = 10.0


class OidcError(Exception):
    """Sign-in through the provider failed; ``reason`` is safe to show and to audit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PendingLogin:
    """What the browser carries (signed) between leaving for the provider and returning."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


@dataclass(frozen=True, slots=True)
class VerifiedLogin:
    claims: dict[str, Any]
    id_token: str


class _Discovery:
    """Provider metadata and keys, cached per discovery URL for a few minutes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict[str, Any], KeySet]] = {}

    def get(self, url: str, *, refresh: bool = False) -> tuple[dict[str, Any], KeySet]:
        with self._lock:
            cached = self._entries.get(url)
        age = time.monotonic() - cached[0] if cached else None
        fresh_enough = REFRESH_AT_MOST_EVERY_S if refresh else DISCOVERY_TTL_S
        if cached and age is not None and age < fresh_enough:
            return cached[1], cached[2]
        try:
            with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
                metadata = client.get(url).raise_for_status().json()
                keys = KeySet.import_key_set(
                    client.get(metadata["jwks_uri"]).raise_for_status().json()
                )
        except (httpx.HTTPError, ValueError, KeyError, JoseError) as exc:
            raise OidcError(f"the identity provider cannot be reached: {exc}") from exc
        with self._lock:
            self._entries[url] = (time.monotonic(), metadata, keys)
        return metadata, keys


_discovery = _Discovery()


def discovery_url(provider: IdentityProvider) -> str:
    return (
        provider.discovery_url or provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    )


def metadata(provider: IdentityProvider) -> dict[str, Any]:
    return _discovery.get(discovery_url(provider))[0]


def _client(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    session = OAuth2Session(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=" ".join(provider.scopes or ["openid", "email", "profile"]),
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    session.timeout = HTTP_TIMEOUT_S
    return session


def begin(
    provider: IdentityProvider, *, redirect_uri: str, next_path: str
) -> tuple[str, PendingLogin]:
    """The provider's authorization URL, and what to remember until the browser comes back."""
    pending = PendingLogin(
        state=generate_token(32),
        nonce=generate_token(32),
        code_verifier=generate_token(64),
        next_path=next_path,
    )
    with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata(provider)["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
        )
    return url, pending


def complete(
    provider: IdentityProvider,
    *,
    redirect_uri: str,
    pending: PendingLogin,
    code: str,
    state: str,
) -> VerifiedLogin:
    """Exchange the code and verify the ID token; OidcError says what was wrong."""
    if state != pending.state:
        raise OidcError("the sign-in state does not match; start again")
    meta = metadata(provider)
    with _client(provider, redirect_uri) as client:
        try:
            token = client.fetch_token(
                meta["token_endpoint"],
                timeout=HTTP_TIMEOUT_S,
                code=code,
                state=state,
                code_verifier=pending.code_verifier,
            )
        except Exception as exc:  # Authlib raises OAuthError, requests its own: both are a no
            raise OidcError(f"the identity provider refused the code: {exc}") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OidcError("the identity provider sent no ID token")
    claims = verify_id_token(
        provider,
        id_token,
        nonce=pending.nonce,
        access_token=token.get("access_token"),
    )
    return VerifiedLogin(claims=claims, id_token=id_token)


def verify_id_token(
    provider: IdentityProvider, id_token: str, *, nonce: str, access_token: str | None
) -> dict[str, Any]:
    """The ID token's claims once signature and claims check out; OidcError otherwise."""
    decoded = _decode(provider, id_token)
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "value": provider.issuer},
            "aud": {"essential": True, "value": provider.client_id},
            "sub": {"essential": True},
        },
        params={"nonce": nonce, "client_id": provider.client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=CLOCK_LEEWAY_S)
    except JoseError as exc:
        raise OidcError(f"the ID token was refused: {_claim_problem(exc)}") from exc
    return dict(claims)


def _decode(provider: IdentityProvider, id_token: str) -> jwt.Token:
    url = discovery_url(provider)
    algorithms = metadata(provider).get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    try:
        return jwt.decode(id_token, _discovery.get(url)[1], algorithms=algorithms)
    except JoseError:
        pass  # perhaps the provider rotated its keys since we fetched them: fetch once more
    try:
        return jwt.decode(id_token, _discovery.get(url, refresh=True)[1], algorithms=algorithms)
    except JoseError as exc:
        raise OidcError(f"the ID token's signature is not valid: {_claim_problem(exc)}") from exc


def _claim_problem(exc: JoseError) -> str:
    description = getattr(exc, "description", None)
    return str(description or getattr(exc, "error", None) or type(exc).__name__)


def end_session_url(
    provider: IdentityProvider, *, id_token: str | None, post_logout_redirect_uri: str
) -> str | None:
    """Where to send the browser so the provider signs it out too (RP-initiated logout)."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except OidcError:
        return None
    if not endpoint:
        return None
    params = {"post_logout_redirect_uri": post_logout_redirect_uri, "client_id": provider.client_id}
    if id_token:
        params["id_token_hint"] = id_token
    return str(httpx.URL(endpoint, params=params))
