"""/scim/v2/ on a company tenant's host: SCIM 2.0 (RFC 7644) for the company's directory.

Built on django-scim2's view and its SCIM errors; the lookups, filters, pages and adapters are
ours, because django-scim2's assume SCIM columns on the account model (shared here with the
public schema) and run its filters as raw SQL over one table.

Every request: the tenant must be a company (a city answers 404: it has no directory to
provision from), then the bearer token must be this tenant's working directory token (401
otherwise — a token of another tenant is unknown here). Each request runs in one transaction:
a refused one changes nothing. Every error is a SCIM error message, never an HTML page or a 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import View
from django_scim import views as scim_views
from django_scim.constants import SCIM_CONTENT_TYPE, SchemaURI
from django_scim.exceptions import (
    AuthorizationError,
    BadRequestError,
    NotFoundError,
    NotImplementedError,
    SCIMException,
)
from scim2_filter_parser.parser import SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import get_query

from engagement.directory import scim_schemas
from engagement.directory.errors import DirectoryError
from engagement.directory.models import DirectoryIdentity
from engagement.directory.scim import (
    Resource,
    group_data_from_resource,
    group_location,
    group_resource,
    patch_apply,
    user_data_from_resource,
    user_location,
    user_resource,
)
from engagement.directory.selectors import directory_identities, directory_teams
from engagement.directory.services import (
    directory_team_create,
    directory_team_delete,
    directory_team_replace,
    directory_token_authenticate,
    directory_user_create,
    directory_user_delete,
    directory_user_replace,
)
from engagement.programmes.models import Team

logger = logging.getLogger(__name__)

BASE_PATH = "/scim/v2/"
# Bodies larger than this are refused before parsing (a User or a Group of 10,000 members fits).
MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_START_INDEX = 1_000_000_000

USER_FILTERS = {
    ("userName", None, None): "user_name",
    ("externalId", None, None): "external_id",
    ("emails", "value", None): "user__email",
    ("emails", None, None): "user__email",
    ("active", None, None): "user__is_active",
    ("name", "givenName", None): "user__first_name",
    ("name", "familyName", None): "user__last_name",
}
GROUP_FILTERS = {
    ("displayName", None, None): "name",
    ("externalId", None, None): "external_id",
}


def _without_empty(value: Any) -> Any:
    """Drop nulls (RFC 7643 §2.5: unassigned attributes are omitted) and empty objects."""
    if isinstance(value, dict):
        cleaned = {key: _without_empty(item) for key, item in value.items() if item is not None}
        return {key: item for key, item in cleaned.items() if item != {}}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def scim_response(document: Any, *, status: int = 200, location: str | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(_without_empty(document)), content_type=SCIM_CONTENT_TYPE, status=status
    )
    if location:
        response["Location"] = location
    return response


def scim_error(error: SCIMException) -> HttpResponse:
    response = HttpResponse(
        json.dumps(error.to_dict()), content_type=SCIM_CONTENT_TYPE, status=error.status
    )
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _attribute_names(raw: Any) -> set[str]:
    if raw is None:
        return set()
    if isinstance(raw, list):
        raw = ",".join(str(item) for item in raw)
    if not isinstance(raw, str):
        raise BadRequestError("“attributes” is a comma-separated list.", scim_type="invalidValue")
    return {part.strip().lower() for part in raw.split(",") if part.strip()}


def _projected(resource: Resource, *, attributes: set[str], excluded: set[str]) -> Resource:
    """RFC 7644 §3.9: only `attributes` (plus id, schemas, meta), or all but `excluded`."""

    def wanted(key: str, names: set[str]) -> bool:
        key = key.lower()
        return any(
            name == key or name.startswith(key + ".") or name.startswith(key + ":")
            for name in names
        )

    if attributes:
        projected = {}
        for key, value in resource.items():
            if key in {"id", "schemas", "meta"}:
                projected[key] = value
            elif key.startswith("urn:") and isinstance(value, dict):
                inner = {
                    name: item
                    for name, item in value.items()
                    if wanted(f"{key}:{name}", attributes)
                }
                if wanted(key, attributes) and key.lower() in attributes:
                    inner = value
                if inner:
                    projected[key] = inner
            elif wanted(key, attributes):
                projected[key] = value
        return projected
    if excluded:
        return {
            key: value
            for key, value in resource.items()
            if key in {"id", "schemas", "meta"} or key.lower() not in excluded
        }
    return resource


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class ScimView(scim_views.SCIMView):
    """Authentication, the tenant check, one transaction and SCIM errors for every endpoint."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            tenant = getattr(request, "tenant", None)
            if getattr(tenant, "kind", None) != "company":
                raise NotFoundError("", status=404)
            header = request.headers.get("Authorization", "")
            scheme, _space, raw = header.partition(" ")
            if scheme.lower() != "bearer" or directory_token_authenticate(raw=raw.strip()) is None:
                raise AuthorizationError("A valid bearer token of this site's directory is needed.")
            if len(request.body) > MAX_BODY_BYTES:
                raise BadRequestError("The body is too large.", scim_type="tooMany")
            with transaction.atomic():
                return View.dispatch(self, request, *args, **kwargs)
        except SCIMException as error:
            if isinstance(error, NotFoundError) and not kwargs.get("uuid"):
                error.detail = "Not found."
            return scim_error(error)
        except RequestDataTooBig:
            return scim_error(SCIMException("The body is too large.", status=413))
        except DirectoryError as error:
            return scim_error(
                SCIMException(error.detail, status=error.status, scim_type=error.scim_type)
            )
        except Exception:
            logger.exception("scim.request_failed", extra={"path": request.path})
            return scim_error(SCIMException("The request could not be completed."))

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        return scim_error(SCIMException("Method not allowed.", status=405))

    @property
    def base(self) -> str:
        return self.request.build_absolute_uri(BASE_PATH)

    def body(self) -> Any:
        try:
            return json.loads(self.request.body.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequestError("The body is not JSON.", scim_type="invalidSyntax") from None


class NotImplementedView(ScimView):
    """/Me, /Bulk: 501 (authenticated first, like every endpoint)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise NotImplementedError("Not implemented.")

    post = put = patch = delete = get


class NotFoundView(ScimView):
    """Anything else under /scim/v2/: a SCIM 404."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raise NotFoundError("", status=404)

    post = put = patch = delete = get


class ServiceProviderConfigView(ScimView):
    def get(self, request: HttpRequest) -> HttpResponse:
        return scim_response(scim_schemas.service_provider_config(self.base))


class _DiscoveryView(ScimView):
    documents: Callable[[str], list[dict[str, Any]]]

    def get(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        documents = type(self).documents(self.base)
        if uuid:
            found = next((doc for doc in documents if doc["id"] == uuid), None)
            if found is None:
                raise NotFoundError(uuid)
            return scim_response(found)
        return scim_response(
            {
                "schemas": [SchemaURI.LIST_RESPONSE],
                "totalResults": len(documents),
                "itemsPerPage": len(documents),
                "startIndex": 1,
                "Resources": documents,
            }
        )


class ResourceTypesView(_DiscoveryView):
    documents = staticmethod(scim_schemas.resource_types)


class SchemasView(_DiscoveryView):
    documents = staticmethod(scim_schemas.schemas)


class _ResourcesView(ScimView):
    """A collection (GET with filter and pages, POST, POST /.search) and its members (GET, PUT,
    PATCH, DELETE)."""

    filters: Mapping[tuple[str, str | None, str | None], str]

    def queryset(self) -> QuerySet[Any]:
        raise NotImplementedError()

    def present(self, obj: Any) -> Resource:
        raise NotImplementedError()

    def lookup(self, uuid: str) -> Any:
        raise NotImplementedError()

    def _page_numbers(self, source: Mapping[str, Any]) -> tuple[int, int]:
        try:
            start = int(source.get("startIndex") or 1)
            count = int(source.get("count", scim_schemas.MAX_RESULTS))
        except (TypeError, ValueError):
            raise BadRequestError(
                "startIndex and count are whole numbers.", scim_type="invalidValue"
            ) from None
        # RFC 7644 §3.4.2.4: below 1 means 1, a negative count means 0; far past the end
        # is past the end (and stays a number PostgreSQL takes as an OFFSET).
        start = min(max(start, 1), MAX_START_INDEX)
        return start, min(max(count, 0), scim_schemas.MAX_RESULTS)

    def _filtered(self, expression: Any) -> QuerySet[Any]:
        queryset = self.queryset()
        if expression in (None, ""):
            return queryset
        if not isinstance(expression, str) or len(expression) > 1000:
            raise BadRequestError("The filter cannot be read.", scim_type="invalidFilter")
        try:
            condition = get_query(expression, self.filters)
        except (SCIMParserError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise BadRequestError(
                f"The filter cannot be read: {error}", scim_type="invalidFilter"
            ) from None
        if not isinstance(condition, Q):
            raise BadRequestError(
                "The filter names an attribute that cannot be filtered on.",
                scim_type="invalidFilter",
            )
        return queryset.filter(condition)

    def _list(
        self, *, expression: Any, paging: Mapping[str, Any], attributes: Any, excluded: Any
    ) -> HttpResponse:
        start, count = self._page_numbers(paging)
        wanted, unwanted = _attribute_names(attributes), _attribute_names(excluded)
        queryset = self._filtered(expression)
        try:
            total = queryset.count()
            page = list(queryset[start - 1 : start - 1 + count]) if count else []
        except (ValueError, TypeError):
            # A value the column cannot hold (a filter on `active` with a string, …).
            raise BadRequestError(
                "A value of the filter does not fit its attribute.", scim_type="invalidFilter"
            ) from None
        resources = [
            _projected(self.present(obj), attributes=wanted, excluded=unwanted) for obj in page
        ]
        return scim_response(
            {
                "schemas": [SchemaURI.LIST_RESPONSE],
                "totalResults": total,
                "itemsPerPage": len(resources),
                "startIndex": start,
                "Resources": resources,
            }
        )

    def get(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            return self._list(
                expression=request.GET.get("filter"),
                paging=request.GET,
                attributes=request.GET.get("attributes"),
                excluded=request.GET.get("excludedAttributes"),
            )
        resource = self.present(self.lookup(uuid))
        return scim_response(
            _projected(
                resource,
                attributes=_attribute_names(request.GET.get("attributes")),
                excluded=_attribute_names(request.GET.get("excludedAttributes")),
            ),
            location=resource["meta"]["location"],
        )


def _uuid_or_404(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise NotFoundError(value) from None


class UsersView(_ResourcesView):
    filters = USER_FILTERS

    def queryset(self) -> QuerySet[DirectoryIdentity]:
        return directory_identities()

    def lookup(self, uuid: str) -> DirectoryIdentity:
        identity = self.queryset().filter(scim_id=_uuid_or_404(uuid)).first()
        if identity is None:
            raise NotFoundError(uuid)
        return identity

    def present(self, obj: DirectoryIdentity) -> Resource:
        memberships: Iterable[Any] = getattr(obj.user, "directory_memberships", ())
        return user_resource(obj, base=self.base, teams=[m.team for m in memberships])

    def _answer(self, identity: DirectoryIdentity, *, status: int = 200) -> HttpResponse:
        fresh = self.lookup(str(identity.scim_id))
        return scim_response(
            self.present(fresh), status=status, location=user_location(self.base, fresh)
        )

    def post(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is not None:
            raise BadRequestError("POST goes to /Users.", scim_type="invalidSyntax")
        identity = directory_user_create(data=user_data_from_resource(self.body()))
        return self._answer(identity, status=201)

    def put(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("PUT goes to /Users/<id>.", scim_type="invalidSyntax")
        identity = self.lookup(uuid)
        data = user_data_from_resource(self.body())
        return self._answer(directory_user_replace(identity=identity, data=data))

    def patch(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("PATCH goes to /Users/<id>.", scim_type="invalidSyntax")
        identity = self.lookup(uuid)
        patched = patch_apply(self.present(identity), self.body(), is_group=False)
        data = user_data_from_resource(patched)
        return self._answer(directory_user_replace(identity=identity, data=data))

    def delete(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("DELETE goes to /Users/<id>.", scim_type="invalidSyntax")
        directory_user_delete(identity=self.lookup(uuid))
        return HttpResponse(status=204)


class GroupsView(_ResourcesView):
    filters = GROUP_FILTERS

    def queryset(self) -> QuerySet[Team]:
        return directory_teams()

    def lookup(self, uuid: str) -> Team:
        if not uuid.isdigit() or len(uuid) > 18:
            raise NotFoundError(uuid)
        team = self.queryset().filter(pk=int(uuid)).first()
        if team is None:
            raise NotFoundError(uuid)
        return team

    def present(self, obj: Team) -> Resource:
        memberships: Iterable[Any] = getattr(obj, "directory_memberships", ())
        return group_resource(
            obj, base=self.base, members=[m.user.directory_identity for m in memberships]
        )

    def _answer(self, team: Team, *, status: int = 200) -> HttpResponse:
        fresh = self.lookup(str(team.pk))
        return scim_response(
            self.present(fresh), status=status, location=group_location(self.base, fresh)
        )

    def post(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is not None:
            raise BadRequestError("POST goes to /Groups.", scim_type="invalidSyntax")
        team = directory_team_create(data=group_data_from_resource(self.body()))
        return self._answer(team, status=201)

    def put(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("PUT goes to /Groups/<id>.", scim_type="invalidSyntax")
        team = self.lookup(uuid)
        data = group_data_from_resource(self.body())
        return self._answer(directory_team_replace(team=team, data=data))

    def patch(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("PATCH goes to /Groups/<id>.", scim_type="invalidSyntax")
        team = self.lookup(uuid)
        patched = patch_apply(self.present(team), self.body(), is_group=True)
        data = group_data_from_resource(patched)
        return self._answer(directory_team_replace(team=team, data=data))

    def delete(self, request: HttpRequest, uuid: str | None = None) -> HttpResponse:
        if uuid is None:
            raise BadRequestError("DELETE goes to /Groups/<id>.", scim_type="invalidSyntax")
        directory_team_delete(team=self.lookup(uuid))
        return HttpResponse(status=204)


class _SearchView(ScimView):
    """POST /Users/.search and /Groups/.search (RFC 7644 §3.4.3)."""

    collection: type[_ResourcesView]

    def post(self, request: HttpRequest) -> HttpResponse:
        body = self.body()
        if not isinstance(body, dict) or SchemaURI.SERACH_REQUEST not in (
            body.get("schemas") or []
        ):
            raise BadRequestError(
                f"A search names the schema {SchemaURI.SERACH_REQUEST}.", scim_type="invalidValue"
            )
        collection = type(self).collection()
        collection.setup(request)
        return collection._list(
            expression=body.get("filter"),
            paging=body,
            attributes=body.get("attributes"),
            excluded=body.get("excludedAttributes"),
        )


class UsersSearchView(_SearchView):
    collection = UsersView


class GroupsSearchView(_SearchView):
    collection = GroupsView


class RootSearchView(ScimView):
    """POST /.search: the same search over Users then Groups (RFC 7644 §3.4.3). A filter on an
    attribute only one of them has searches that one."""

    def post(self, request: HttpRequest) -> HttpResponse:
        body = self.body()
        if not isinstance(body, dict) or SchemaURI.SERACH_REQUEST not in (
            body.get("schemas") or []
        ):
            raise BadRequestError(
                f"A search names the schema {SchemaURI.SERACH_REQUEST}.", scim_type="invalidValue"
            )
        collections: list[_ResourcesView] = [UsersView(), GroupsView()]
        for collection in collections:
            collection.setup(request)
        start, count = collections[0]._page_numbers(body)
        wanted = _attribute_names(body.get("attributes"))
        unwanted = _attribute_names(body.get("excludedAttributes"))
        expression = body.get("filter")
        searched: list[tuple[_ResourcesView, QuerySet[Any]]] = []
        refusal: BadRequestError | None = None
        for collection in collections:
            try:
                searched.append((collection, collection._filtered(expression)))
            except BadRequestError as error:
                refusal = error
        if not searched and refusal is not None:
            raise refusal
        resources: list[Resource] = []
        total = 0
        skip = start - 1
        for collection, queryset in searched:
            size = queryset.count()
            total += size
            if len(resources) < count and skip < size:
                take = count - len(resources)
                resources += [
                    _projected(collection.present(obj), attributes=wanted, excluded=unwanted)
                    for obj in queryset[skip : skip + take]
                ]
            skip = max(skip - size, 0)
        return scim_response(
            {
                "schemas": [SchemaURI.LIST_RESPONSE],
                "totalResults": total,
                "itemsPerPage": len(resources),
                "startIndex": start,
                "Resources": resources,
            }
        )
