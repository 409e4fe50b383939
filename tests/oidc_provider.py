"""A real OpenID Connect provider on loopback, for tests that sign in through an IdP.

Built from Authlib's server components (authorization-code grant, PKCE, OpenID Connect
code flow) so relying-party code meets genuine protocol behaviour rather than a mock;
``tamper`` makes it issue subtly broken ID tokens to prove the RP rejects them.
Everything lives in memory and dies with the provider.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidRequestError,
    TokenMixin,
    list_to_scope,
    scope_to_list,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, redirect, render_template_string, request
from flask.typing import ResponseReturnValue
from joserfc.jwk import RSAKey
from werkzeug.serving import BaseWSGIServer, make_server

SCOPES = ("openid", "email", "profile", "groups")
TAMPER_MODES = frozenset({"wrong_nonce", "expired", "wrong_key", "wrong_audience", "wrong_issuer"})
ID_TOKEN_LIFETIME = 3600
AUTHORIZATION_CODE_LIFETIME = 600
_TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

_SIGN_IN_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in - test identity provider</title></head>
<body>
<h1>Sign in</h1>
{% if error %}<p id="idp-error" role="alert">{{ error }}</p>{% endif %}
<form id="idp-login" action="{{ action }}" method="post">
  <label for="idp-username">Username</label>
  <input type="text" id="idp-username" name="username" value="{{ username }}" autofocus>
  <button type="submit" id="idp-submit">Sign in</button>
</form>
</body>
</html>
"""

