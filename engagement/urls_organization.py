"""The organization space and the moderation queue, under /organisation/ on tenant hosts."""

from django.urls import path

from engagement.calendars import views as calendars
from engagement.missions import views_organization as missions
from engagement.moderation import views as moderation
from engagement.organization_messages import views_organization as organization_messages
from engagement.organizations import views_organization as organizations
from engagement.participations import views_organization as participations
from engagement.worktime import views_organization as worktime

app_name = "engagement"

urlpatterns = [
    path("", organizations.dashboard, name="organization-dashboard"),
    path("register/", organizations.organization_register, name="organization-register"),
    path("<int:organization_id>/", organizations.organization_detail, name="organization-detail"),
    path("<int:organization_id>/edit/", organizations.organization_edit, name="organization-edit"),
    path(
        "<int:organization_id>/members/",
        organizations.organization_members,
        name="organization-members",
    ),
    path(
        "<int:organization_id>/members/<int:membership_id>/remove/",
        organizations.organization_member_remove,
        name="organization-member-remove",
    ),
    path(
        "<int:organization_id>/agenda/",
        calendars.organization_calendar_feed,
        name="organization-calendar",
    ),
    path(
        "<int:organization_id>/agenda/new/",
        calendars.organization_calendar_feed_create,
        name="organization-calendar-create",
    ),
    path(
        "<int:organization_id>/agenda/revoke/",
        calendars.organization_calendar_feed_revoke,
        name="organization-calendar-revoke",
    ),
    path(
        "<int:organization_id>/missions/new/",
        missions.mission_create,
        name="organization-mission-create",
    ),
    path(
        "<int:organization_id>/heures-declarees/",
        worktime.organization_declarations,
        name="organization-declarations",
    ),
    path(
        "<int:organization_id>/heures-declarees/<int:declaration_id>/confirmer/",
        worktime.organization_declaration_confirm,
        name="organization-declaration-confirm",
    ),
    path(
        "<int:organization_id>/heures-declarees/<int:declaration_id>/refuser/",
        worktime.organization_declaration_refuse,
        name="organization-declaration-refuse",
    ),
    path("invitation/<str:token>/", organizations.invitation_accept, name="invitation-accept"),
    path("missions/<int:mission_id>/", missions.mission_manage, name="organization-mission"),
    path(
        "missions/<int:mission_id>/edit/", missions.mission_edit, name="organization-mission-edit"
    ),
    path(
        "missions/<int:mission_id>/submit/",
        missions.mission_submit,
        name="organization-mission-submit",
    ),
    path(
        "missions/<int:mission_id>/close/",
        missions.mission_close,
        name="organization-mission-close",
    ),
    path(
        "missions/<int:mission_id>/cancel/",
        missions.mission_cancel,
        name="organization-mission-cancel",
    ),
    path(
        "missions/<int:mission_id>/slots/new/",
        missions.slot_create,
        name="organization-slot-create",
    ),
    path(
        "missions/<int:mission_id>/messages/",
        organization_messages.organization_message_create,
        name="organization-mission-message",
    ),
    path(
        "missions/<int:mission_id>/participants.csv",
        participations.participants_csv,
        name="organization-participants-csv",
    ),
    path("slots/<int:slot_id>/edit/", missions.slot_edit, name="organization-slot-edit"),
    path("slots/<int:slot_id>/cancel/", missions.slot_cancel, name="organization-slot-cancel"),
    path(
        "participations/<int:participation_id>/confirm/",
        participations.participation_confirm,
        name="organization-participation-confirm",
    ),
    path(
        "participations/<int:participation_id>/decline/",
        participations.participation_decline,
        name="organization-participation-decline",
    ),
    path(
        "participations/<int:participation_id>/attended/",
        participations.participation_attended,
        name="organization-participation-attended",
    ),
    path(
        "participations/<int:participation_id>/no-show/",
        participations.participation_no_show,
        name="organization-participation-no-show",
    ),
    path("moderation/", moderation.moderation_queue, name="moderation-queue"),
    path(
        "moderation/organizations/<int:organization_id>/",
        moderation.moderation_organization,
        name="moderation-organization",
    ),
    path(
        "moderation/missions/<int:mission_id>/",
        moderation.moderation_mission,
        name="moderation-mission",
    ),
]
