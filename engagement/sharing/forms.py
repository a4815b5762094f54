"""Forms of mission sharing: the employee's join and cancel buttons, and the back office's
settings (city) and subscription (company)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm
from engagement.organizations.models import Organization
from engagement.programmes.models import Site
from engagement.sharing.models import RADIUS_KM_MAX


class SharedJoinForm(forms.Form):
    shared_mission = forms.IntegerField(min_value=1, max_value=2**62)
    slot = forms.IntegerField(min_value=1, max_value=2**62)


class SharedParticipationCancelForm(forms.Form):
    participation = forms.IntegerField(min_value=1, max_value=2**62)


class StopForm(forms.Form):
    """Stop one agreement: the subscriber (city) or the subscription (company) row id."""

    agreement = forms.IntegerField(min_value=1, max_value=2**62)


class SharingSettingsForm(SummarisedErrorsForm):
    is_sharing = forms.BooleanField(label=_("Share our missions with companies"), required=False)
    all_verified_organizations = forms.BooleanField(
        label=_("Those of every verified organization"), required=False
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Or only those of these verified organizations"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            verification_status=Organization.Verification.VERIFIED
        ).order_by("name")


class CitySubscriptionForm(SummarisedErrorsForm):
    city = forms.TypedChoiceField(label=_("City"), coerce=int, choices=())
    radius_km = forms.IntegerField(
        label=_("Distance from our offices (km)"), min_value=1, max_value=RADIUS_KM_MAX, initial=5
    )
    all_sites = forms.BooleanField(label=_("Around all our sites"), required=False, initial=True)
    sites = forms.ModelMultipleChoiceField(
        label=_("Or only around these sites"),
        queryset=Site.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cities: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["city"].choices = cities  # type: ignore[attr-defined]
        self.fields["sites"].queryset = Site.objects.filter(  # type: ignore[attr-defined]
            is_active=True, point__isnull=False
        ).order_by("name")
