"""Resident and organization pages on a tenant host."""

from django.urls import include, path
from django.views.generic import RedirectView

from engagement.groups import views as groups
from engagement.missions import views as missions
from engagement.organizations import views as organizations
from engagement.participations import views as participations
from engagement.reminders import views as reminders
from engagement.volunteers import views as volunteers

urlpatterns = [
    path("", missions.home, name="home"),
    path("missions/<int:mission_id>/", missions.mission_detail, name="mission-detail"),
    path(
        "missions/<int:mission_id>/participer/",
        participations.mission_participate,
        name="mission-participate",
    ),
    path(
        "missions/<int:mission_id>/avec-des-amis/",
        groups.group_signup,
        name="mission-group-signup",
    ),
    path("places-reservees/<int:hold_id>/", groups.seat_hold_detail, name="seat-hold"),
    path(
        "places-reservees/<int:hold_id>/accepter/", groups.seat_hold_claim, name="seat-hold-claim"
    ),
    path(
        "places-reservees/<int:hold_id>/refuser/",
        groups.seat_hold_decline,
        name="seat-hold-decline",
    ),
    path("mes-engagements/", participations.my_engagements, name="my-engagements"),
    path(
        "mes-engagements/<int:participation_id>/annuler/",
        participations.participation_cancel,
        name="participation-cancel",
    ),
    path(
        "mes-engagements/<int:participation_id>/agenda.ics",
        participations.participation_calendar,
        name="participation-calendar",
    ),
    # The answer links of reminder e-mails (signed, no sign-in needed).
    path("rappels/<str:token>/", reminders.reminder_answer, name="reminder-answer"),
    path("profil/", volunteers.profile, name="profile"),
    path(
        "organisations/<int:organization_id>/logo.png",
        organizations.organization_logo,
        name="organization-logo",
    ),
    # Links in e-mails (engagement/emails/rendering.py) point here.
    path("me/participations/", RedirectView.as_view(pattern_name="my-engagements")),
    path("organisation/", include("engagement.urls_organization")),
    path("gestion/", include("engagement.backoffice.urls")),
]
