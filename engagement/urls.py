"""Resident and organization pages on a tenant host."""

from django.urls import include, path
from django.views.generic import RedirectView

from engagement.alerts import views as alerts
from engagement.calendars import views as calendars
from engagement.campaigns import views as campaigns
from engagement.emails import views as emails
from engagement.friends import views as friends
from engagement.groups import views as groups
from engagement.missions import views as missions
from engagement.organizations import views as organizations
from engagement.participations import views as participations
from engagement.programmes import views as programmes
from engagement.reminders import views as reminders
from engagement.reports import views as reports
from engagement.sharing import views as sharing
from engagement.volunteers import views as volunteers
from engagement.worktime import views as worktime

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
    # A company's missions from the cities near its offices (engagement/sharing/views.py).
    path("missions-des-villes/", sharing.shared_missions, name="shared-missions"),
    path(
        "missions-des-villes/participer/",
        sharing.shared_mission_join,
        name="shared-mission-join",
    ),
    path(
        "missions-des-villes/annuler/",
        sharing.shared_participation_cancel,
        name="shared-participation-cancel",
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
    # A company programme's teams, and the campaigns (engagement/programmes, engagement/campaigns).
    path("equipes/", programmes.team_list, name="team-list"),
    path("equipes/classement/", programmes.team_leaderboard, name="team-leaderboard"),
    path(
        "equipes/visibilite/",
        programmes.activity_visibility,
        name="team-activity-visibility",
    ),
    path("equipes/<int:team_id>/", programmes.team_detail, name="team-detail"),
    path("campagnes/<slug:slug>/", campaigns.campaign_detail, name="campaign-detail"),
    # Volunteering time (engagement/worktime/views.py)
    path("temps-benevole/", worktime.work_time, name="work-time"),
    path("temps-benevole/demander/", worktime.work_time_request_new, name="work-time-request-new"),
    path(
        "temps-benevole/demandes/<int:work_time_request_id>/retirer/",
        worktime.work_time_request_withdraw,
        name="work-time-request-withdraw",
    ),
    path("temps-benevole/declarer/", worktime.hours_declaration_new, name="hours-declaration-new"),
    path("temps-benevole/equipe/", worktime.work_time_team, name="work-time-team"),
    path(
        "temps-benevole/equipe/<int:work_time_request_id>/approuver/",
        worktime.work_time_team_approve,
        name="work-time-team-approve",
    ),
    path(
        "temps-benevole/equipe/<int:work_time_request_id>/refuser/",
        worktime.work_time_team_refuse,
        name="work-time-team-refuse",
    ),
    # The approve / refuse links of the manager's e-mail (signed; the approver signs in).
    path(
        "temps-benevole/decision/<str:token>/",
        worktime.work_time_decision,
        name="work-time-decision",
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
