"""Platform API (`/api/platform/v1/` on the public host): list, create, show and deprovision
tenants. Platform staff authenticate with a token (`Authorization: Token <key>`); no session, so
no CSRF. Creating and deprovisioning go through tenants.services, the same as the commands."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api.permissions import IsPlatformStaff
from tenants.api_conventions import ApiError, Pagination
from tenants.errors import ProvisioningError, TenantErrorCode
from tenants.lifecycle import (
    restore_job_request,
    tenant_archive_request,
    tenant_reactivate,
    tenant_suspend,
)
from tenants.models import (
    HEX_COLOUR,
    DeprovisionJob,
    PlatformAuditEntry,
    RestoreJob,
    Tenant,
    TenantUsage,
)
from tenants.platform_audit import audit_list
from tenants.selectors import (
    archive_list_for_platform,
    deprovision_job_get,
    restore_job_get,
    tenant_get_for_platform,
    tenant_list_for_platform,
)
from tenants.services import tenant_provision

logger = logging.getLogger(__name__)

_STATUS_FOR_CODE = {
    TenantErrorCode.SLUG_TAKEN: status.HTTP_409_CONFLICT,
    TenantErrorCode.DOMAIN_TAKEN: status.HTTP_409_CONFLICT,
    TenantErrorCode.TENANT_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    # The template is rebuilt by the deploy (`tenant_template --rebuild`), never inside a request.
    TenantErrorCode.TEMPLATE_MISSING: status.HTTP_503_SERVICE_UNAVAILABLE,
    TenantErrorCode.TEMPLATE_STALE: status.HTTP_503_SERVICE_UNAVAILABLE,
    TenantErrorCode.CLONE_FAILED: status.HTTP_500_INTERNAL_SERVER_ERROR,
    TenantErrorCode.EXPORT_FAILED: status.HTTP_500_INTERNAL_SERVER_ERROR,
    TenantErrorCode.TENANT_BEING_ARCHIVED: status.HTTP_409_CONFLICT,
    TenantErrorCode.ARCHIVE_NOT_FOUND: status.HTTP_404_NOT_FOUND,
    TenantErrorCode.ARCHIVE_TOO_NEW: status.HTTP_409_CONFLICT,
    TenantErrorCode.SCHEMA_IN_USE: status.HTTP_409_CONFLICT,
    TenantErrorCode.RESTORE_FAILED: status.HTTP_500_INTERNAL_SERVER_ERROR,
}
API = PlatformAuditEntry.Source.API


def _api_error(error: ProvisioningError) -> ApiError:
    return ApiError(
        error.message,
        code=str(error.code),
        fields={error.field: [error.message]} if error.field else {},
        status_code=_STATUS_FOR_CODE.get(error.code, status.HTTP_400_BAD_REQUEST),
    )


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


class PlatformApi(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsPlatformStaff]


class DomainOutput(serializers.Serializer):
    domain = serializers.CharField()
    is_primary = serializers.BooleanField()
    is_verified = serializers.BooleanField()


class UsageOutput(serializers.Serializer):
    members = serializers.IntegerField()
    missions = serializers.IntegerField()
    participations = serializers.IntegerField()
    storage_bytes = serializers.IntegerField()
    schema_bytes = serializers.IntegerField()
    media_bytes = serializers.IntegerField()
    last_activity_at = serializers.DateTimeField(allow_null=True)
    refreshed_at = serializers.DateTimeField()


class TenantOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    schema_name = serializers.CharField()
    url = serializers.SerializerMethodField()
    default_language = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    timezone = serializers.CharField()
    country = serializers.CharField()
    billing_state = serializers.CharField()
    billing_plan = serializers.CharField()
    is_private = serializers.BooleanField()
    suspended_at = serializers.DateTimeField(allow_null=True)
    suspension_reason = serializers.CharField()
    domains = DomainOutput(many=True)
    # The last measured usage (tenants/usage.py), null until the first measure.
    usage = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_url(self, tenant: Tenant) -> str:
        return tenant.base_url

    def get_usage(self, tenant: Tenant) -> dict[str, Any] | None:
        try:
            usage = tenant.usage
        except TenantUsage.DoesNotExist:
            return None
        return dict(UsageOutput(usage).data)


class TenantListApi(PlatformApi):
    class FilterInput(serializers.Serializer):
        status = serializers.ChoiceField(choices=Tenant.Status.choices, required=False)
        kind = serializers.ChoiceField(choices=Tenant.Kind.choices, required=False)

    def get(self, request: Request) -> Response:
        filters = self.FilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tenants = tenant_list_for_platform(**filters.validated_data)
        paginator = Pagination()
        page = paginator.paginate_queryset(tenants, request, view=self)
        return paginator.get_paginated_response(TenantOutput(page, many=True).data)


class TenantCreateApi(PlatformApi):
    class Input(serializers.Serializer):
        kind = serializers.ChoiceField(choices=Tenant.Kind.choices)
        name = serializers.CharField(max_length=120)
        # Slug, domains and e-mail are checked by the service, which names the exact problem.
        slug = serializers.CharField(max_length=60)
        admin_email = serializers.CharField(max_length=254)
        domains = serializers.ListField(
            child=serializers.CharField(max_length=253), required=False, max_length=10
        )
        default_language = serializers.ChoiceField(
            choices=Tenant.Language.choices, default=Tenant.Language.FR
        )
        languages = serializers.ListField(
            child=serializers.ChoiceField(choices=Tenant.Language.choices), required=False
        )
        timezone = serializers.CharField(default="Europe/Paris")
        country = serializers.RegexField(r"^[A-Za-z]{2}$", default="FR")
        primary_color = serializers.CharField(required=False, validators=[HEX_COLOUR])
        accent_color = serializers.CharField(required=False, validators=[HEX_COLOUR])
        tagline = serializers.CharField(max_length=200, required=False, allow_blank=True)
        # Unset: private for a company, public for a city.
        is_private = serializers.BooleanField(required=False, allow_null=True, default=None)

        def validate_timezone(self, value: str) -> str:
            if value not in _time_zones():
                raise serializers.ValidationError("Unknown time zone.")
            return value

    class Output(serializers.Serializer):
        tenant = TenantOutput()
        admin_email = serializers.EmailField()
        # One-time link for the first admin to choose a password: hand it over, do not log it.
        set_password_url = serializers.URLField()
        seconds = serializers.FloatField()

    def post(self, request: Request) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        try:
            result = tenant_provision(
                kind=data.pop("kind"),
                name=data.pop("name"),
                slug=data.pop("slug"),
                admin_email=data.pop("admin_email"),
                domains=data.pop("domains", []),
                default_language=data.pop("default_language"),
                languages=data.pop("languages", []),
                timezone_name=data.pop("timezone"),
                country=data.pop("country"),
                rebuild_template=False,
                **data,
            )
        except ProvisioningError as error:
            raise _api_error(error) from None
        logger.info(
            "platform_api.tenant_created",
            extra={"tenant": result.tenant.slug, "actor_id": request.user.pk},
        )
        return Response(self.Output(result).data, status=status.HTTP_201_CREATED)


class TenantDetailApi(PlatformApi):
    def get(self, request: Request, slug: str) -> Response:
        tenant = tenant_get_for_platform(slug=slug)
        if tenant is None:
            raise NotFound
        return Response(TenantOutput(tenant).data)


class _JobOutput(serializers.Serializer):
    """What every platform job shows (archive, restore): its progress and where to follow it."""

    status_route = ""

    id = serializers.IntegerField()
    status = serializers.CharField()
    step = serializers.CharField()
    percent = serializers.IntegerField()
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.SerializerMethodField()

    def get_status_url(self, job: DeprovisionJob | RestoreJob) -> str:
        return reverse(self.status_route, kwargs={"job_id": job.pk})


class DeprovisionJobOutput(_JobOutput):
    status_route = "platform_api:deprovision-job"

    tenant_slug = serializers.CharField()
    export_path = serializers.CharField()
    export_bytes = serializers.IntegerField(allow_null=True)
    media_export_path = serializers.CharField()


class TenantDeprovisionApi(PlatformApi):
    """Queue the tenant's deprovisioning: a worker takes it offline, exports its schema
    (pg_dump) and files to TENANT_EXPORT_DIR, then drops them (tenants/deprovisioning.py).

    Answers 202 at once with the job and its status URL (Location); never runs pg_dump inside the
    request. Asking again while a job is queued or running returns that job. The body repeats the
    slug, as the command asks for it, so a mistyped URL deletes nothing.
    """

    class Input(serializers.Serializer):
        confirm_slug = serializers.CharField()

    def post(self, request: Request, slug: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        if payload.validated_data["confirm_slug"] != slug:
            raise ApiError(
                "confirm_slug must repeat the tenant's slug.",
                code="confirmation_mismatch",
                fields={"confirm_slug": ["Does not match the slug in the URL."]},
            )
        try:
            job = tenant_archive_request(slug=slug, actor=request.user, source=API)
        except ProvisioningError as error:
            raise _api_error(error) from None
        logger.info(
            "platform_api.tenant_deprovision_queued",
            extra={"tenant": slug, "actor_id": request.user.pk, "job_id": job.pk},
        )
        data = DeprovisionJobOutput(job).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )


class DeprovisionJobDetailApi(PlatformApi):
    """A deprovisioning job's progress: status, step, percent, then the export or the error."""

    def get(self, request: Request, job_id: int) -> Response:
        job = deprovision_job_get(job_id=job_id)
        if job is None:
            raise NotFound
        return Response(DeprovisionJobOutput(job).data)


