"""Forms of the programme's back-office pages (settings, sites, teams) and of the profile's
switch. They check the shape of the input; the rules are engagement.programmes.services'."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm
from engagement.programmes.models import ProgrammeSettings, Site

MONTHS = [
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
]


class ProgrammeSettingsForm(SummarisedErrorsForm):
    leaderboards_enabled = forms.BooleanField(
        label=_("Show team leaderboards (team pages and campaigns)"), required=False
    )
    work_hours_per_year = forms.DecimalField(
        label=_("Hours of work time each employee may give per year"),
        min_value=Decimal("0"),
        max_value=Decimal("2000"),
        max_digits=6,
        decimal_places=2,
        help_text=_("0: volunteering is not on work time."),
    )
    manager_approval_required = forms.BooleanField(
        label=_("The employee's manager approves each request for work time"), required=False
    )
    year_starts_month = forms.TypedChoiceField(
        label=_("The allowance year starts in"), choices=MONTHS, coerce=int
    )

    @staticmethod
    def initial_from(row: ProgrammeSettings) -> dict[str, Any]:
        return {
            "leaderboards_enabled": row.leaderboards_enabled,
            "work_hours_per_year": row.work_hours_per_year,
            "manager_approval_required": row.manager_approval_required,
            "year_starts_month": row.year_starts_month,
        }


class SiteForm(SummarisedErrorsForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Leave both empty to place the site from its address, when it is known."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    external_id = forms.CharField(
        label=_("Name of the site in the company directory"),
        max_length=120,
        required=False,
        help_text=_("To match the site attribute of single sign-on and of the directory."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not self.errors:
            self.add_error("latitude", _("Give both the latitude and the longitude, or neither."))
        return cleaned

    @staticmethod
    def initial_from(site: Site) -> dict[str, Any]:
        return {
            "name": site.name,
            "address": site.address,
            "latitude": site.point.y if site.point else None,
            "longitude": site.point.x if site.point else None,
            "external_id": site.external_id,
        }


class TeamForm(SummarisedErrorsForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, site_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", _("No site")), *site_choices]  # type: ignore[attr-defined]


class PersonSearchForm(SummarisedErrorsForm):
    q = forms.CharField(
        label=_("Find a person by name or e-mail"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PersonForm(SummarisedErrorsForm):
    user = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
