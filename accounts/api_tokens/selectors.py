"""Reads of API tokens (the integrations page)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.api_tokens.models import ApiToken
from accounts.permissions import get_or_404, id_or_404


def api_token_list() -> QuerySet[ApiToken]:
    """Every token of the tenant, newest first, with who created and revoked it (one query)."""
    return ApiToken.objects.select_related("created_by", "revoked_by").order_by(
        "-created_at", "-id"
    )


def api_token_get(*, token_id: int | str) -> ApiToken:
    """A token of this tenant by its id, or a 404 (callers check the role first)."""
    return get_or_404(ApiToken.objects.select_related("created_by"), id_or_404(token_id))
