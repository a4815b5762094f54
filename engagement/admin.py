"""Django admin of a tenant's engagement data, on the default admin site of its host.

The admin site is served per tenant host, so it only ever sees the current schema. Access is by
role, not by Django's per-model permissions: tenant admins see and manage everything here;
moderators (who need `is_staff` to reach the admin) only verify organizations and moderate
missions; everyone else gets nothing. Writes that have rules go through the services (verify,
publish, reject, close, organization edits); missions, slots and participations are read-only
here because their pages and API own their edits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.permissions import user_is_moderator, user_is_signed_in, user_is_tenant_admin
from accounts.requests import SignedInRequest
from engagement.errors import EngagementError
from engagement.missions.models import Mission, Slot
from engagement.missions.services import mission_close, mission_publish, mission_reject
from engagement.organizations.models import Organization, OrganizationMembership
from engagement.organizations.services import organization_update, organization_verify
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause, Skill


def _tenant_admin(request: HttpRequest) -> bool:
    return user_is_tenant_admin(request.user)


def _moderator(request: HttpRequest) -> bool:
    """Moderators and tenant admins."""
    return user_is_moderator(request.user)


class TenantAdminModelAdmin(admin.ModelAdmin):
    """Visible and editable by tenant admins only; never deleted from the admin."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _tenant_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _tenant_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _tenant_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _tenant_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyForTenantAdmins(TenantAdminModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ModerationModelAdmin(admin.ModelAdmin):
    """Seen by moderators and tenant admins; moderation happens through actions."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _moderator(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _moderator(request)

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return _moderator(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def apply_service(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        service: Callable[[Any], Any],
        done_message: Callable[[int], str],
    ) -> None:
        """Run a service on each selected object; report successes and each refusal."""
        done = 0
        for obj in queryset:
            try:
                service(obj)
            except EngagementError as error:
                self.message_user(request, f"{obj}: {error.detail}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), level=messages.SUCCESS)


# --- Taxonomy -------------------------------------------------------------------------------------


@admin.register(Cause)
class CauseAdmin(TenantAdminModelAdmin):
    list_display = ("slug", "name_fr", "name_en", "icon", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("slug", "name_fr", "name_en")
    ordering = ("position", "slug")


@admin.register(Skill)
class SkillAdmin(TenantAdminModelAdmin):
    list_display = ("slug", "name_fr", "name_en", "position", "is_active")
    list_editable = ("position", "is_active")
    search_fields = ("slug", "name_fr", "name_en")
    ordering = ("position", "slug")


# --- Organizations --------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = OrganizationMembership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _moderator(request)


@admin.register(Organization)
class OrganizationAdmin(ModerationModelAdmin):
    list_display = ("name", "kind", "verification_status", "member_count", "created_at")
    list_filter = ("verification_status", "kind")
    search_fields = ("name", "slug")
    ordering = ("name",)
    fields = (
        "name",
        "kind",
        "description",
        "address",
        "website",
        "contact_email",
        "slug",
        "verification_status",
        "verification_note",
        "verified_at",
        "verified_by",
        "created_by",
        "created_at",
    )
    readonly_fields = (
        "slug",
        "verification_status",
        "verification_note",
        "verified_at",
        "verified_by",
        "created_by",
        "created_at",
    )
    inlines = [MembershipInline]
    actions = ["verify", "reject"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj: Organization) -> int:
        return obj.member_total  # type: ignore[attr-defined]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Tenant admins correct an organization's details; moderators only verify.
        return _tenant_admin(request)

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        editable = set(self.fields) - set(self.readonly_fields)
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in editable}
        if not changed:
            return
        if not user_is_signed_in(request.user):
            # Never: the admin site serves only active staff (AdminSite.has_permission).
            raise PermissionDenied
        try:
            organization_update(
                organization=Organization.objects.get(pk=obj.pk), actor=request.user, **changed
            )
        except EngagementError as error:
            self.message_user(request, str(error.detail), level=messages.ERROR)

    @admin.action(description=_("Verify the selected organizations"), permissions=["moderate"])
    def verify(self, request: SignedInRequest, queryset: QuerySet[Organization]) -> None:
        self.apply_service(
            request,
            queryset,
            lambda organization: organization_verify(
                organization=organization, actor=request.user, approve=True
            ),
            lambda count: ngettext(
                "%(count)d organization verified.", "%(count)d organizations verified.", count
            )
            % {"count": count},
        )

    @admin.action(description=_("Reject the selected organizations"), permissions=["moderate"])
    def reject(self, request: SignedInRequest, queryset: QuerySet[Organization]) -> None:
        self.apply_service(
            request,
            queryset,
            lambda organization: organization_verify(
                organization=organization, actor=request.user, approve=False
            ),
            lambda count: ngettext(
                "%(count)d organization rejected.", "%(count)d organizations rejected.", count
            )
            % {"count": count},
        )


# --- Missions and slots ---------------------------------------------------------------------------


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    fields = ("starts_at", "ends_at", "capacity", "confirmed_count", "status")
    readonly_fields = fields
    can_delete = False
    ordering = ("starts_at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _moderator(request)


@admin.register(Mission)
class MissionAdmin(ModerationModelAdmin):
    list_display = ("title", "organization", "status", "city", "is_remote", "published_at")
    list_filter = ("status", "is_remote", "requires_approval", "organization__verification_status")
    list_select_related = ("organization",)
    search_fields = ("title", "summary", "organization__name", "city")
    ordering = ("-id",)
    fields = (
        "organization",
        "title",
        "summary",
        "description",
        "causes",
        "skills",
        "address",
        "postcode",
        "city",
        "is_remote",
        "is_step_free",
        "is_open_to_minors",
        "is_beginner_friendly",
        "requires_approval",
        "status",
        "moderation_note",
        "published_at",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [SlotInline]
    actions = ["publish", "reject", "close"]

    @admin.action(description=_("Publish the selected missions"), permissions=["moderate"])
    def publish(self, request: SignedInRequest, queryset: QuerySet[Mission]) -> None:
        self.apply_service(
            request,
            queryset.select_related("organization"),
            lambda mission: mission_publish(mission=mission, actor=request.user),
            lambda count: ngettext(
                "%(count)d mission published.", "%(count)d missions published.", count
            )
            % {"count": count},
        )

    @admin.action(
        description=_("Send the selected missions back to draft, with a note"),
        permissions=["moderate"],
    )
    def reject(
        self, request: SignedInRequest, queryset: QuerySet[Mission]
    ) -> TemplateResponse | None:
        if request.POST.get("confirm") == "yes":
            note = request.POST.get("note", "")
            self.apply_service(
                request,
                queryset.select_related("organization"),
                lambda mission: mission_reject(mission=mission, actor=request.user, note=note),
                lambda count: ngettext(
                    "%(count)d mission sent back to draft.",
                    "%(count)d missions sent back to draft.",
                    count,
                )
                % {"count": count},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Send back to draft"),
            "missions": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "engagement/admin/mission_reject.html", context)

    @admin.action(description=_("Close the selected missions"), permissions=["moderate"])
    def close(self, request: SignedInRequest, queryset: QuerySet[Mission]) -> None:
        self.apply_service(
            request,
            queryset.select_related("organization"),
            lambda mission: mission_close(mission=mission, actor=request.user),
            lambda count: ngettext("%(count)d mission closed.", "%(count)d missions closed.", count)
            % {"count": count},
        )


# --- Participations and audit ---------------------------------------------------------------------


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyForTenantAdmins):
    list_display = ("id", "volunteer", "mission_title", "slot_starts_at", "status", "hours")
    list_filter = ("status",)
    list_select_related = ("volunteer", "slot__mission")
    search_fields = ("volunteer__email", "slot__mission__title")
    ordering = ("-id",)
    fields = (
        "volunteer",
        "is_anonymised",
        "slot",
        "status",
        "message",
        "hours",
        "decided_by",
        "decided_at",
        "decision_note",
        "waitlisted_at",
        "cancelled_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("mission"), ordering="slot__mission__title")
    def mission_title(self, obj: Participation) -> str:
        return obj.slot.mission.title

    @admin.display(description=_("date"), ordering="slot__starts_at")
    def slot_starts_at(self, obj: Participation) -> Any:
        return obj.slot.starts_at or _("ongoing")
