"""A minimal, real OpenID Connect provider for the single sign-on tests, served over HTTP.

Flask on a free port in a thread (werkzeug's server): discovery, an authorization endpoint
that signs in the person the test names (a real provider would show its own login page first),
a token endpoint that checks the client secret, the redirect URI and the PKCE verifier (S256)
and issues an RS256 ID token with the nonce, and the public key set. What it was asked is kept
(``requests``) so tests can check what the server sent.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from tests.api.server import free_port


@dataclass
class Provider:
    client_id: str
    client_secret: str
    claims: dict = field(default_factory=dict)  # of the person who signs in next
    nonce_override: str | None = None  # to issue a token with another nonce
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.codes: dict[str, dict] = {}
        self.app = self._app()
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=30)

    def _app(self) -> Flask:
        app = Flask("test-oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize():
            asked = request.args.to_dict()
            self.requests.append({"endpoint": "authorize", **asked})
            if (asked.get("response_type") != "code" or asked.get("client_id") != self.client_id
                    or asked.get("code_challenge_method") != "S256"
                    or not asked.get("code_challenge") or not asked.get("nonce")):  # fmt: skip
                return "bad authorization request", 400
            code = secrets.token_urlsafe(24)
            self.codes[code] = {**asked, "claims": dict(self.claims)}
            query = urlencode({"code": code, "state": asked.get("state", "")})
            return redirect(f"{asked['redirect_uri']}?{query}")

        @app.post("/token")
        def token():
            form = request.form.to_dict()
            self.requests.append({"endpoint": "token", **form})
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (
                self.client_id, self.client_secret
            ):  # fmt: skip
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            if (grant is None or form.get("redirect_uri") != grant["redirect_uri"]
                    or challenge.rstrip(b"=").decode() != grant["code_challenge"]):  # fmt: skip
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {
                "iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                "nonce": self.nonce_override or grant["nonce"], **grant["claims"],
            }  # fmt: skip
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer",
                           expires_in=300, id_token=id_token)  # fmt: skip

        return app
