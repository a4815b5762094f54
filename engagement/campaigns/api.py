"""Campaigns in the API: the published ones running or to come, and one campaign with its
progress (and its team standings, for signed-in members where leaderboards are on)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import user_is_signed_in
from engagement.api.base import (
    PAGE_PARAMETERS,
    EngagementApiView,
    error_responses,
    paginated,
    paginated_serializer,
)
from engagement.campaigns.access import campaign_get_for_viewer
from engagement.campaigns.models import Campaign
from engagement.campaigns.selectors import (
    campaign_is_running,
    campaign_progress,
    campaign_team_standings,
    campaigns_published_current,
)
from engagement.programmes.selectors import programme_settings

TAG = "campaigns"


class CampaignSerializer(serializers.ModelSerializer):
    is_running = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "slug",
            "title",
            "description",
            "starts_on",
            "ends_on",
            "goal_kind",
            "goal_value",
            "is_running",
        ]
        ref_name = "Campaign"

    def get_is_running(self, campaign: Campaign) -> bool:
        return campaign_is_running(campaign)


class CampaignProgressSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    participations = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Of the goal, 0 to 100.")

    class Meta:
        ref_name = "CampaignProgress"


class TeamStandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    team_id = serializers.IntegerField()
    name = serializers.CharField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    participations = serializers.IntegerField()

    class Meta:
        ref_name = "TeamStanding"


class CampaignDetailSerializer(CampaignSerializer):
    progress = CampaignProgressSerializer(read_only=True)
    featured_mission_ids = serializers.SerializerMethodField()
    partner_organizations = serializers.SerializerMethodField()
    team_standings = TeamStandingSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        help_text="Null unless the caller is signed in and the site shows team leaderboards.",
    )

    class Meta(CampaignSerializer.Meta):
        fields = [
            *CampaignSerializer.Meta.fields,
            "progress",
            "featured_mission_ids",
            "partner_organizations",
            "team_standings",
        ]
        ref_name = "CampaignDetail"

    def get_featured_mission_ids(self, campaign: Campaign) -> list[int]:
        return sorted(campaign.featured_missions.values_list("pk", flat=True))

    def get_partner_organizations(self, campaign: Campaign) -> list[dict[str, Any]]:
        return [
            {"id": pk, "name": name, "slug": slug}
            for pk, name, slug in campaign.partner_organizations.order_by("name").values_list(
                "pk", "name", "slug"
            )
        ]


class CampaignListApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="campaigns_list",
        summary="Published campaigns running or still to come, soonest first",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(CampaignSerializer, "PaginatedCampaignList"),
            **error_responses(400),
        },
    )
    def get(self, request: Request) -> Response:
        return paginated(self, campaigns_published_current(), CampaignSerializer)


class CampaignDetailApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="campaigns_retrieve",
        summary="A campaign with its progress (drafts: admins only)",
        responses={200: CampaignDetailSerializer, **error_responses(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        campaign = campaign_get_for_viewer(slug=slug, user=request.user)
        campaign.progress = campaign_progress(campaign)  # type: ignore[attr-defined]
        show_standings = (
            user_is_signed_in(request.user) and programme_settings().leaderboards_enabled
        )
        campaign.team_standings = (  # type: ignore[attr-defined]
            campaign_team_standings(campaign) if show_standings else None
        )
        return Response(CampaignDetailSerializer(campaign).data)
