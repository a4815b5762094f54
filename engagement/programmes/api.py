"""The teams of the signed-in person in the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.requests import SignedInApiRequest
from engagement.api.base import (
    PAGE_PARAMETERS,
    AuthenticatedApiView,
    error_responses,
    paginated,
    paginated_serializer,
)
from engagement.programmes.selectors import my_team_memberships

TAG = "me"


class MyTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="team.pk")
    name = serializers.CharField(source="team.name")
    source = serializers.CharField(source="team.source")
    site = serializers.CharField(source="team.site.name", default=None, allow_null=True)
    member_count = serializers.IntegerField(source="team_member_count")
    is_lead = serializers.BooleanField()

    class Meta:
        ref_name = "MyTeam"


class MyTeamListApi(AuthenticatedApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="me_teams_list",
        summary="The teams I am in, with their number of members and whether I lead them",
        parameters=PAGE_PARAMETERS,
        responses={
            200: paginated_serializer(MyTeamSerializer, "PaginatedMyTeamList"),
            **error_responses(400, 401),
        },
    )
    def get(self, request: SignedInApiRequest) -> Response:
        return paginated(self, my_team_memberships(user=request.user), MyTeamSerializer)
