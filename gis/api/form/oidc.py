"""Single sign-on for the reporting form through an OpenID Connect provider (Authlib, joserfc).

Optional (``KC_OIDC_*``): the local accounts stay the default and keep their roles; the provider
only says who someone is. The authorization code flow with PKCE (S256): ``/report/oidc/start``
keeps a fresh state, nonce and code verifier in a short-lived signed cookie and sends the browser
to the provider; ``/report/oidc/callback`` accepts an answer only with that state, exchanges the
code with the verifier and the client secret, and checks the ID token (signature against the
provider's published keys, issuer, audience, expiry, nonce). The value of ``KC_OIDC_CLAIM`` in it
(default ``email``, then only when ``email_verified``) must be the name of a local account.

The transaction cookie is ``SameSite=Lax``: the provider's redirect back is a cross-site
navigation, on which a ``Strict`` cookie (the session's) would not be sent. For the same reason
the callback answers with a page that moves on to the form itself, a same-site navigation that
carries the new session cookie. The client secret is never logged nor shown.
"""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from gis.store.settings import OidcSettings

DISCOVERY = "/.well-known/openid-configuration"
ALGORITHMS = ("RS256", "ES256", "PS256")
TIMEOUT = 15  # seconds for each call to the provider
SCOPE = "openid email profile"


class SignOnRefused(Exception):
    """The provider's answer is not accepted; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Transaction:
    """What the start of a sign-on keeps for its callback."""

    state: str
    nonce: str
    verifier: str

    def as_dict(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "verifier": self.verifier}


class Provider:
    """One OpenID Connect provider: its metadata and keys, fetched once per worker."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self._metadata: dict | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict:
        with self._lock:
            if self._metadata is None:
                url = self.settings.issuer + DISCOVERY
                found = requests.get(url, timeout=TIMEOUT)
                found.raise_for_status()
                metadata = found.json()
                if metadata.get("issuer") != self.settings.issuer:
                    raise SignOnRefused(
                        f"the provider at {url} says its issuer is {metadata.get('issuer')!r}, "
                        f"not KC_OIDC_ISSUER {self.settings.issuer!r}"
                    )
                self._metadata = metadata
            return self._metadata

    def _client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            self.settings.client_id, self.settings.client_secret, scope=SCOPE,
            redirect_uri=redirect_uri, code_challenge_method="S256",
        )  # fmt: skip

    def start(self, redirect_uri: str) -> tuple[str, Transaction]:
        """The provider's authorization URL and the transaction to keep until the callback."""
        verifier, nonce = generate_token(64), generate_token(32)
        url, state = self._client(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        return url, Transaction(state, nonce, verifier)

    def finish(self, kept: Transaction, answer: dict[str, str], redirect_uri: str) -> str:
        """The local account name the provider's ``answer`` (the callback's query) names."""
        if answer.get("error"):
            raise SignOnRefused(f"the provider refused: {answer.get('error')}")
        if not hmac.compare_digest(answer.get("state", ""), kept.state):
            raise SignOnRefused("the sign-on answer does not belong to this browser (state)")
        code = answer.get("code")
        if not code:
            raise SignOnRefused("the provider's answer has no code")
        try:
            token = self._client(redirect_uri).fetch_token(
                self.metadata()["token_endpoint"], grant_type="authorization_code", code=code,
                code_verifier=kept.verifier, timeout=TIMEOUT,
            )  # fmt: skip
        except Exception as err:  # OAuthError, HTTP errors: say which, not the secret
            raise SignOnRefused(f"the code was not exchanged: {type(err).__name__}") from None
        if "id_token" not in token:
            raise SignOnRefused("the provider sent no ID token")
        return self._account_name(self._claims(token["id_token"], kept.nonce))

    def _keys(self) -> KeySet:
        found = requests.get(self.metadata()["jwks_uri"], timeout=TIMEOUT)
        found.raise_for_status()
        return KeySet.import_key_set(found.json())

    def _claims(self, id_token: str, nonce: str) -> dict:
        try:
            decoded = jwt.decode(id_token, self._keys(), algorithms=list(ALGORITHMS))
            JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": self.settings.issuer},
                aud={"essential": True, "value": self.settings.client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as err:
            raise SignOnRefused(f"the ID token is not valid: {err}") from None
        return decoded.claims

    def _account_name(self, claims: dict) -> str:
        claim = self.settings.claim
        value = claims.get(claim)
        if not isinstance(value, str) or not value.strip():
            raise SignOnRefused(f"the ID token has no {claim!r} claim")
        if claim == "email" and claims.get("email_verified") is not True:
            raise SignOnRefused("the provider has not verified this e-mail address")
        return value.strip().lower()
