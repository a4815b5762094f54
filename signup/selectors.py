"""Reads of the sign-up app."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from signup.models import SignupRequest
from tenants.models import Tenant


def slugs_taken(*, exclude_signup_pk: int | None = None) -> set[str]:
    """Every address in use: the tenants', and those sign-ups under way hold (paid ones for
    good, unpaid ones for SIGNUP_SLUG_HOLD_SECONDS). Two queries."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.SIGNUP_SLUG_HOLD_SECONDS)
    held = SignupRequest.objects.filter(
        Q(status__in=SignupRequest.HOLDING_STATUSES)
        | Q(status__in=SignupRequest.PENDING_STATUSES, created_at__gte=cutoff)
    )
    if exclude_signup_pk is not None:
        held = held.exclude(pk=exclude_signup_pk)
    return set(Tenant.objects.values_list("slug", flat=True)) | set(
        held.values_list("slug", flat=True)
    )


def signup_get(public_id: str | uuid.UUID) -> SignupRequest | None:
    try:
        value = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return SignupRequest.objects.select_related("tenant").filter(public_id=value).first()
