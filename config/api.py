"""API conventions shared by every app: one error shape and one pagination."""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """A domain error raised by a service, rendered as {"detail", "code", "fields"}."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        fields: dict[str, list[str]] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(detail=detail, code=code)
        self.error_code = code
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code


def _messages(detail: Any) -> list[str]:
    """Plain message strings of an error detail, however nested (never a Python repr such as
    "ErrorDetail(string=...)" or "{0: [...]}")."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list | tuple):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Field errors keyed by field; nested errors (a list item, a nested object) by dotted path:
    {"slots.0.capacity": ["..."]}."""
    fields: dict[str, list[str]] = {}
    items = (
        detail.items()
        if isinstance(detail, dict)
        else enumerate(detail)
        if isinstance(detail, list | tuple)
        else ()
    )
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) or (
            isinstance(value, list | tuple) and any(isinstance(v, dict | list) for v in value)
        ):
            fields.update(_flatten(value, name))
        else:
            fields.setdefault(name, []).extend(_messages(value))
    return fields


def _first_message(detail: Any, default: str) -> str:
    messages = _messages(detail)
    return messages[0] if messages else default


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        fields = (
            {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": [str(m) for m in exc.messages]}
        )
        _render_as_json(context)
        return Response(
            {"detail": "Invalid input.", "code": "invalid", "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
        return Response(
            {"detail": "The request body is too large.", "code": "too_large", "fields": {}},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, ApiError):
        response.data = {
            "detail": _first_message(exc.detail, "Invalid input."),
            "code": exc.error_code,
            "fields": {key: _messages(value) for key, value in exc.fields.items()},
        }
    elif isinstance(exc, exceptions.ValidationError):
        fields = (
            _flatten(exc.detail)
            if isinstance(exc.detail, dict)
            else {"non_field_errors": _messages(exc.detail)}
        )
        response.data = {"detail": "Invalid input.", "code": "invalid", "fields": fields}
    else:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "detail": _first_message(getattr(exc, "detail", ""), "Error."),
            "code": code if isinstance(code, str) else "error",
            "fields": {},
        }
    _render_as_json(context)
    return response


def _render_as_json(context: dict[str, Any]) -> None:
    """Errors are JSON whatever the request negotiated: a browser's text/html (the browsable
    API), the schema view's YAML."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return super().get_paginated_response_schema(schema)
