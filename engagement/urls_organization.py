"""The organization space and the moderation queue, under /organisation/ on tenant hosts."""

from django.urls import path

from engagement.views import organization as views

app_name = "engagement"

urlpatterns = [
    path("", views.dashboard, name="organization-dashboard"),
    path("register/", views.organization_register, name="organization-register"),
    path("<int:organization_id>/", views.organization_detail, name="organization-detail"),
    path("<int:organization_id>/edit/", views.organization_edit, name="organization-edit"),
    path("<int:organization_id>/members/", views.organization_members, name="organization-members"),
    path(
        "<int:organization_id>/members/<int:membership_id>/remove/",
        views.organization_member_remove,
        name="organization-member-remove",
    ),
    path(
        "<int:organization_id>/missions/new/",
        views.mission_create,
        name="organization-mission-create",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("missions/<int:mission_id>/", views.mission_manage, name="organization-mission"),
    path("missions/<int:mission_id>/edit/", views.mission_edit, name="organization-mission-edit"),
    path(
        "missions/<int:mission_id>/submit/",
        views.mission_submit,
        name="organization-mission-submit",
    ),
    path(
        "missions/<int:mission_id>/close/", views.mission_close, name="organization-mission-close"
    ),
    path(
        "missions/<int:mission_id>/cancel/",
        views.mission_cancel,
        name="organization-mission-cancel",
    ),
    path(
        "missions/<int:mission_id>/slots/new/", views.slot_create, name="organization-slot-create"
    ),
    path(
        "missions/<int:mission_id>/participants.csv",
        views.participants_csv,
        name="organization-participants-csv",
    ),
    path("slots/<int:slot_id>/edit/", views.slot_edit, name="organization-slot-edit"),
    path("slots/<int:slot_id>/cancel/", views.slot_cancel, name="organization-slot-cancel"),
    path(
        "participations/<int:participation_id>/confirm/",
        views.participation_confirm,
        name="organization-participation-confirm",
    ),
    path(
        "participations/<int:participation_id>/decline/",
        views.participation_decline,
        name="organization-participation-decline",
    ),
    path(
        "participations/<int:participation_id>/attended/",
        views.participation_attended,
        name="organization-participation-attended",
    ),
    path(
        "participations/<int:participation_id>/no-show/",
        views.participation_no_show,
        name="organization-participation-no-show",
    ),
    path("moderation/", views.moderation_queue, name="moderation-queue"),
    path(
        "moderation/organizations/<int:organization_id>/",
        views.moderation_organization,
        name="moderation-organization",
    ),
    path(
        "moderation/missions/<int:mission_id>/",
        views.moderation_mission,
        name="moderation-mission",
    ),
]
