"""Certificates of volunteering: issue one (what it states is frozen), revoke one.

A certificate states confirmed hours only: attended participations' hours and confirmed hours
declarations. Asked for a period without any, it is refused with a message and nothing is
written.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import user_is_tenant_admin
from engagement.errors import EngagementError, EngagementErrorCode
from engagement.reports.models import Certificate
from engagement.reports.selectors import confirmed_hours_of, confirmed_hours_total
from tenants.audit.services import audit_record
from tenants.signing import stored_token

logger = logging.getLogger("engagement.services")

FIRST_CERTIFICATE_YEAR = 2000


def certificate_period(*, year: int | None, today: date) -> tuple[date | None, date]:
    """The days a certificate covers: a past or current calendar year (up to today), or all
    time up to today. Another year is a 400."""
    if year is None:
        return None, today
    if not FIRST_CERTIFICATE_YEAR <= year <= today.year:
        message = _("Choose a year between %(first)s and %(last)s.") % {
            "first": FIRST_CERTIFICATE_YEAR,
            "last": today.year,
        }
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={"year": [message]})
    return date(year, 1, 1), min(date(year, 12, 31), today)


@transaction.atomic
def certificate_issue(*, volunteer: User, year: int | None) -> Certificate:
    """A certificate of the volunteer's confirmed hours over a year (or all time); refused with
    a message when there are none."""
    today = timezone.localdate()
    starts_on, ends_on = certificate_period(year=year, today=today)
    activities = confirmed_hours_of(volunteer=volunteer, starts_on=starts_on, ends_on=ends_on)
    hours = confirmed_hours_total(activities)
    if hours <= 0:
        message = (
            _("You have no confirmed hours in %(year)s: there is nothing to certify yet.")
            % {"year": year}
            if year is not None
            else _("You have no confirmed hours yet: there is nothing to certify.")
        )
        raise EngagementError(message, code=EngagementErrorCode.INVALID, fields={"year": [message]})
    certificate = Certificate.objects.create(
        volunteer=volunteer,
        token=stored_token("certificate"),
        holder_name=volunteer.get_full_name(),
        period_starts_on=starts_on,
        period_ends_on=ends_on,
        hours=hours,
        activities=[
            {
                "day": activity.day.isoformat(),
                "what": activity.what,
                "organization": activity.organization,
                "hours": str(activity.hours),
            }
            for activity in activities
        ],
        issued_at=timezone.now(),
    )
    audit_record(
        actor=volunteer,
        action="certificate.issued",
        target=certificate,
        data={"hours": str(hours), "year": year},
    )
    logger.info("certificate.issued", extra={"certificate_id": certificate.pk})
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor: User) -> Certificate:
    """Its holder or a tenant admin revokes it: the verification page then says "revoked" only.
    Revoking twice is a 409; anyone else is a 403 (views answer 404 before)."""
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.volunteer_id != actor.pk and not user_is_tenant_admin(actor):
        message = _("Only its holder or an administrator can revoke a certificate.")
        raise EngagementError(message, code=EngagementErrorCode.NOT_ALLOWED)
    if locked.revoked_at is not None:
        message = _("This certificate is already revoked.")
        raise EngagementError(message, code=EngagementErrorCode.INVALID_TRANSITION)
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(actor=actor, action="certificate.revoked", target=locked)
    logger.info("certificate.revoked", extra={"certificate_id": locked.pk})
    return locked
