"""A local fake of Facebook's Graph API at its HTTP boundary (the real one is unreachable here).

It answers the three calls allauth makes for a Facebook login — the OAuth dialog (what the
browser sees), the code exchange (app id and secret checked) and /me (appsecret_proof checked) —
and /me/friends for "find my friends" (the `user_friends` permission granted at the dialog, the
proof checked, 2 friends a page), on the loopback port that test settings give allauth
(settings.FACEBOOK_FAKE_PORT).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse


@dataclass
class FacebookApp:
    app_id: str
    app_secret: str


@dataclass
class FakeGraph:
    app: FacebookApp | None = None
    # The profile Facebook returns for the next login.
    profile: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    # The Facebook ids /me/friends lists (friends who use the app).
    friends: list[str] = field(default_factory=list)
    # Tokens whose dialog granted `user_friends`.
    friends_tokens: set[str] = field(default_factory=set)

    def reset(self) -> None:
        self.app = None
        self.profile = {}
        self.codes.clear()
        self.tokens.clear()
        self.calls.clear()
        self.friends = []
        self.friends_tokens.clear()


def _handler(graph: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            query = {key: values[0] for key, values in parse_qs(url.query).items()}
            graph.calls.append(url.path)
            if url.path.endswith("/dialog/oauth"):
                return self._dialog(query)
            if url.path.endswith("/oauth/access_token"):
                return self._access_token(query)
            if url.path.endswith("/me"):
                return self._me(query)
            if url.path.endswith("/me/friends"):
                return self._friends(query)
            return self._json(404, {"error": {"message": "unknown path"}})

        def _dialog(self, query: dict[str, str]) -> None:
            if graph.app is None or query.get("client_id") != graph.app.app_id:
                return self._json(400, {"error": {"message": "Invalid app ID"}})
            code = secrets.token_urlsafe(16)
            graph.codes[code] = {
                "redirect_uri": query["redirect_uri"],
                "profile": dict(graph.profile),
                "scope": query.get("scope", "").split(","),
            }
            location = (
                query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            )
            self.send_response(302)
            self.send_header("Location", location)
            self.end_headers()

        def _access_token(self, query: dict[str, str]) -> None:
            app = graph.app
            if (
                app is None
                or query.get("client_id") != app.app_id
                or query.get("client_secret") != app.app_secret
            ):
                return self._json(400, {"error": {"message": "Error validating client secret."}})
            grant = graph.codes.pop(query.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != query.get("redirect_uri"):
                return self._json(400, {"error": {"message": "Invalid verification code"}})
            token = secrets.token_urlsafe(24)
            graph.tokens[token] = grant["profile"]
            if "user_friends" in grant["scope"]:
                graph.friends_tokens.add(token)
            return self._json(
                200, {"access_token": token, "token_type": "bearer", "expires_in": 3600}
            )

        def _me(self, query: dict[str, str]) -> None:
            token = query.get("access_token", "")
            profile = graph.tokens.get(token)
            app = graph.app
            if profile is None or app is None:
                return self._json(401, {"error": {"message": "Invalid OAuth access token."}})
            expected = hmac.new(app.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, query.get("appsecret_proof", "")):
                return self._json(400, {"error": {"message": "Invalid appsecret_proof"}})
            fields = query.get("fields", "").split(",")
            return self._json(200, {key: value for key, value in profile.items() if key in fields})

        def _friends(self, query: dict[str, str]) -> None:
            token = query.get("access_token", "")
            app = graph.app
            if token not in graph.tokens or app is None:
                return self._json(401, {"error": {"message": "Invalid OAuth access token."}})
            expected = hmac.new(app.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, query.get("appsecret_proof", "")):
                return self._json(400, {"error": {"message": "Invalid appsecret_proof"}})
            if token not in graph.friends_tokens:
                return self._json(403, {"error": {"message": "user_friends not granted"}})
            start = int(query.get("after", "0"))
            page = graph.friends[start : start + 2]
            payload: dict[str, Any] = {"data": [{"id": uid} for uid in page]}
            if start + 2 < len(graph.friends):
                following = dict(query, after=str(start + 2))
                host, port = self.server.server_address[:2]
                base = f"http://{host}:{port}{urlparse(self.path).path}"
                payload["paging"] = {"next": f"{base}?{urlencode(following)}"}
            return self._json(200, payload)

    return Handler


class FakeGraphServer:
    def __init__(self, port: int) -> None:
        self.graph = FakeGraph()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self.graph))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
