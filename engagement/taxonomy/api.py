"""Causes and skills of the tenant (small lists, not paginated)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from engagement.api.base import EngagementApiView, error_responses
from engagement.taxonomy.selectors import cause_list, skill_list
from engagement.taxonomy.serializers import CauseSerializer, SkillSerializer

TAG = "taxonomy"


class CauseListApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="causes_list",
        summary="Active causes, in display order",
        responses={200: CauseSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(CauseSerializer(cause_list(), many=True).data)


class SkillListApi(EngagementApiView):
    @extend_schema(
        tags=[TAG],
        operation_id="skills_list",
        summary="Active skills, in display order",
        responses={200: SkillSerializer(many=True), **error_responses(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(SkillSerializer(skill_list(), many=True).data)
