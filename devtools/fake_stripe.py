"""A local fake of the Stripe API at its HTTP boundary (loopback only).

The real `stripe` client talks to it through `base_addresses={"api": fake.base_url}`. It checks
what Stripe checks and what Entraide relies on: the secret key, the pinned API version, an
Idempotency-Key on every POST (a replay with the same parameters returns the first response
without applying twice; a reuse with other parameters is refused, as Stripe does), and each
endpoint's required parameters. Tests drive the "Stripe side" directly (complete a checkout,
fail a payment, cancel) and sign webhook events with Stripe's real scheme.

It also serves the hosted Checkout page at each session's `url` (`/c/pay/<session id>`): GET
shows the amount and a button; its POST completes the session, sends the signed
`checkout.session.completed` event to `webhook_url` (as Stripe delivers webhooks: a JSON POST
with a Stripe-Signature header) and answers 303 to the session's success_url. The browser test
walks through it, and `python -m devtools.fake_stripe` runs it for `make run` (offline sign-up).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import itertools
import json
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.error import URLError
from urllib.parse import parse_qsl, urlsplit
from urllib.request import Request, urlopen

from billing.plans import PLANS
from billing.stripe_client import STRIPE_API_VERSION

# price id → unit amount in cents (EUR), the plan catalogue's list prices (billing/plans.py) under
# the price ids the test settings configure.
PRICES: dict[str, int] = {
    f"price_test_{plan.code}_{interval}": amount
    for plan in PLANS.values()
    for interval, amount in plan.prices.items()
}
PERIOD_SECONDS = 30 * 24 * 3600


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) → nested dicts and lists."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = raw_key.replace("]", "").split("[")
        node: Any = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(value: Any) -> Any:
        if isinstance(value, dict):
            converted = {key: listify(item) for key, item in value.items()}
            if converted and all(key.isdigit() for key in converted):
                return [converted[key] for key in sorted(converted, key=int)]
            return converted
        return value

    return listify(root)


class FakeStripeError(Exception):
    def __init__(self, status: int, message: str, *, code: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind or ("invalid_request_error" if status < 500 else "api_error")

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.kind, "code": self.code, "message": self.message}}


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 0
    replayed: bool = False


@dataclass
class FakeStripe:
    api_key: str
    api_version: str
    webhook_secret: str
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    # (method, path prefix) → HTTP status to answer, once per entry
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    _idempotency: dict[str, tuple[str, dict[str, Any], int, dict[str, Any]]] = field(
        default_factory=dict
    )
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    # Where the hosted Checkout page delivers its webhook (empty: it delivers none), and the Host
    # header to send there (a test server on 127.0.0.1 routing by host name).
    webhook_url: str = ""
    webhook_host: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    # Deliveries of the hosted page: (event id, HTTP status, or 0 when unreachable).
    deliveries: list[tuple[str, int]] = field(default_factory=list)

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def do_DELETE(self) -> None:
                fake._handle(self, "DELETE")

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
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
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        with self._lock:
            self.customers.clear()
            self.sessions.clear()
            self.subscriptions.clear()
            self.requests.clear()
            self.failures.clear()
            self._idempotency.clear()
            self.deliveries.clear()

    def fail_next(self, method: str, path_prefix: str, status: int = 500) -> None:
        with self._lock:
            self.failures.append((method, path_prefix, status))

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.method == method and r.path.startswith(path_prefix) and not r.replayed
            ]

    # --- HTTP --------------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}"

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        if url.path.startswith("/c/pay/"):
            self._hosted_page(handler, method, url.path.rsplit("/", 1)[1])
            return
        pairs = parse_qsl(url.query, keep_blank_values=True) + parse_qsl(
            body, keep_blank_values=True
        )
        params = decode_form(pairs)
        headers = {key.lower(): value for key, value in handler.headers.items()}
        record = Recorded(method, url.path, params, headers)
        status, payload, replayed = self._respond(method, url.path, params, headers)
        record.status, record.replayed = status, replayed
        with self._lock:
            self.requests.append(record)
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Request-Id", f"req_fake{len(self.requests)}")
        if replayed:
            handler.send_header("Idempotent-Replayed", "true")
        handler.end_headers()
        handler.wfile.write(data)

    def _respond(
        self, method: str, path: str, params: dict[str, Any], headers: Mapping[str, str]
    ) -> tuple[int, dict[str, Any], bool]:
        try:
            if headers.get("authorization") != f"Bearer {self.api_key}":
                raise FakeStripeError(401, "Invalid API Key provided", kind="authentication_error")
            if headers.get("stripe-version") != self.api_version:
                raise FakeStripeError(
                    400, f"Unexpected Stripe-Version {headers.get('stripe-version')}"
                )
            with self._lock:
                for index, (fail_method, prefix, status) in enumerate(self.failures):
                    if fail_method == method and path.startswith(prefix):
                        del self.failures[index]
                        raise FakeStripeError(status, "Injected failure")
                if method == "POST":
                    key = headers.get("idempotency-key")
                    if not key:
                        raise FakeStripeError(400, "Entraide always sends an Idempotency-Key")
                    seen = self._idempotency.get(key)
                    if seen is not None:
                        seen_path, seen_params, seen_status, seen_body = seen
                        if seen_path != path or seen_params != params:
                            raise FakeStripeError(
                                400,
                                "Keys for idempotent requests can only be used with the same "
                                "parameters they were first used with.",
                                kind="idempotency_error",
                            )
                        return seen_status, seen_body, True
                    body = self._route(method, path, params)
                    self._idempotency[key] = (path, params, 200, body)
                    return 200, body, False
                return 200, self._route(method, path, params), False
        except FakeStripeError as error:
            return error.status, error.body(), False

    def _route(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        if parts[0] != "v1":
            raise FakeStripeError(404, "Unrecognized request URL")
        route = (method, *parts[1:])
        if route == ("POST", "customers"):
            return self._customer_create(params)
        if route == ("POST", "checkout", "sessions"):
            return self._checkout_create(params)
        if method == "GET" and parts[1:3] == ["checkout", "sessions"] and len(parts) == 4:
            return self._get(self.sessions, parts[3], "checkout.session")
        if route == ("POST", "billing_portal", "sessions"):
            return self._portal_create(params)
        if route == ("GET", "subscriptions"):
            return self._subscriptions_list(params)
        if method == "GET" and parts[1] == "subscriptions" and len(parts) == 3:
            return self._get(self.subscriptions, parts[2], "subscription")
        if method == "POST" and parts[1] == "subscription_items" and len(parts) == 3:
            return self._item_update(parts[2], params)
        if route == ("POST", "invoices", "create_preview"):
            return self._invoice_preview(params)
        raise FakeStripeError(404, f"Unrecognized request URL ({method} {path})")

    @staticmethod
    def _require(params: Mapping[str, Any], *names: str) -> None:
        for name in names:
            if params.get(name) in (None, ""):
                raise FakeStripeError(
                    400, f"Missing required param: {name}.", code="parameter_missing"
                )

    def _get(self, table: dict[str, dict[str, Any]], object_id: str, kind: str) -> dict[str, Any]:
        if object_id not in table:
            raise FakeStripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing")
        return table[object_id]

    def _customer(self, customer_id: str) -> dict[str, Any]:
        return self._get(self.customers, customer_id, "customer")

    def _customer_create(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "name")
        metadata = params.get("metadata") or {}
        if not (metadata.get("tenant_id") or metadata.get("signup_id")):
            raise FakeStripeError(400, "metadata[tenant_id] or metadata[signup_id] expected")
        customer = {
            "id": self._new_id("cus"),
            "object": "customer",
            "name": params["name"],
            "email": params.get("email"),
            "metadata": params["metadata"],
            "created": int(time.time()),
        }
        self.customers[customer["id"]] = customer
        return customer

    def _checkout_create(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(
            params, "mode", "customer", "client_reference_id", "success_url", "cancel_url"
        )
        if params["mode"] != "subscription":
            raise FakeStripeError(400, "mode must be subscription")
        self._customer(params["customer"])
        if "{CHECKOUT_SESSION_ID}" not in params["success_url"]:
            raise FakeStripeError(400, "success_url lacks {CHECKOUT_SESSION_ID}")
        items = params.get("line_items") or []
        if len(items) != 1:
            raise FakeStripeError(400, "Exactly one line item expected")
        price = items[0].get("price")
        if price not in PRICES:
            raise FakeStripeError(400, f"No such price: '{price}'", code="resource_missing")
        quantity = int(items[0].get("quantity") or 0)
        if quantity < 1:
            raise FakeStripeError(400, "quantity must be at least 1")
        data = params.get("subscription_data") or {}
        sub_metadata = data.get("metadata") or {}
        if not (sub_metadata.get("tenant_id") or sub_metadata.get("signup_id")):
            raise FakeStripeError(
                400, "subscription_data[metadata][tenant_id] or [signup_id] expected"
            )
        if "trial_end" in data and int(data["trial_end"]) < time.time() + 48 * 3600:
            raise FakeStripeError(400, "trial_end must be at least 48 hours in the future")
        if "trial_end" in data and "trial_period_days" in data:
            raise FakeStripeError(400, "You may only specify one of trial_end, trial_period_days")
        if "trial_period_days" in data and not 1 <= int(data["trial_period_days"]) <= 730:
            raise FakeStripeError(400, "trial_period_days must be between 1 and 730")
        session_id = self._new_id("cs_test")
        # Tenants' own checkouts keep Stripe's production-looking address (never opened in
        # tests); sign-ups' sessions point at this server's hosted page.
        hosted = (
            f"{self.base_url}/c/pay/{session_id}"
            if "signup_id" in sub_metadata
            else f"https://checkout.stripe.test/c/pay/{session_id}"
        )
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "open",
            "payment_status": "unpaid",
            "url": hosted,
            "customer": params["customer"],
            "client_reference_id": params["client_reference_id"],
            "metadata": params.get("metadata") or {},
            "subscription": None,
            "currency": "eur",
            "amount_total": PRICES[price] * quantity,
            "locale": params.get("locale"),
            "cancel_url": params["cancel_url"],
            "success_url": params["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id),
            "_line_item": {"price": price, "quantity": quantity},
            "_subscription_data": data,
        }
        self.sessions[session_id] = session
        return {k: v for k, v in session.items() if not k.startswith("_")}

    def _portal_create(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "customer", "return_url")
        self._customer(params["customer"])
        session_id = self._new_id("bps")
        return {
            "id": session_id,
            "object": "billing_portal.session",
            "customer": params["customer"],
            "return_url": params["return_url"],
            "url": f"https://billing.stripe.test/p/session/{session_id}?customer={params['customer']}",
        }

    def _subscriptions_list(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "customer")
        if params.get("status") != "all":
            raise FakeStripeError(400, "Entraide lists every status (status=all)")
        data = sorted(
            (s for s in self.subscriptions.values() if s["customer"] == params["customer"]),
            key=lambda s: -s["created"],
        )
        return {"object": "list", "data": data, "has_more": False, "url": "/v1/subscriptions"}

    def _item_update(self, item_id: str, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "quantity")
        for subscription in self.subscriptions.values():
            for item in subscription["items"]["data"]:
                if item["id"] == item_id:
                    item["quantity"] = int(params["quantity"])
                    return item
        raise FakeStripeError(
            404, f"No such subscription item: '{item_id}'", code="resource_missing"
        )

    def _invoice_preview(self, params: dict[str, Any]) -> dict[str, Any]:
        self._require(params, "customer", "subscription")
        subscription = self._get(self.subscriptions, params["subscription"], "subscription")
        if subscription["customer"] != params["customer"]:
            raise FakeStripeError(400, "subscription does not belong to customer")
        item = subscription["items"]["data"][0]
        period_end = item["current_period_end"]
        return {
            "object": "invoice",
            "customer": params["customer"],
            "amount_due": PRICES[item["price"]["id"]] * item["quantity"],
            "currency": "eur",
            "next_payment_attempt": period_end,
            "period_end": period_end,
        }

    # --- the Stripe side, driven by tests --------------------------------------------------

    def subscription_create(
        self,
        *,
        customer: str,
        price: str,
        quantity: int = 1,
        status: str = "active",
        tenant_id: int | None = None,
        trial_end: int | None = None,
        created: int | None = None,
    ) -> dict[str, Any]:
        with self._lock:
            now = int(time.time())
            subscription = {
                "id": self._new_id("sub"),
                "object": "subscription",
                "customer": customer,
                "status": status,
                "created": created or now,
                "cancel_at_period_end": False,
                "trial_end": trial_end,
                "metadata": {"tenant_id": str(tenant_id)} if tenant_id is not None else {},
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": self._new_id("si"),
                            "object": "subscription_item",
                            "price": {"id": price, "object": "price"},
                            "quantity": quantity,
                            "current_period_end": (trial_end or now) + PERIOD_SECONDS,
                        }
                    ],
                },
            }
            self.subscriptions[str(subscription["id"])] = subscription
            return subscription

    def checkout_complete(self, session_id: str) -> dict[str, Any]:
        """The customer paid on Stripe's page: the session's subscription now exists."""
        with self._lock:
            session = self.sessions[session_id]
            data = session["_subscription_data"]
            trial_end = int(data["trial_end"]) if "trial_end" in data else None
            if "trial_period_days" in data:
                trial_end = int(time.time()) + int(data["trial_period_days"]) * 24 * 3600
            metadata = data.get("metadata") or {}
            subscription = self.subscription_create(
                customer=session["customer"],
                price=session["_line_item"]["price"],
                quantity=session["_line_item"]["quantity"],
                status="trialing" if trial_end else "active",
                tenant_id=int(metadata["tenant_id"]) if metadata.get("tenant_id") else None,
                trial_end=trial_end,
            )
            subscription["metadata"] = dict(metadata)
            session["status"] = "complete"
            session["payment_status"] = "no_payment_required" if trial_end else "paid"
            session["subscription"] = subscription["id"]
            return subscription

    # --- the hosted Checkout page --------------------------------------------------------------

    def _hosted_page(self, handler: BaseHTTPRequestHandler, method: str, session_id: str) -> None:
        with self._lock:
            session = self.sessions.get(session_id)
        if session is None:
            self._html(handler, 404, "<h1>This checkout session does not exist.</h1>")
            return
        if method == "POST":
            if session["status"] == "open":
                self.checkout_complete(session_id)
                self.deliver("checkout.session.completed", self.sessions[session_id])
            handler.send_response(303)
            handler.send_header("Location", session["success_url"])
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        amount = session["amount_total"]
        trial = (session["_subscription_data"] or {}).get("trial_period_days")
        button = f"Start trial ({escape(str(trial))} days)" if trial else "Pay"
        body = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Fake Stripe Checkout</title></head><body><main>"
            "<h1>Fake Stripe Checkout</h1>"
            f"<p data-amount>{amount // 100}.{amount % 100:02d} EUR</p>"
            f"<p>Status: <span data-status>{escape(session['status'])}</span></p>"
            f"<form method='post' action='/c/pay/{escape(session_id)}'>"
            f"<button type='submit'>{button}</button></form>"
            f"<p><a href='{escape(session['cancel_url'])}'>Back</a></p>"
            "</main></body></html>"
        )
        self._html(handler, 200, body)

    @staticmethod
    def _html(handler: BaseHTTPRequestHandler, status: int, body: str) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def deliver(self, event_type: str, obj: Mapping[str, Any]) -> int:
        """Send a signed event to webhook_url, as Stripe does; the HTTP status (0: unreachable)."""
        if not self.webhook_url:
            return 0
        payload = self.event(event_type, obj)
        event_id = json.loads(payload)["id"]
        headers = {"Content-Type": "application/json", "Stripe-Signature": self.sign(payload)}
        if self.webhook_host:
            headers["Host"] = self.webhook_host
        if not self.webhook_url.startswith(("http://", "https://")):
            raise ValueError("webhook_url must be an http(s) URL")
        request = Request(  # noqa: S310 (an http(s) URL, checked above)
            self.webhook_url, data=payload, headers=headers, method="POST"
        )
        try:
            with urlopen(request, timeout=30) as response:  # noqa: S310 (checked above)
                status = int(response.status)
        except URLError as error:
            status = int(getattr(error, "code", 0) or 0)
        with self._lock:
            self.deliveries.append((event_id, status))
        return status

    def subscription_status_set(self, subscription_id: str, status: str) -> dict[str, Any]:
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            subscription["status"] = status
            return json.loads(json.dumps(subscription))

    def snapshot(self, subscription_id: str) -> dict[str, Any]:
        """A copy of the subscription as it is now (what an event would carry)."""
        with self._lock:
            return json.loads(json.dumps(self.subscriptions[subscription_id]))

    # --- events ------------------------------------------------------------------------------

    def event(
        self, event_type: str, obj: Mapping[str, Any], *, created: int | None = None
    ) -> bytes:
        with self._lock:
            event = {
                "id": self._new_id("evt"),
                "object": "event",
                "api_version": self.api_version,
                "created": created or int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "type": event_type,
                "data": {"object": {k: v for k, v in obj.items() if not k.startswith("_")}},
            }
        return json.dumps(event).encode()

    def invoice(self, subscription_id: str, *, paid: bool) -> dict[str, Any]:
        with self._lock:
            subscription = self.subscriptions[subscription_id]
            return {
                "id": self._new_id("in"),
                "object": "invoice",
                "customer": subscription["customer"],
                "status": "paid" if paid else "open",
                "parent": {
                    "type": "subscription_details",
                    "subscription_details": {"subscription": subscription_id},
                },
            }

    def sign(
        self, payload: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> str:
        """A Stripe-Signature header: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.".encode() + payload
        signature = hmac.new(
            (secret or self.webhook_secret).encode(), signed, hashlib.sha256
        ).hexdigest()
        return f"t={timestamp},v1={signature}"


# --- `python -m devtools.fake_stripe`: the fake for `make run` --------------------------------


def main(argv: list[str] | None = None) -> int:
    """Serve the fake on a loopback port until interrupted; sign-ups then walk offline."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--host", default=os.environ.get("FAKE_STRIPE_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("FAKE_STRIPE_PORT", "12111"))
    )
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get(
            "FAKE_STRIPE_WEBHOOK_URL", "http://localhost:8000/billing/stripe/webhook/"
        ),
    )
    parser.add_argument(
        "--api-key", default=os.environ.get("STRIPE_SECRET_KEY", "sk_test_entraide_local")
    )
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_entraide_local"),
    )
    args = parser.parse_args(argv)
    if args.host not in {"127.0.0.1", "::1", "localhost"}:
        parser.error("the fake Stripe listens on loopback only")
    fake = FakeStripe(
        api_key=args.api_key,
        api_version=STRIPE_API_VERSION,
        webhook_secret=args.webhook_secret,
        webhook_url=args.webhook_url,
        host=args.host,
        port=args.port,
    ).start()
    print(f"Fake Stripe on {fake.base_url}, webhooks to {args.webhook_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
