"""The tenant API, mounted at /api/v1/ on tenant hosts (config/urls_tenant.py)."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from engagement.alerts import api as alerts
from engagement.calendars import api as calendars
from engagement.campaigns import api as campaigns
from engagement.emails import api as emails
from engagement.friends import api as friends
from engagement.groups import api as groups
from engagement.missions import api as missions
from engagement.organization_messages import api as organization_messages
from engagement.organizations import api as organizations
from engagement.participations import api as participations
from engagement.places import api as places
from engagement.programmes import api as programmes
from engagement.sharing import api as sharing
from engagement.taxonomy import api as taxonomy
from engagement.volunteers import api as volunteers
from engagement.worktime import api as worktime


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request: Request, unmatched: str = "") -> None:
    """Unknown API paths (and non-numeric ids) answer in the API's error shape, not HTML."""
    raise NotFound()


urlpatterns = [
    # Volunteers
    path("missions/", missions.MissionSearchApi.as_view(), name="api-missions"),
    path("missions/map/", missions.MissionMapApi.as_view(), name="api-missions-map"),
    # Place suggestions for the address fields (engagement/places/).
    path("places/", places.PlaceSuggestionsApi.as_view(), name="api-places"),
    # The cities' shared missions near a company's offices (engagement/sharing/).
    path("shared-missions/", sharing.SharedMissionListApi.as_view(), name="api-shared-missions"),
    path("missions/<int:mission_id>/", missions.MissionDetailApi.as_view(), name="api-mission"),
    path(
        "missions/<int:mission_id>/participations/",
        missions.MissionParticipationsApi.as_view(),
        name="api-mission-participations",
    ),
    path(
        "missions/<int:mission_id>/slots/",
        missions.MissionSlotsApi.as_view(),
        name="api-mission-slots",
    ),
    path(
        "slots/<int:slot_id>/group-signup/",
        groups.SlotGroupSignupApi.as_view(),
        name="api-slot-group-signup",
    ),
    path("seat-holds/", groups.MySeatHoldListApi.as_view(), name="api-seat-holds"),
    path(
        "seat-holds/<int:hold_id>/claim/",
        groups.SeatHoldClaimApi.as_view(),
        name="api-seat-hold-claim",
    ),
    path(
        "seat-holds/<int:hold_id>/decline/",
        groups.SeatHoldDeclineApi.as_view(),
        name="api-seat-hold-decline",
    ),
    path(
        "me/participations/",
        participations.MyParticipationListApi.as_view(),
        name="api-my-participations",
    ),
    path(
        "me/participations/<int:participation_id>/cancel/",
        participations.MyParticipationCancelApi.as_view(),
        name="api-my-participation-cancel",
    ),
    path("me/profile/", volunteers.MyProfileApi.as_view(), name="api-my-profile"),
    path("me/calendar-feed/", calendars.MyCalendarFeedApi.as_view(), name="api-my-calendar-feed"),
    # Friends and notifications
    path("me/friends/", friends.MyFriendsApi.as_view(), name="api-my-friends"),
    path("me/friends/requests/", friends.MyFriendRequestsApi.as_view(), name="api-friend-requests"),
    path(
        "me/friends/requests/<int:user_id>/accept/",
        friends.MyFriendRequestAcceptApi.as_view(),
        name="api-friend-request-accept",
    ),
    path(
        "me/friends/requests/<int:user_id>/decline/",
        friends.MyFriendRequestDeclineApi.as_view(),
        name="api-friend-request-decline",
    ),
    path("me/friends/invite/", friends.MyFriendInviteApi.as_view(), name="api-friend-invite"),
    path("me/friends/link/", friends.MyFriendLinkApi.as_view(), name="api-friend-link"),
    path(
        "me/friends/invitations/accept/",
        friends.FriendInvitationAcceptApi.as_view(),
        name="api-friend-invitation-accept",
    ),
    path(
        "me/friends/invitations/decline/",
        friends.FriendInvitationDeclineApi.as_view(),
        name="api-friend-invitation-decline",
    ),
    path("me/friends/privacy/", friends.MyFriendsPrivacyApi.as_view(), name="api-friends-privacy"),
    path("me/friends/<int:user_id>/", friends.MyFriendApi.as_view(), name="api-my-friend"),
    path(
        "me/friends/<int:user_id>/block/",
        friends.MyFriendBlockApi.as_view(),
        name="api-friend-block",
    ),
    path(
        "missions/<int:mission_id>/recommend-to-friends/",
        friends.MissionRecommendApi.as_view(),
        name="api-mission-recommend",
    ),
    path("me/notifications/", friends.MyNotificationsApi.as_view(), name="api-notifications"),
    path(
        "me/notifications/read/",
        friends.MyNotificationsReadApi.as_view(),
        name="api-notifications-read",
    ),
    path("saved-searches/", alerts.SavedSearchListApi.as_view(), name="api-saved-searches"),
    path(
        "saved-searches/<int:saved_search_id>/",
        alerts.SavedSearchDetailApi.as_view(),
        name="api-saved-search",
    ),
    path(
        "me/email-preferences/",
        emails.MyEmailPreferencesApi.as_view(),
        name="api-my-email-preferences",
    ),
    # Volunteering time (engagement/worktime)
    path("me/work-time/", worktime.MyWorkTimeApi.as_view(), name="api-my-work-time"),
    path(
        "me/work-time/requests/",
        worktime.MyWorkTimeRequestsApi.as_view(),
        name="api-my-work-time-requests",
    ),
    path(
        "work-time/requests/<int:work_time_request_id>/approve/",
        worktime.WorkTimeRequestApproveApi.as_view(),
        name="api-work-time-request-approve",
    ),
    path(
        "work-time/requests/<int:work_time_request_id>/refuse/",
        worktime.WorkTimeRequestRefuseApi.as_view(),
        name="api-work-time-request-refuse",
    ),
    path(
        "me/hours-declarations/",
        worktime.MyHoursDeclarationsApi.as_view(),
        name="api-my-hours-declarations",
    ),
    path("causes/", taxonomy.CauseListApi.as_view(), name="api-causes"),
    path("skills/", taxonomy.SkillListApi.as_view(), name="api-skills"),
    # Organizations
    path("organizations/", organizations.OrganizationListApi.as_view(), name="api-organizations"),
    path(
        "organizations/<int:organization_id>/",
        organizations.OrganizationDetailApi.as_view(),
        name="api-organization",
    ),
    path(
        "organizations/<int:organization_id>/missions/",
        missions.OrganizationMissionsApi.as_view(),
        name="api-organization-missions",
    ),
    path(
        "organizations/<int:organization_id>/logo/",
        organizations.OrganizationLogoApi.as_view(),
        name="api-organization-logo",
    ),
    path(
        "organizations/<int:organization_id>/members/",
        organizations.OrganizationMembersApi.as_view(),
        name="api-organization-members",
    ),
    path(
        "organizations/<int:organization_id>/members/<int:membership_id>/",
        organizations.OrganizationMemberApi.as_view(),
        name="api-organization-member",
    ),
    path(
        "organizations/<int:organization_id>/invitations/",
        organizations.OrganizationInvitationsApi.as_view(),
        name="api-organization-invitations",
    ),
    path(
        "organizations/<int:organization_id>/calendar-feed/",
        calendars.OrganizationCalendarFeedApi.as_view(),
        name="api-organization-calendar-feed",
    ),
    path(
        "invitations/accept/",
        organizations.InvitationAcceptApi.as_view(),
        name="api-invitation-accept",
    ),
    path(
        "missions/<int:mission_id>/messages/",
        organization_messages.MissionMessagesApi.as_view(),
        name="api-mission-messages",
    ),
    path(
        "missions/<int:mission_id>/submit/",
        missions.MissionSubmitApi.as_view(),
        name="api-mission-submit",
    ),
    path(
        "missions/<int:mission_id>/close/",
        missions.MissionCloseApi.as_view(),
        name="api-mission-close",
    ),
    path(
        "missions/<int:mission_id>/cancel/",
        missions.MissionCancelApi.as_view(),
        name="api-mission-cancel",
    ),
    path("slots/<int:slot_id>/", missions.SlotDetailApi.as_view(), name="api-slot"),
    path("slots/<int:slot_id>/cancel/", missions.SlotCancelApi.as_view(), name="api-slot-cancel"),
    path(
        "slots/<int:slot_id>/participations/",
        missions.SlotParticipationsApi.as_view(),
        name="api-slot-participations",
    ),
    path(
        "participations/<int:participation_id>/confirm/",
        participations.ParticipationConfirmApi.as_view(),
        name="api-participation-confirm",
    ),
    path(
        "participations/<int:participation_id>/decline/",
        participations.ParticipationDeclineApi.as_view(),
        name="api-participation-decline",
    ),
    path(
        "participations/<int:participation_id>/attended/",
        participations.ParticipationAttendedApi.as_view(),
        name="api-participation-attended",
    ),
    path(
        "participations/<int:participation_id>/no-show/",
        participations.ParticipationNoShowApi.as_view(),
        name="api-participation-no-show",
    ),
    # Moderation
    path(
        "moderation/missions/",
        missions.ModerationMissionListApi.as_view(),
        name="api-moderation-missions",
    ),
    path(
        "moderation/organizations/",
        organizations.ModerationOrganizationListApi.as_view(),
        name="api-moderation-organizations",
    ),
    path(
        "missions/<int:mission_id>/publish/",
        missions.MissionPublishApi.as_view(),
        name="api-mission-publish",
    ),
    path(
        "missions/<int:mission_id>/reject/",
        missions.MissionRejectApi.as_view(),
        name="api-mission-reject",
    ),
    path(
        "organizations/<int:organization_id>/verify/",
        organizations.OrganizationVerifyApi.as_view(),
        name="api-organization-verify",
    ),
    # Campaigns and teams (company programmes; campaigns on any tenant)
    path("campaigns/", campaigns.CampaignListApi.as_view(), name="api-campaigns"),
    path("campaigns/<slug:slug>/", campaigns.CampaignDetailApi.as_view(), name="api-campaign"),
    path("me/teams/", programmes.MyTeamListApi.as_view(), name="api-me-teams"),
    re_path(r"^(?P<unmatched>.*)$", not_found, name="api-not-found"),
]