class TenantSuspendApi(PlatformApi):
    """Suspend the tenant: its hosts answer the suspended page. 200 with the tenant; suspending
    a suspended tenant is idempotent (200, `changed: false`, its first reason kept)."""

    class Input(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    def post(self, request: Request, slug: str) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            tenant, changed = tenant_suspend(
                slug=slug, reason=payload.validated_data["reason"], actor=request.user, source=API
            )
        except ProvisioningError as error:
            raise _api_error(error) from None
        return Response({"changed": changed, "tenant": TenantOutput(tenant).data})


class TenantReactivateApi(PlatformApi):
    """Reactivate a suspended tenant; an active one answers 200 with `changed: false`."""

    def post(self, request: Request, slug: str) -> Response:
        try:
            tenant, changed = tenant_reactivate(slug=slug, actor=request.user, source=API)
        except ProvisioningError as error:
            raise _api_error(error) from None
        return Response({"changed": changed, "tenant": TenantOutput(tenant).data})


class ArchiveOutput(serializers.Serializer):
    id = serializers.IntegerField()
    tenant_slug = serializers.CharField()
    export_path = serializers.CharField()
    export_bytes = serializers.IntegerField(allow_null=True)
    media_export_path = serializers.CharField()
    archived_at = serializers.DateTimeField(source="finished_at")


class ArchiveListApi(PlatformApi):
    """Archives a tenant can be restored from (succeeded deprovisioning jobs), newest first."""

    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(archive_list_for_platform(), request, view=self)
        return paginator.get_paginated_response(ArchiveOutput(page, many=True).data)


class RestoreJobOutput(_JobOutput):
    status_route = "platform_api:restore-job"

    archive_id = serializers.IntegerField()
    target_slug = serializers.CharField()


class ArchiveRestoreApi(PlatformApi):
    """Queue the restore of an archive to `target_slug` (its own slug or a new one): 202 with
    the job. The archive and the slug are checked at once (404 unknown archive, 400 invalid
    slug or unreadable archive, 409 slug taken, schema in use or archive from newer code)."""

    class Input(serializers.Serializer):
        target_slug = serializers.CharField(max_length=60)

    def post(self, request: Request, archive_id: int) -> Response:
        payload = self.Input(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            job = restore_job_request(
                archive_id=archive_id,
                target_slug=payload.validated_data["target_slug"],
                actor=request.user,
                source=API,
            )
        except ProvisioningError as error:
            raise _api_error(error) from None
        data = RestoreJobOutput(job).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )


class RestoreJobDetailApi(PlatformApi):
    def get(self, request: Request, job_id: int) -> Response:
        job = restore_job_get(job_id=job_id)
        if job is None:
            raise NotFound
        return Response(RestoreJobOutput(job).data)


class AuditEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor_id = serializers.IntegerField(allow_null=True)
    actor_email = serializers.CharField()
    action = serializers.CharField()
    tenant_slug = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named "source"
    details = serializers.JSONField()


class AuditListApi(PlatformApi):
    """The platform audit, newest first; `?tenant=<slug>` and `?action=` narrow it."""

    class FilterInput(serializers.Serializer):
        tenant = serializers.SlugField(required=False, max_length=40)
        action = serializers.CharField(required=False, max_length=40)

    def get(self, request: Request) -> Response:
        filters = self.FilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = audit_list(
            tenant_slug=filters.validated_data.get("tenant"),
            action=filters.validated_data.get("action"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(AuditEntryOutput(page, many=True).data)


def by_method(**views: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """One URL, one API class per HTTP method (GET lists, POST creates).

    Another method goes to the first class, which answers 405 in the API's error shape.
    """
    handlers = {method.upper(): view for method, view in views.items()}
    fallback = next(iter(handlers.values()))

    @csrf_exempt
    def dispatch(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return handlers.get(request.method or "", fallback)(request, *args, **kwargs)

    return dispatch