_SIGNED_OUT_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Signed out</title></head>
<body><h1 id="idp-signed-out">You are signed out</h1></body>
</html>
"""


@dataclass
class _Client(ClientMixin):
    """A confidential client; ``client_metadata`` is read by Authlib's UserInfoEndpoint."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]
    scope: str = " ".join(SCOPES)
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(scope_to_list(self.scope))
        return list_to_scope([s for s in scope_to_list(scope) or [] if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in _TOKEN_ENDPOINT_AUTH_METHODS if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class _User:
    username: str
    sub: str
    email: str
    name: str
    groups: tuple[str, ...]
    email_verified: bool

    def claims(self) -> dict[str, Any]:
        """The claims the ID token and userinfo carry, whatever the scope (kept simple)."""
        return {
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "groups": list(self.groups),
        }


@dataclass
class _AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str | None
    scope: str
    user: _User
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expires_at: float

    def get_redirect_uri(self) -> str | None:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class _Token(TokenMixin):
    access_token: str
    client: _Client
    user: _User
    scope: str
    issued_at: float
    expires_in: int

    def check_client(self, client: _Client) -> bool:
        return self.client.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> _User:
        return self.user

    def get_client(self) -> _Client:
        return self.client


class _Server(AuthorizationServer):
    """Authlib's Flask server, carrying the provider so per-request grants can reach it."""

    def __init__(self, app: Flask, provider: OidcProvider) -> None:
        self.provider = provider
        super().__init__(app, query_client=provider._find_client, save_token=provider._save_token)


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = _TOKEN_ENDPOINT_AUTH_METHODS

    def save_authorization_code(self, code: str, request: Any) -> None:
        provider: OidcProvider = self.server.provider
        data = request.payload.data
        now = time.time()
        provider._save_code(
            _AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                user=request.user,
                nonce=data.get("nonce"),
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                auth_time=int(now),
                expires_at=now + AUTHORIZATION_CODE_LIFETIME,
            )
        )

    def query_authorization_code(self, code: str, client: _Client) -> _AuthorizationCode | None:
        provider: OidcProvider = self.server.provider
        return provider._find_code(code, client)

    def delete_authorization_code(self, authorization_code: _AuthorizationCode) -> None:
        provider: OidcProvider = self.server.provider
        provider._delete_code(authorization_code)

    def authenticate_user(self, authorization_code: _AuthorizationCode) -> _User:
        return authorization_code.user


class _RequiredS256CodeChallenge(CodeChallenge):
    """PKCE with S256 for every client: ``required=True`` alone binds only public clients."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be 'S256'")
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):
    """Signs ID tokens with the provider's key and applies its ``tamper`` mode.

    Authlib merges ``generate_user_info`` over the standard claims, which is where the
    nonce, time, audience and issuer misbehaviours are injected.
    """

    def __init__(self, provider: OidcProvider) -> None:
        super().__init__(require_nonce=True)
        self._provider = provider

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return self._provider._nonce_was_used(request.payload.client_id, nonce)

    def get_client_algorithm(self, client: _Client) -> str:
        return "RS256"

    def get_encode_header(self, client: _Client) -> dict[str, str]:
        return {"alg": "RS256", "kid": self._provider._signing_key.kid or ""}

    def get_client_claims(self, client: _Client) -> dict[str, Any]:
        return {"iss": self._provider.issuer, "aud": [client.client_id]}

    def resolve_client_private_key(self, client: _Client) -> RSAKey:
        if self._provider.tamper == "wrong_key":
            return self._provider._unpublished_key
        return self._provider._signing_key

    def generate_user_info(self, user: _User, scope: str) -> dict[str, Any]:
        claims = user.claims()
        now = int(time.time())
        match self._provider.tamper:
            case "wrong_nonce":
                claims["nonce"] = f"not-the-requested-nonce-{secrets.token_urlsafe(8)}"
            case "expired":
                claims["exp"] = now - 3600
                claims["iat"] = claims["auth_time"] = now - 3600 - ID_TOKEN_LIFETIME
            case "wrong_audience":
                claims["aud"] = ["some-other-client"]
            case "wrong_issuer":
                claims["iss"] = "http://issuer.invalid"
        return claims


class _UserInfoEndpoint(UserInfoEndpoint):
    def get_issuer(self) -> str:
        provider: OidcProvider = self.server.provider
        return provider.issuer

    def generate_user_info(self, user: _User, scope: str) -> UserInfo:
        return UserInfo(user.claims())


class _BearerTokenValidator(BearerTokenValidator):
    def __init__(self, provider: OidcProvider) -> None:
        super().__init__()
        self._provider = provider

    def authenticate_token(self, token_string: str) -> _Token | None:
        return self._provider._find_token(token_string)


class OidcProvider:
    """An OpenID Connect provider served on ``127.0.0.1`` in a daemon thread.

    Use ``with OidcProvider() as idp:``; register clients and users, then point the RP
    at ``idp.issuer``. Sign-in auto-consents for any known username (no password).
    Thread-safe: the HTTP server handles each request in its own thread.
    """

    def __init__(self) -> None:
        self._signing_key = RSAKey.generate_key(2048, parameters={"kid": "idp-signing-key"})
        self._unpublished_key = RSAKey.generate_key(2048, parameters={"kid": "idp-unpublished"})
        self._lock = threading.Lock()
        self._clients: dict[str, _Client] = {}
        self._users: dict[str, _User] = {}
        self._codes: dict[str, _AuthorizationCode] = {}
        self._tokens: dict[str, _Token] = {}
        self._used_nonces: set[tuple[str, str]] = set()
        self._tamper: str | None = None
        self._issuer: str | None = None
        self._http: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.logouts: list[dict[str, str]] = []
        self.token_requests = 0
        self._app = self._create_app()

    # -- lifecycle ---------------------------------------------------------------

    @property
    def issuer(self) -> str:
        """``http://127.0.0.1:<port>``; known once started (the port is picked by the OS)."""
        if self._issuer is None:
            raise RuntimeError("OidcProvider is not started")
        return self._issuer

    def start(self) -> Self:
        """Bind a free loopback port and serve; raises if already started."""
        if self._http is not None:
            raise RuntimeError("OidcProvider is already started")
        self._http = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._issuer = f"http://127.0.0.1:{self._http.server_port}"
        self._thread = threading.Thread(
            target=self._http.serve_forever, name="oidc-provider", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._http = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------------

    def register_client(self, client_id: str, client_secret: str, redirect_uris: list[str]) -> None:
        """Register a confidential client; the same id again replaces the registration."""
        client = _Client(client_id, client_secret, list(redirect_uris))
        with self._lock:
            self._clients[client_id] = client

    def add_user(
        self,
        username: str,
        *,
        email: str,
        name: str,
        groups: list[str],
        sub: str | None = None,
        email_verified: bool = True,
    ) -> None:
        """Add (or replace) a user who can sign in by username.

        Without ``sub``, it is an opaque UUID derived from the username: stable across
        providers, and never equal to the username, so RPs cannot confuse the two.
        """
        subject = sub or str(uuid.uuid5(uuid.NAMESPACE_URL, f"oidc-provider:{username}"))
        user = _User(username, subject, email, name, tuple(groups), email_verified)
        with self._lock:
            self._users[username] = user

    @property
    def tamper(self) -> str | None:
        """How tokens issued from now on misbehave (one of ``TAMPER_MODES``); None = correct.

        It stays in force until set back to None.
        """
        return self._tamper

    @tamper.setter
    def tamper(self, mode: str | None) -> None:
        if mode is not None and mode not in TAMPER_MODES:
            raise ValueError(
                f"unknown tamper mode {mode!r}; expected one of {sorted(TAMPER_MODES)}"
            )
        self._tamper = mode

    @property
    def jwks(self) -> dict[str, Any]:
        """The published key set: the signing key only, never the unpublished one."""
        return {"keys": [self._signing_key.as_dict(private=False)]}

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    # -- storage used by the Authlib grant and endpoints -------------------------

    def _find_client(self, client_id: str) -> _Client | None:
        return self._clients.get(client_id)

    def _save_code(self, code: _AuthorizationCode) -> None:
        with self._lock:
            self._codes[code.code] = code
            if code.nonce:
                self._used_nonces.add((code.client_id, code.nonce))

    def _find_code(self, code: str, client: _Client) -> _AuthorizationCode | None:
        found = self._codes.get(code)
        if found is None or found.client_id != client.client_id or time.time() > found.expires_at:
            return None
        return found

    def _delete_code(self, code: _AuthorizationCode) -> None:
        with self._lock:
            self._codes.pop(code.code, None)

    def _nonce_was_used(self, client_id: str, nonce: str) -> bool:
        return (client_id, nonce) in self._used_nonces

    def _save_token(self, token: dict[str, Any], oauth_request: Any) -> None:
        saved = _Token(
            access_token=token["access_token"],
            client=oauth_request.client,
            user=oauth_request.user,
            scope=token.get("scope", ""),
            issued_at=time.time(),
            expires_in=int(token.get("expires_in", ID_TOKEN_LIFETIME)),
        )
        with self._lock:
            self._tokens[saved.access_token] = saved

    def _find_token(self, access_token: str) -> _Token | None:
        return self._tokens.get(access_token)

    # -- HTTP --------------------------------------------------------------------

    def _create_app(self) -> Flask:
        app = Flask(__name__)
        app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ID_TOKEN_LIFETIME}
        self._server = _Server(app, self)
        self._server.register_grant(_CodeGrant, [_RequiredS256CodeChallenge(), _OpenIDCode(self)])
        protector = ResourceProtector()
        protector.register_token_validator(_BearerTokenValidator(self))
        self._server.register_endpoint(_UserInfoEndpoint(resource_protector=protector))

        app.add_url_rule("/.well-known/openid-configuration", view_func=self._discovery)
        app.add_url_rule("/jwks", view_func=self._jwks)
        app.add_url_rule("/authorize", view_func=self._authorize, methods=["GET", "POST"])
        app.add_url_rule("/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/userinfo", view_func=self._userinfo, methods=["GET", "POST"])
        app.add_url_rule("/logout", view_func=self._logout, methods=["GET", "POST"])
        return app

    def _discovery(self) -> ResponseReturnValue:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "userinfo_endpoint": f"{issuer}/userinfo",
            "end_session_endpoint": f"{issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": _TOKEN_ENDPOINT_AUTH_METHODS,
            "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        }

    def _jwks(self) -> ResponseReturnValue:
        return self.jwks

    def _authorize(self) -> ResponseReturnValue:
        """GET shows the sign-in form; POST with a known username issues the code."""
        username = request.form.get("username", "").strip() if request.method == "POST" else ""
        user = self._users.get(username) if username else None
        try:
            grant = self._server.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            response: Response = self._server.handle_error_response(None, error)
            return response
        if user is None:
            if request.method == "POST":
                return self._sign_in_page(username, f"Unknown user {username!r}."), 401
            return self._sign_in_page("", None)
        authorized: Response = self._server.create_authorization_response(
            grant_user=user, grant=grant
        )
        return authorized

    def _sign_in_page(self, username: str, error: str | None) -> str:
        query = request.query_string.decode()
        action = f"{request.path}?{query}" if query else request.path
        return render_template_string(_SIGN_IN_PAGE, action=action, username=username, error=error)

    def _token(self) -> ResponseReturnValue:
        with self._lock:
            self.token_requests += 1
        response: Response = self._server.create_token_response()
        return response

    def _userinfo(self) -> ResponseReturnValue:
        response: Response = self._server.create_endpoint_response("userinfo")
        return response

    def _logout(self) -> ResponseReturnValue:
        """Record the RP-initiated logout, then go back to the RP or show a signed-out page."""
        call = {key: request.values[key] for key in request.values}
        with self._lock:
            self.logouts.append(call)
        if target := call.get("post_logout_redirect_uri"):
            params = [("state", call["state"])] if "state" in call else []
            return redirect(add_params_to_uri(target, params), code=302)
        return _SIGNED_OUT_PAGE
