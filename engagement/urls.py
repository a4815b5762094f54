"""Resident and organization pages on a tenant host."""

from django.urls import include, path
from django.views.generic import RedirectView

from engagement.alerts import views as alerts
from engagement.calendars import views as calendars
from engagement.emails import views as emails
from engagement.friends import views as friends
from engagement.groups import views as groups
from engagement.missions import views as missions
from engagement.organizations import views as organizations
from engagement.participations import views as participations
from engagement.reminders import views as reminders
from engagement.reports import views as reports
from engagement.volunteers import views as volunteers

urlpatterns = [
    path("", missions.home, name="home"),
    path("missions/<int:mission_id>/", missions.mission_detail, name="mission-detail"),
    path(
        "missions/<int:mission_id>/apercu.png",
        missions.mission_share_image,
        name="mission-share-image",
    ),
    path("m/<str:code>/", missions.mission_short_link, name="mission-short-link"),
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
    path("mes-engagements/agenda/", calendars.my_calendar_feed, name="my-calendar-feed"),
    path(
        "mes-engagements/agenda/nouvelle-adresse/",
        calendars.my_calendar_feed_create,
        name="my-calendar-feed-create",
    ),
    path(
        "mes-engagements/agenda/arreter/",
        calendars.my_calendar_feed_revoke,
        name="my-calendar-feed-revoke",
    ),
    # A calendar feed: the token is the key (no sign-in; calendar apps fetch it).
    path("agenda/<str:token>.ics", calendars.calendar_feed, name="calendar-feed"),
    path("profil/", volunteers.profile, name="profile"),
    # Friends and notifications (engagement/friends/views.py)
    path("amis/", friends.friends, name="friends"),
    path("amis/inviter/", friends.friend_invite, name="friend-invite"),
    path("amis/lien/", friends.friend_link_new, name="friend-link-new"),
    path("amis/confidentialite/", friends.friend_privacy, name="friend-privacy"),
    path("amis/facebook/", friends.friends_facebook, name="friends-facebook"),
    path(
        "amis/facebook/retour/",
        friends.friends_facebook_callback,
        name="friends-facebook-callback",
    ),
    path(
        "amis/facebook/<int:user_id>/demander/",
        friends.friends_facebook_request,
        name="friends-facebook-request",
    ),
    path("amis/invitation/<str:token>/", friends.friend_invitation, name="friend-invitation"),
    path("amis/<int:user_id>/accepter/", friends.friend_accept, name="friend-accept"),
    path("amis/<int:user_id>/refuser/", friends.friend_decline, name="friend-decline"),
    path("amis/<int:user_id>/retirer/", friends.friend_remove, name="friend-remove"),
    path("amis/<int:user_id>/bloquer/", friends.friend_block, name="friend-block"),
    path("amis/<int:user_id>/debloquer/", friends.friend_unblock, name="friend-unblock"),
    path(
        "missions/<int:mission_id>/recommander/",
        friends.mission_recommend,
        name="mission-recommend",
    ),
    path("notifications/", friends.notifications, name="notifications"),
    path("notifications/lues/", friends.notifications_read, name="notifications-read"),
    path("alertes/", alerts.saved_search_list, name="saved-searches"),
    path("alertes/nouvelle/", alerts.saved_search_new, name="saved-search-new"),
    path(
        "alertes/<int:saved_search_id>/", alerts.saved_search_results, name="saved-search-results"
    ),
    path(
        "alertes/<int:saved_search_id>/reglages/",
        alerts.saved_search_settings,
        name="saved-search-settings",
    ),
    path(
        "alertes/<int:saved_search_id>/supprimer/",
        alerts.saved_search_remove,
        name="saved-search-delete",
    ),
    path(
        "alertes/desabonnement/<str:token>/",
        alerts.saved_search_unsubscribe_page,
        name="saved-search-unsubscribe",
    ),
    path("profil/notifications/", emails.preferences, name="email-preferences"),
    path("e-mails/desabonnement/<str:token>/", emails.unsubscribe, name="email-unsubscribe"),
    # Certificates of volunteering (engagement/reports/views.py); the verification page is
    # public: its token is the key.
    path("profil/certificat/", reports.certificates, name="certificates"),
    path(
        "profil/certificat/<int:certificate_id>/pdf/",
        reports.certificate_pdf,
        name="certificate-pdf",
    ),
    path(
        "profil/certificat/<int:certificate_id>/revoquer/",
        reports.certificate_revoke_by_holder,
        name="certificate-revoke",
    ),
    path("certificats/<str:token>/", reports.certificate_verify, name="certificate-verify"),
    path(
        "organisations/<int:organization_id>/logo.png",
        organizations.organization_logo,
        name="organization-logo",
    ),
    path(
        "organisations/<str:slug>/",
        organizations.organization_detail,
        name="organization-detail",
    ),
    # Links in e-mails (engagement/emails/rendering.py) point here.
    path("me/participations/", RedirectView.as_view(pattern_name="my-engagements")),
    path("organisation/", include("engagement.urls_organization")),
    path("gestion/", include("engagement.backoffice.urls")),
]
