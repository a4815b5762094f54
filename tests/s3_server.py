"""A real S3-compatible server on loopback for media tests: moto's server mode (the same HTTP API
as S3: buckets, objects, multipart uploads, listings, private objects refused to anonymous
requests), started once per test process on a free port.

moto 5 serves a presigned URL without checking its signature or its expiry (moto/s3/responses.py
only compares the content-* parameters with the headers); S3 refuses both. `PresignedUrlCheck`,
in front of moto, does what S3 does with a query-string (SigV4) signature: recompute it with
botocore's own signer from the server's known credentials, and refuse a wrong or expired one
with S3's 403 answer. Everything else reaches moto unchanged.

    server = LoopbackS3Server().start()
    server.endpoint_url   # http://127.0.0.1:<port>
    ...
    server.stop()
"""

from __future__ import annotations

import datetime as dt
import hmac
import itertools
import logging
import os
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import boto3
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

ACCESS_KEY_ID = "AKIAENTRAIDETEST0001"
SECRET_ACCESS_KEY = "entraide-test-secret-access-key-0000000000"
REGION = "eu-west-3"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _denied(start_response: Callable[..., Any], message: str) -> list[bytes]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
    ).encode()
    start_response(
        "403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    )
    return [body]


def presigned_url_problem(
    *, method: str, host: str, path: str, query: str, now: dt.datetime | None = None
) -> str | None:
    """None when a SigV4 query-string signature is good and current; else S3's message."""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    values = dict(pairs)
    try:
        signed_at = dt.datetime.strptime(values["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
            tzinfo=dt.UTC
        )
        expires = int(values["X-Amz-Expires"])
        access_key, _day, region, service, _end = values["X-Amz-Credential"].split("/")
    except (KeyError, ValueError):
        return "Query-string authentication requires X-Amz-Date, X-Amz-Expires, X-Amz-Credential."
    if access_key != ACCESS_KEY_ID:
        return "The AWS Access Key Id you provided does not exist in our records."
    if (now or dt.datetime.now(dt.UTC)) > signed_at + dt.timedelta(seconds=expires):
        return "Request has expired"
    unsigned_query = urllib.parse.urlencode(
        [(k, v) for k, v in pairs if k != "X-Amz-Signature"], quote_via=urllib.parse.quote
    )
    request = AWSRequest(
        method=method, url=f"http://{host}{path}?{unsigned_query}", headers={"host": host}
    )
    request.context["timestamp"] = values["X-Amz-Date"]
    auth = S3SigV4QueryAuth(
        Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), service, region, expires=expires
    )
    expected = auth.signature(
        auth.string_to_sign(request, auth.canonical_request(request)), request
    )
    if not hmac.compare_digest(expected, values.get("X-Amz-Signature", "")):
        return "The request signature we calculated does not match the signature you provided."
    return None


class PresignedUrlCheck:
    """WSGI middleware: S3's checks of presigned URLs, in front of moto."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.refused: list[str] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if "X-Amz-Signature=" in query and "HTTP_AUTHORIZATION" not in environ:
            problem = presigned_url_problem(
                method=environ["REQUEST_METHOD"],
                host=environ.get("HTTP_HOST", ""),
                # S3 signs the path as sent (percent-encoded), WSGI gives it decoded.
                path=urllib.parse.quote(environ.get("PATH_INFO", ""), safe="/~"),
                query=query,
            )
            if problem is not None:
                self.refused.append(problem)
                return _denied(start_response, problem)
        return self.app(environ, start_response)


class LoopbackS3Server(ThreadedMotoServer):
    """moto's S3 on 127.0.0.1, a free port, presigned URLs checked like S3 does."""

    def __init__(self) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self.check: PresignedUrlCheck | None = None

    def _server_entry(self) -> None:
        self.check = PresignedUrlCheck(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self._ip_address,
            self._port,
            self.check,
            True,
            request_handler=MotoRequestHandler,
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> LoopbackS3Server:  # type: ignore[override]
        # werkzeug logs each request at INFO: not in the tests' output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        super().start()
        return self

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"


_buckets = itertools.count(1)


class S3Media:
    """One test's bucket on the loopback server, and what the test asks of it."""

    def __init__(self, server: LoopbackS3Server, name: str) -> None:
        self.server = server
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=server.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    @classmethod
    def create(cls, server: LoopbackS3Server) -> S3Media:
        run = os.environ.get("ENTRAIDE_TEST_RUN", "") + os.environ.get("PYTEST_XDIST_WORKER", "")
        name = f"entraide-{run or 'test'}-{os.getpid()}-{next(_buckets)}".lower()
        media = cls(server, name.replace("_", "-")[:63])
        media.client.create_bucket(
            Bucket=media.name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return media

    def options(self, **changes: Any) -> dict[str, Any]:
        """The MEDIA_S3 setting (the S3_* environment variables) for this bucket."""
        return {
            "bucket_name": self.name,
            "endpoint_url": self.server.endpoint_url,
            "region_name": REGION,
            "addressing_style": "path",
            "access_key": ACCESS_KEY_ID,
            "secret_key": SECRET_ACCESS_KEY,
            "querystring_expire": 3600,
            **changes,
        }

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def get(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.name, Key=key)["Body"].read())

    def head(self, key: str) -> dict[str, Any]:
        return dict(self.client.head_object(Bucket=self.name, Key=key))

    def put(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=body)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.name, Key=key)

    def destroy(self) -> None:
        for key in self.keys():
            self.delete(key)
        self.client.delete_bucket(Bucket=self.name)
