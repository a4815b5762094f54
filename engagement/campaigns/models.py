"""A campaign: a time-boxed push with a goal, featured missions and partner organizations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Mission
from engagement.organizations.models import Organization


class Campaign(models.Model):
    class GoalKind(models.TextChoices):
        HOURS = "hours", _("Hours volunteered")
        PARTICIPATIONS = "participations", _("Participations")

    title = models.CharField(_("title"), max_length=140)
    slug = models.SlugField(max_length=80, unique=True)
    # Sanitized HTML (engagement.sanitizing), stored safe.
    description = models.TextField(_("description"), blank=True)
    # Inclusive dates in the tenant's time zone.
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    goal_kind = models.CharField(
        _("goal"), max_length=16, choices=GoalKind.choices, default=GoalKind.HOURS
    )
    goal_value = models.PositiveIntegerField(_("target"), validators=[MinValueValidator(1)])
    featured_missions = models.ManyToManyField(Mission, blank=True, related_name="campaigns")
    partner_organizations = models.ManyToManyField(
        Organization, blank=True, related_name="campaigns"
    )
    # Drafts are visible to admins only; published campaigns show on the home page while running.
    is_published = models.BooleanField(default=False)
    announced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="campaign_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title
