"""Resident and organization pages on a tenant host."""

from django.urls import include, path
from django.views.generic import RedirectView

from engagement.views import resident

urlpatterns = [
    path("", resident.home, name="home"),
    path("missions/<int:mission_id>/", resident.mission_detail, name="mission-detail"),
    path(
        "missions/<int:mission_id>/participer/",
        resident.mission_participate,
        name="mission-participate",
    ),
    path("mes-engagements/", resident.my_engagements, name="my-engagements"),
    path(
        "mes-engagements/<int:participation_id>/annuler/",
        resident.participation_cancel,
        name="participation-cancel",
    ),
    path(
        "mes-engagements/<int:participation_id>/agenda.ics",
        resident.participation_calendar,
        name="participation-calendar",
    ),
    path("profil/", resident.profile, name="profile"),
    path(
        "organisations/<int:organization_id>/logo.png",
        resident.organization_logo,
        name="organization-logo",
    ),
    # Links in e-mails (engagement/notifications.py) point here.
    path("me/participations/", RedirectView.as_view(pattern_name="my-engagements")),
    path("organisation/", include("engagement.urls_organization")),
]
