"""The signed-in person's own account over the API (session or token of *this* tenant).

A token or session is looked up in the tenant's own schema: one from another tenant is unknown
here and the request is anonymous (401).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiTokenAuthentication
from tenants.api_conventions import error_responses


class AccountApiView(APIView):
    """Token first, so an anonymous call gets 401 + WWW-Authenticate (DRF takes the challenge
    from the first authenticator; with the session first it would be an undocumented 403)."""

    authentication_classes = [TokenAuthentication, ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]


class MeApi(AccountApiView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        role = serializers.CharField()
        language = serializers.CharField()
        is_tenant_admin = serializers.BooleanField()

    @extend_schema(
        responses={200: OutputSerializer, **error_responses(401)}, operation_id="accounts_me"
    )
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)
