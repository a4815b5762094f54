"""The Base Adresse Nationale and Nominatim on loopback, answering in their documented formats.

BAN (`GET /search/?q=&limit=&autocomplete=`): a GeoJSON FeatureCollection, each feature with
`geometry.coordinates` [lon, lat] and `properties` label, score, type, postcode, city, name.
Nominatim (`GET /search?q=&format=jsonv2&limit=&countrycodes=&addressdetails=1`): a JSON list of
results with `lat`/`lon` as strings, `display_name`, `addresstype` and `address`.

Tests register places by query (`server.add_ban(...)`, `server.add_nominatim(...)`) and
misbehaviours by query (`server.misbehave("q", "timeout" | "429" | "500" | "malformed")`); every
request is recorded with its time and headers.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class FakeGeocoders:
    ban: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    nominatim: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    misbehaviours: dict[str, str] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    retry_after: str = "120"
    # How long a "timeout" answer waits (longer than the client's timeout).
    stall_seconds: float = 1.5
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> FakeGeocoders:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.ban.clear()
            self.nominatim.clear()
            self.misbehaviours.clear()
            self.requests.clear()
            self.retry_after = "120"

    # --- what the services know ----------------------------------------------------------------

    def add_ban(
        self,
        query: str,
        *,
        label: str,
        lat: float,
        lng: float,
        kind: str = "housenumber",
        postcode: str = "",
        city: str = "",
    ) -> None:
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": {
                "label": label,
                "score": 0.97,
                "type": kind,
                "postcode": postcode,
                "city": city,
                "name": label.split(f" {postcode}")[0] if postcode else label,
                "context": "75, Paris, Île-de-France",
            },
        }
        with self.lock:
            self.ban.setdefault(query, []).append(feature)

    def add_nominatim(
        self, query: str, *, display_name: str, lat: Any, lon: Any, addresstype: str = "road"
    ) -> None:
        result = {
            "place_id": 1,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
            "osm_type": "way",
            "lat": str(lat),
            "lon": str(lon),
            "category": "highway",
            "type": "residential",
            "addresstype": addresstype,
            "name": display_name.split(",")[0],
            "display_name": display_name,
            "address": {"road": display_name.split(",")[0], "city": "Montréal"},
            "boundingbox": ["45.5", "45.6", "-73.6", "-73.5"],
        }
        with self.lock:
            self.nominatim.setdefault(query, []).append(result)

    def misbehave(self, query: str, how: str) -> None:
        with self.lock:
            self.misbehaviours[query] = how

    def calls(self, path: str | None = None) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if path is None or r.path == path]

    # --- answering -------------------------------------------------------------------------------

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = dict(parse_qsl(parts.query))
        query = params.get("q", "")
        with self.lock:
            self.requests.append(
                Request(parts.path, params, dict(handler.headers.items()), time.monotonic())
            )
            how = self.misbehaviours.get(query)
        if how == "timeout":
            time.sleep(self.stall_seconds)
            self._send(handler, 200, b'{"type": "FeatureCollection", "features": []}')
            return
        if how == "429":
            self._send(
                handler, 429, b'{"error": "Too Many Requests"}', {"Retry-After": self.retry_after}
            )
            return
        if how == "500":
            self._send(
                handler, 500, b"<html>Internal Server Error</html>", content_type="text/html"
            )
            return
        if how == "malformed":
            self._send(handler, 200, b'{"type": "FeatureCollection", "features": [')
            return
        if parts.path == "/search/":
            if len(query.strip()) < 3:
                self._send(
                    handler,
                    400,
                    json.dumps(
                        {"code": 400, "message": "q must contain between 3 and 200 chars"}
                    ).encode(),
                )
                return
            limit = int(params.get("limit", "5"))
            body = {
                "type": "FeatureCollection",
                "version": "draft",
                "features": self.ban.get(query, [])[:limit],
                "attribution": "BAN",
                "licence": "ETALAB-2.0",
                "query": query,
                "limit": limit,
            }
            self._send(handler, 200, json.dumps(body).encode())
        elif parts.path == "/search":
            limit = int(params.get("limit", "10"))
            self._send(handler, 200, json.dumps(self.nominatim.get(query, [])[:limit]).encode())
        else:
            self._send(handler, 404, b'{"error": "not found"}')

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json; charset=utf-8",
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout)
