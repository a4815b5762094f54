"""Who may reach a certificate: its holder (their own only) and tenant admins. "Missing" and
"not yours" are the same None (a 404 for the views)."""

from __future__ import annotations

from accounts.models import User
from engagement.reports.models import Certificate


def certificate_get_for_holder(*, certificate_id: int, user: User) -> Certificate | None:
    return Certificate.objects.filter(pk=certificate_id, volunteer=user).first()


def certificate_get_for_admin(*, certificate_id: int) -> Certificate | None:
    """For a view guarded by backoffice_page(admins_only=True)."""
    return Certificate.objects.filter(pk=certificate_id).first()
