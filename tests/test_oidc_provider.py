"""The test OpenID provider, driven over HTTP the way a relying party drives a real one."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc import discovery, rpinitiated
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError
from joserfc.jwk import KeySet

from tests.oidc_provider import OidcProvider

CLIENT_ID = "switchboard"
CLIENT_SECRET = "s3cret"
REDIRECT_URI = "http://127.0.0.1:9/auth/callback"
FORM_ACTION = re.compile(r'<form id="idp-login" action="([^"]*)"')


@pytest.fixture(scope="module")
def running_idp() -> Iterator[OidcProvider]:
    with OidcProvider() as idp:
        idp.register_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI])
        idp.add_user("alice", email="alice@example.com", name="Alice Agent", groups=["agents"])
        yield idp


@pytest.fixture
def idp(running_idp: OidcProvider) -> Iterator[OidcProvider]:
    yield running_idp
    running_idp.tamper = None


@dataclass
class SignIn:
    """What the RP and the browser hold during one sign-in."""

    session: OAuth2Session
    metadata: dict[str, Any]
    form_action: str
    state: str
    nonce: str
    code_verifier: str
    callback_url: str = ""


def open_sign_in_page(idp: OidcProvider) -> SignIn:
    """Discovery, then the authorization URL opened as a browser would."""
    metadata = requests.get(idp.discovery_url, timeout=5).json()
    session = OAuth2Session(
        CLIENT_ID,
        CLIENT_SECRET,
        scope="openid email profile groups",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )
    code_verifier, nonce = generate_token(48), generate_token(20)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce
    )
    page = requests.get(url, timeout=5)
    assert page.status_code == 200
    action = FORM_ACTION.search(page.text)
    assert action is not None
    form_action = urljoin(url, html.unescape(action.group(1)))
    return SignIn(session, metadata, form_action, state, nonce, code_verifier)


def submit_username(flow: SignIn, username: str) -> requests.Response:
    return requests.post(
        flow.form_action, data={"username": username}, allow_redirects=False, timeout=5
    )


def sign_in(idp: OidcProvider) -> SignIn:
    """A complete sign-in as alice, ending with the browser sent back to the RP."""
    flow = open_sign_in_page(idp)
    response = submit_username(flow, "alice")
    assert response.status_code == 302, response.text
    flow.callback_url = response.headers["Location"]
    return flow


def fetch_token(flow: SignIn, **extra: str) -> dict[str, Any]:
    token: dict[str, Any] = flow.session.fetch_token(
        flow.metadata["token_endpoint"],
        authorization_response=flow.callback_url,
        state=flow.state,
        **extra,
    )
    return token


def validate_id_token(flow: SignIn, token: dict[str, Any]) -> CodeIDToken:
    """What Authlib's own RP (``OpenIDMixin.parse_id_token``) does, plus an explicit aud."""
    jwks = requests.get(flow.metadata["jwks_uri"], timeout=5).json()
    decoded = jwt.decode(
        token["id_token"],
        KeySet.import_key_set(jwks),
        algorithms=flow.metadata["id_token_signing_alg_values_supported"],
    )
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": flow.metadata["issuer"]},
            "aud": {"essential": True, "value": CLIENT_ID},
        },
        {"nonce": flow.nonce, "client_id": CLIENT_ID, "access_token": token["access_token"]},
    )
    claims.validate(leeway=120)
    return claims


def test_code_flow_with_pkce_yields_an_id_token_the_rp_accepts(idp: OidcProvider) -> None:
    flow = sign_in(idp)
    discovery.OpenIDProviderMetadata(flow.metadata).validate(
        metadata_classes=[rpinitiated.OpenIDProviderMetadata]
    )
    assert parse_qs(urlsplit(flow.callback_url).query)["state"] == [flow.state]

    token = fetch_token(flow, code_verifier=flow.code_verifier)
    claims = validate_id_token(flow, token)

    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["name"] == "Alice Agent"
    assert claims["groups"] == ["agents"]
    assert claims["sub"] != "alice"
    userinfo = flow.session.get(flow.metadata["userinfo_endpoint"], timeout=5).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["groups"] == ["agents"]


def test_unknown_username_gets_the_sign_in_page_again_with_401(idp: OidcProvider) -> None:
    flow = open_sign_in_page(idp)

    response = submit_username(flow, "mallory")

    assert response.status_code == 401
    assert FORM_ACTION.search(response.text) is not None
    assert "Unknown user &#39;mallory&#39;" in response.text


def test_authorization_request_without_code_challenge_is_refused(idp: OidcProvider) -> None:
    session = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid", redirect_uri=REDIRECT_URI)
    url, _ = session.create_authorization_url(f"{idp.issuer}/authorize", nonce="n-0S6_WzA2Mj")

    response = requests.get(url, allow_redirects=False, timeout=5)

    assert response.status_code == 302
    error = parse_qs(urlsplit(response.headers["Location"]).query)
    assert error["error"] == ["invalid_request"]
    assert "code_challenge" in error["error_description"][0]


def test_token_endpoint_refuses_a_code_without_its_verifier(idp: OidcProvider) -> None:
    flow = sign_in(idp)
    requests_before = idp.token_requests

    with pytest.raises(OAuthError, match="code_verifier"):
        fetch_token(flow)

    assert idp.token_requests == requests_before + 1


@pytest.mark.parametrize(
    ("mode", "error", "reason"),
    [
        ("wrong_nonce", InvalidClaimError, "nonce"),
        ("expired", ExpiredTokenError, "exp"),
        ("wrong_key", BadSignatureError, None),
        ("wrong_audience", InvalidClaimError, "aud"),
        ("wrong_issuer", InvalidClaimError, "iss"),
    ],
)
def test_tampered_id_token_is_rejected_by_the_rp(
    idp: OidcProvider, mode: str, error: type[JoseError], reason: str | None
) -> None:
    flow = sign_in(idp)
    idp.tamper = mode
    token = fetch_token(flow, code_verifier=flow.code_verifier)

    with pytest.raises(error, match=reason):
        validate_id_token(flow, token)


def test_unknown_tamper_mode_is_refused(idp: OidcProvider) -> None:
    with pytest.raises(ValueError, match="unknown tamper mode"):
        idp.tamper = "wrong_kid"


def test_logout_is_recorded_and_returns_to_the_rp(idp: OidcProvider) -> None:
    params = {
        "id_token_hint": "header.payload.signature",
        "post_logout_redirect_uri": "http://127.0.0.1:9/signed-out",
        "state": "xyz",
    }

    response = requests.get(f"{idp.issuer}/logout", params=params, allow_redirects=False, timeout=5)

    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:9/signed-out?state=xyz"
    assert idp.logouts[-1] == params
