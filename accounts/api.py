"""The signed-in person's own account over the API (session or token of *this* tenant).

A token or session is looked up in the tenant's own schema: one from another tenant is unknown
here and the request is anonymous (401).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        role = serializers.CharField()
        language = serializers.CharField()
        is_tenant_admin = serializers.BooleanField()

    @extend_schema(responses=OutputSerializer, operation_id="accounts_me")
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class MeExportApi(APIView):
    """GDPR: everything Entraide holds about the caller in this tenant, as JSON."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict}, operation_id="accounts_me_export")
    def get(self, request: Request) -> Response:
        response = Response(services.user_export_data(user=request.user))
        response["Cache-Control"] = "no-store"
        return response
