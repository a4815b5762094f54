"""API conventions shared by every app's API (tenant and platform): one error shape
{"detail", "code", "fields"} with its exception handler and its OpenAPI documentation, and one
pagination. Wired in settings.REST_FRAMEWORK; apps raise `ApiError` subclasses (their errors.py).
"""

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApiError(exceptions.APIException):
    """A domain error raised by a service, rendered as {"detail", "code", "fields"}."""

    status_code: int = status.HTTP_400_BAD_REQUEST

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


def _messages(detail: Any, prefix: str = "") -> list[str]:
    """Plain message strings of an error detail, however nested: never a Python repr such as
    "ErrorDetail(string=...)" or "{0: [...]}". A nested error names where it is: "lat: ..."."""
    if isinstance(detail, dict):
        return [
            message
            for key, value in detail.items()
            for message in _messages(
                value, f"{prefix}{key}: " if key != "non_field_errors" else prefix
            )
        ]
    if isinstance(detail, list | tuple):
        nested = any(isinstance(item, dict | list | tuple) for item in detail)
        return [
            message
            for index, item in enumerate(detail)
            for message in _messages(item, f"{prefix}{index}: " if nested and item else prefix)
        ]
    return [f"{prefix}{detail}"]


def _flatten(detail: Any) -> dict[str, list[str]]:
    """Field errors keyed by the request's own field names; errors inside a field (a nested
    object, a list item) are messages of that field, prefixed with where they are."""
    return {str(key): _messages(value) for key, value in detail.items()}


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
        assert self.page is not None  # paginate_queryset() ran first
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


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (exception_handler above)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    # A field named "fields": DRF's serializer metaclass moves declared fields out of the class
    # attributes, so Serializer.fields (the bound fields) is not shadowed; the stubs cannot know.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField())
    )

    class Meta:
        ref_name = "Error"


def error_responses(*status_codes: int) -> dict[int, type[serializers.Serializer]]:
    return {code: ErrorSerializer for code in status_codes}


_ERROR_REF = {"$ref": "#/components/schemas/Error"}
# Errors any operation can answer, whatever its view says (documented by the hook below):
# 400 for characters refused at the door (tenants.request_input), 404 for an id that names
# nothing, 403 (CSRF) / 413 / 415 for a body sent with a session, too large or of another type.
_ALWAYS = {"400": "Invalid input (field errors in `fields`)."}
_WITH_PATH_PARAMETERS = {"404": "Not found."}
_WITH_BODY = {
    "403": "Not allowed (or a session request without its CSRF token).",
    "413": "The request body is too large.",
    "415": "Unsupported content type: send application/json.",
}


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the errors it can really
    answer, in the {"detail", "code", "fields"} shape, so clients and the schema agree."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "Error" not in schemas:
        return result  # no API view uses the error shape: nothing to point at
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            extra = dict(_ALWAYS)
            if "{" in path:
                extra.update(_WITH_PATH_PARAMETERS)
            if method in ("post", "put", "patch"):
                extra.update(_WITH_BODY)
            responses = operation["responses"]
            for code, description in extra.items():
                responses.setdefault(
                    code,
                    {
                        "content": {"application/json": {"schema": _ERROR_REF}},
                        "description": description,
                    },
                )
    return result
