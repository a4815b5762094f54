"""A real OpenID provider on loopback: PyPI oidc-provider-mock (Flask + Authlib) in a thread.

Discovery, the authorization endpoint, the code exchange (client secret checked by the mock's
client registry) and the signed ID token are the mock's own. Around it, a thin WSGI layer that a
real provider has and the mock lacks:
- PKCE (RFC 7636, S256) is *enforced*: the code_challenge sent to /authorize is remembered and the
  code_verifier sent to /token must match it;
- switches for the negative tests: an ID token issued under another issuer, or a discovery
  document that names another issuer.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import oidc_provider_mock
import requests
import werkzeug.serving

# The mock refuses plain HTTP unless told; loopback only.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")


@dataclass
class ProviderLog:
    challenges: dict[str, tuple[str, str]] = field(default_factory=dict)
    verified_exchanges: int = 0
    refused_exchanges: int = 0


class _Guard:
    """WSGI middleware: PKCE enforcement and the issuer switches."""

    def __init__(self, app: Any, provider: OidcProvider) -> None:
        self.app = app
        self.provider = provider

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/token":
            return self._token(environ, start_response)
        if path == "/oauth2/authorize":
            return self._authorize(environ, start_response)
        if path == "/.well-known/openid-configuration" and self.provider.discovery_issuer:
            return self._discovery(environ, start_response)
        return self.app(environ, start_response)

    def _authorize(self, environ: dict[str, Any], start_response: Any) -> Any:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["headers"] = headers
            return start_response(status, headers, exc_info)

        # The mock runs under werkzeug's debugger, whose response is a generator: start_response
        # is only called while the body is iterated.
        body = list(self.app(environ, capture))
        location = dict(captured.get("headers", [])).get("Location", "")
        code = parse_qs(urlparse(location).query).get("code", [None])[0]
        if code:
            self.provider.log.challenges[code] = (
                query.get("code_challenge", ""),
                query.get("code_challenge_method", ""),
            )
        return body

    def _token(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        environ["wsgi.input"] = io.BytesIO(raw)
        code = form.get("code")
        if form.get("grant_type") == "authorization_code" and code:
            challenge, method = self.provider.log.challenges.pop(code, ("", ""))
            verifier = form.get("code_verifier", "")
            expected = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if method != "S256" or not challenge or not verifier or expected != challenge:
                self.provider.log.refused_exchanges += 1
                payload = json.dumps(
                    {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                ).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json")])
                return [payload]
            self.provider.log.verified_exchanges += 1
        if self.provider.token_host:
            environ["HTTP_HOST"] = self.provider.token_host
        return self.app(environ, start_response)

    def _discovery(self, environ: dict[str, Any], start_response: Any) -> Any:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = status
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        document = json.loads(body)
        document["issuer"] = self.provider.discovery_issuer
        payload = json.dumps(document).encode()
        start_response(
            captured["status"],
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        return [payload]


class OidcProvider:
    def __init__(self) -> None:
        self.log = ProviderLog()
        # Switches for the negative tests (reset by the fixture).
        self.token_host: str | None = None
        self.discovery_issuer: str | None = None
        self._server: werkzeug.serving.BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> None:
        # Clients must be registered: the client secret is really checked at the token endpoint.
        app = oidc_provider_mock.app(require_client_registration=True)
        self._server = werkzeug.serving.make_server(
            "127.0.0.1", 0, _Guard(app, self), threaded=True
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def reset(self) -> None:
        self.log = ProviderLog()
        self.token_host = None
        self.discovery_issuer = None

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """Dynamic client registration (RFC 7591): what the company's IT does for us."""
        response = requests.post(
            f"{self.issuer}/oauth2/clients",
            json={
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "client_secret_post",
            },
            timeout=5,
        )
        response.raise_for_status()
        registered = response.json()
        return registered["client_id"], registered["client_secret"]

    def set_user(self, subject: str, claims: dict[str, Any]) -> None:
        response = requests.put(f"{self.issuer}/users/{subject}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, authorize_url: str, *, subject: str) -> str:
        """What the person's browser does at the provider: open the page, pick the account.

        Returns the redirect back to our callback (with code and state).
        """
        page = requests.get(authorize_url, timeout=5, allow_redirects=False)
        assert page.status_code == 200, page.text[:500]
        answer = requests.post(
            authorize_url, data={"sub": subject}, timeout=5, allow_redirects=False
        )
        assert answer.status_code == 302, answer.text[:500]
        return urljoin(authorize_url, answer.headers["Location"])


@contextmanager
def running_provider() -> Iterator[OidcProvider]:
    provider = OidcProvider()
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(url).query).items()}


def path_and_query(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + ("?" + parsed.query if parsed.query else "")


__all__ = ["OidcProvider", "path_and_query", "query_of", "running_provider", "urlencode"]
