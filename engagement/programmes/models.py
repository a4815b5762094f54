"""Sites, teams, employees and the programme's settings (one row per tenant schema)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ProgrammeSettings(models.Model):
    """How the company runs its programme. One row (pk 1) per tenant schema, created when an
    admin first saves them; engagement.programmes.selectors.programme_settings() reads it (the
    defaults until then)."""

    # Team standings (campaign pages, team pages) are shown only where the company wants them.
    leaderboards_enabled = models.BooleanField(_("team leaderboards"), default=False)
    # Hours of work time each employee may give per year (0: no volunteering on work time).
    work_hours_per_year = models.DecimalField(
        _("work hours per employee per year"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(2000)],
    )
    # When on, the employee's manager approves each request; when off, a request within the
    # balance is approved as it is made.
    manager_approval_required = models.BooleanField(_("a manager approves"), default=True)
    # The allowance year starts on the first day of this month (1 = calendar year).
    year_starts_month = models.PositiveSmallIntegerField(
        _("allowance year starts in month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme settings")
        verbose_name_plural = _("programme settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="programme_settings_single_row"),
        ]

    def __str__(self) -> str:
        return "programme settings"


class Site(models.Model):
    """An office of the company, with its address and position (missions near the offices)."""

    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    point = gis_models.PointField(geography=True, srid=4326, null=True, blank=True)
    # The directory's (or SSO's) name for this site, to match its attribute values.
    external_id = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="site_name_unique"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="site_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of employees: from the directory (SCIM group), from SSO attributes, or by hand."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Managed here")
        DIRECTORY = "directory", _("Company directory (SCIM)")
        SSO = "sso", _("Single sign-on")

    name = models.CharField(_("name"), max_length=120)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    # The directory's own identifier (SCIM externalId) when it came from there.
    external_id = models.CharField(max_length=200, blank=True)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="teams"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="team_name_unique"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="team_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    # Team leads see their team's page and requests like a manager would (ARCHITECTURE: roles).
    is_lead = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"


class EmployeeProfile(models.Model):
    """Where an employee sits in the company. Filled by the directory (SCIM) and by the SSO
    attributes at each sign-in; an admin can correct it by hand."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="employee_profile"
    )
    employee_number = models.CharField(_("employee number"), max_length=64, blank=True)
    department = models.CharField(_("department"), max_length=120, blank=True)
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="employees"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    # Opt-out: the person's activity (missions joined, hours) shows on their teams' pages.
    shows_activity_to_team = models.BooleanField(
        _("my team sees the missions I join"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(manager=models.F("user")), name="employee_not_own_manager"
            ),
        ]

    def __str__(self) -> str:
        return f"employee profile of {self.user_id}"
