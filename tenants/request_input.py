"""Input no view should ever see: refused once, at the door, for every route.

PostgreSQL refuses the NUL character in text (psycopg raises DataError), and a lone UTF-16
surrogate (JSON "\\ud800") cannot be encoded to UTF-8 at all: either one reaching a query or a
template used to be a 500 wherever it went — a path segment, a query parameter, a cookie, a token
header, a form field or a JSON string. No legitimate text contains them, so the request is
answered 400 before any view runs (the API's error shape on API paths, the 400 page elsewhere)
and nothing is written. JSON nested too deeply is refused here too, before it is parsed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.error_pages import bad_request, request_language

Handler = Callable[[HttpRequest], HttpResponse]

# Paths that answer in the API's error shape ({"detail", "code", "fields"}).
API_PREFIXES = ("/api/", "/accounts/api/")
# Paths that answer SCIM error messages (RFC 7644 §3.12): the company directory's endpoints.
SCIM_PREFIX = "/scim/"
SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
JSON_NESTING_LIMIT = 64
# Deeper JSON is refused before it is parsed. The parser recurses once per level, and near
# Python's recursion limit anything else that runs (a garbage collector callback, a logging
# hook) fails too, so the body's depth is measured first, without recursion.
JSON_PARSE_DEPTH_LIMIT = 256
# A JSON string (escapes included) or one bracket: brackets inside strings are not nesting.
_JSON_NESTING_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class BadInput(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _unsafe(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check(field: str, text: str) -> None:
    if _unsafe(text):
        raise BadInput(field, _("Text may not contain NUL or invalid characters."))


def _too_deep(field: str) -> BadInput:
    return BadInput(field, _("This JSON is nested too deeply."))


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    if depth > JSON_NESTING_LIMIT:
        raise _too_deep(path.split(".")[0] or "non_field_errors")
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path or "non_field_errors", key
            yield from _strings(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}" if path else str(index), depth + 1)


def _json_depth_exceeds(body: bytes, limit: int) -> bool:
    """Whether the JSON text `body` opens more than `limit` arrays or objects inside each
    other, read in one pass over its strings and brackets."""
    depth = 0
    for token in _JSON_NESTING_TOKEN.finditer(body):
        bracket = token.group()
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif bracket in (b"]", b"}"):
            depth -= 1
    return False


def check_request(request: HttpRequest) -> None:
    """Raise BadInput for the first unsafe part of the request."""
    _check("path", request.path)
    for name, values in request.GET.lists():
        _check(name, name)
        for value in values:
            _check(name, value)
    for name, value in request.COOKIES.items():
        _check(name, value)
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    _check("authorization", authorization)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, values in request.POST.lists():
            _check(name, name)
            for value in values:
                _check(name, value)
    elif content_type.endswith("json"):
        if _json_depth_exceeds(request.body, JSON_PARSE_DEPTH_LIMIT):
            raise _too_deep("non_field_errors")
        try:
            data = json.loads(request.body)
        except ValueError:
            return  # not JSON: the parser answers 400 with its own message
        for path, text in _strings(data, ""):
            _check(path.split(".")[0] or "non_field_errors", text)


class RequestInputMiddleware:
    """Refuse NUL bytes, unencodable characters and over-deep JSON anywhere in a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # This runs before the locale middlewares: answer in the tenant's language, not in
        # whatever the thread's previous request left active.
        with translation.override(request_language(request)):
            try:
                check_request(request)
            except BadInput as error:
                return _refusal(request, error)
            except (RequestDataTooBig, TooManyFieldsSent) as error:
                # The body cannot be read again after a failed parse (Django leaves an empty POST,
                # so the CSRF check would answer 403): answer here, as the API's handler would
                # (413), or with the 400 page through Django's exception handling.
                if request.path.startswith(SCIM_PREFIX):
                    return _scim_error(_("The request body is too large."), status=413)
                if request.path.startswith(API_PREFIXES):
                    return _too_large()
                raise error from None
        # A malformed multipart body (MultiPartParserError) is not caught either: Django's
        # exception handling answers 400 (JSON under /api/), never the view with an empty POST.
        return self.get_response(request)


def _too_large() -> JsonResponse:
    return JsonResponse(
        {"detail": _("The request body is too large."), "code": "too_large", "fields": {}},
        status=413,
    )


def _scim_error(detail: str, *, status: int) -> JsonResponse:
    return JsonResponse(
        {
            "schemas": [SCIM_ERROR_SCHEMA],
            "status": status,
            "scimType": "invalidValue",
            "detail": detail,
        },
        status=status,
        content_type="application/scim+json",
    )


def _refusal(request: HttpRequest, error: BadInput) -> HttpResponse:
    if request.path.startswith(SCIM_PREFIX):
        return _scim_error(error.message, status=400)
    if request.path.startswith(API_PREFIXES):
        return JsonResponse(
            {"detail": error.message, "code": "invalid", "fields": {error.field: [error.message]}},
            status=400,
        )
    return bad_request(request, SuspiciousOperation(error.message))
