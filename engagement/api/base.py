"""What every engagement API class shares: authentication order, body size limit, strict
pagination and input validation helpers.

Views parse, authorise (the domain's access.py), call one service or selector and present; the
error shape {"detail", "code", "fields"} comes from tenants.api_conventions.exception_handler.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from accounts.authentication import ApiTokenAuthentication
from accounts.permissions import user_is_moderator
from engagement.errors import EngagementError, EngagementErrorCode
from tenants.api_conventions import (  # noqa: F401 - ErrorSerializer is part of this module's API
    ApiError,
    ErrorSerializer,
    Pagination,
    error_responses,
)

# JSON bodies of this API are small (a description is at most 10,000 characters); anything
# bigger is refused before it is read. Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2 MB) stays the
# outer limit for every other form.
MAX_BODY_BYTES = 64 * 1024
MAX_ID = 2**63 - 1


class EngagementApiView(APIView):
    """Token first, so an anonymous call to a protected endpoint gets 401 + WWW-Authenticate
    (DRF takes the challenge from the first authenticator). A token or session from another
    tenant is unknown in this tenant's schema: 401 for a token, anonymous for a session."""

    authentication_classes = [TokenAuthentication, ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    # Bodies are small JSON documents; an upload endpoint raises its own limit.
    max_body_bytes = MAX_BODY_BYTES

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        reject_oversized_body(request, limit=self.max_body_bytes)
        super().initial(request, *args, **kwargs)


class AuthenticatedApiView(EngagementApiView):
    permission_classes = [IsAuthenticated]


def json_text_response(request: Request, text: str) -> HttpResponse | Response:
    """A body already written as JSON text (by PostgreSQL: the map's pins), sent as it is when
    JSON was negotiated, as JSONRenderer would send it; another renderer (the browsable API)
    gets it parsed."""
    if isinstance(request.accepted_renderer, JSONRenderer):
        return HttpResponse(text, content_type=JSONRenderer.media_type)
    return Response(json.loads(text))


def reject_oversized_body(request: Request, *, limit: int = MAX_BODY_BYTES) -> None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        length = 0
    if length > limit:
        raise ApiError(
            _("The request body is too large (at most %(max)d bytes).") % {"max": limit},
            code="payload_too_large",
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )


def validated_data(
    serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any
) -> dict[str, Any]:
    """Validate `data` with the (Input) serializer; a 400 with field errors otherwise."""
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": [_("A JSON object is expected.")]})
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class StrictPagination(Pagination):
    """tenants.api_conventions.Pagination (results + total count) that refuses bad `page` /
    `page_size` with a 400 and field errors instead of silently falling back or answering 404."""

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        page_params(request)
        try:
            return list(super().paginate_queryset(queryset, request, view) or [])
        except exceptions.NotFound:
            raise exceptions.ValidationError({"page": [_("This page does not exist.")]}) from None


def page_params(request: Request) -> tuple[int, int]:
    """`page` (from 1) and `page_size` (1 to 100, default 20) of the query string, or a 400."""
    errors: dict[str, list[str]] = {}
    page = request.query_params.get(Pagination.page_query_param, "1")
    if not _is_positive_int(page):
        errors["page"] = [_("A page number from 1.")]
    size = request.query_params.get(Pagination.page_size_query_param, str(Pagination.page_size))
    if not (_is_positive_int(size) and int(size) <= Pagination.max_page_size):
        errors["page_size"] = [
            _("A page size from 1 to %(max)d.") % {"max": Pagination.max_page_size}
        ]
    if errors:
        raise exceptions.ValidationError(errors)
    return int(page), int(size)


def counted_page_json_response(
    request: Request,
    results: list[str],
    *,
    total: int,
    page: int,
    size: int,
    total_is_exact: bool | None = None,
    has_next: bool | None = None,
) -> HttpResponse | Response:
    """The same body as StrictPagination for a page whose total is already known and whose
    results are already JSON texts (written by PostgreSQL: the search's), joined into the body
    as they are (json_text_response). With `total_is_exact` (True or False), the body also says
    whether `count` is exact or a lower bound ("more than `count`"); `has_next` then says
    whether a page follows."""
    if not results and page > 1:
        raise exceptions.ValidationError({"page": [_("This page does not exist.")]})
    url = request.build_absolute_uri()
    if has_next is None:
        has_next = page * size < total
    next_url = replace_query_param(url, "page", page + 1) if has_next else None
    previous_url = None
    if page > 1:
        previous_url = (
            replace_query_param(url, "page", page - 1)
            if page > 2
            else remove_query_param(url, "page")
        )
    body: dict[str, Any] = {"count": total}
    if total_is_exact is not None:
        body["count_is_exact"] = total_is_exact
    body.update({"next": next_url, "previous": previous_url})
    # As JSONRenderer writes it: compact, Unicode as it is.
    head = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return json_text_response(request, head[:-1] + ',"results":[' + ",".join(results) + "]}")


def _is_positive_int(value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= 1_000_000


def paginated(view: APIView, queryset: QuerySet[Any], serializer_class: type) -> Response:
    """One page of `queryset` presented with `serializer_class`, with the total count."""
    paginator = StrictPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class IdField(serializers.IntegerField):
    """A database id in a body: a positive 64-bit integer."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


_paginated_serializers: dict[str, type[serializers.Serializer]] = {}


def paginated_serializer(
    item_serializer: type[serializers.Serializer], name: str, *, exact_count_limit: int = 0
) -> type[serializers.Serializer]:
    """The schema of one page of `item_serializer`: count, next, previous, results; with
    `exact_count_limit`, also count_is_exact (the count is exact up to that many results)."""
    if name not in _paginated_serializers:
        fields: dict[str, Any] = {
            "count": serializers.IntegerField(help_text="Total number of results.")
        }
        if exact_count_limit:
            fields["count"] = serializers.IntegerField(
                help_text=(
                    f"Total number of results when count_is_exact; beyond {exact_count_limit:,} "
                    f"results, {exact_count_limit:,} and count_is_exact false (there are more: "
                    "follow `next`, or narrow the search)."
                )
            )
            fields["count_is_exact"] = serializers.BooleanField(
                help_text=f"Whether `count` is exact (up to {exact_count_limit:,} results) or a "
                "lower bound."
            )
        _paginated_serializers[name] = type(
            f"{name}Serializer",
            (serializers.Serializer,),
            {
                **fields,
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item_serializer(many=True),
                "Meta": type("Meta", (), {"ref_name": name}),
                "__module__": __name__,
            },
        )
    return _paginated_serializers[name]


PAGE_PARAMETERS = [
    OpenApiParameter(
        "page", OpenApiTypes.INT, OpenApiParameter.QUERY, description="Page number, from 1."
    ),
    OpenApiParameter(
        "page_size",
        OpenApiTypes.INT,
        OpenApiParameter.QUERY,
        description="Results per page, 1 to 100 (default 20).",
    ),
]


# Operation groups of the API schema shared by several domains.
ORGANIZER_TAG = "organizations"
MODERATION_TAG = "moderation"


def require_moderator(request: Request) -> None:
    """Moderation endpoints answer 403 (not_moderator) to anyone else."""
    if not user_is_moderator(request.user):
        raise EngagementError(
            _("Only moderators can do this."), code=EngagementErrorCode.NOT_MODERATOR
        )
