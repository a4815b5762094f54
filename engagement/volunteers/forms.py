"""The volunteer profile form and the account deletion form (GDPR)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.missions.forms import PERIODS, PROFILE_RADIUS_CHOICES, WEEKDAYS
from engagement.places.widgets import place_combobox_attrs
from engagement.taxonomy.models import Cause, Skill
from engagement.volunteers.models import VolunteerProfile


class AvailabilityGridWidget(forms.CheckboxSelectMultiple):
    template_name = "engagement/_partials/availability_grid.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = {str(item) for item in (value or [])}
        context["widget"]["rows"] = [
            {
                "label": day_label,
                "cells": [
                    {
                        "value": day * 3 + period,
                        "checked": str(day * 3 + period) in chosen,
                        "label": f"{day_label} — {period_label}",
                        "id": f"id_{name}_{day * 3 + period}",
                    }
                    for period, period_label in PERIODS
                ],
            }
            for day, day_label in WEEKDAYS
        ]
        context["widget"]["periods"] = [label for _period, label in PERIODS]
        return context


class ProfileForm(forms.Form):
    """Onboarding and later edits of the volunteer profile."""

    causes = forms.TypedMultipleChoiceField(
        label=_("Causes I care about"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.TypedMultipleChoiceField(
        label=_("What I can bring"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.TypedMultipleChoiceField(
        label=_("When I am available"),
        required=False,
        coerce=int,
        choices=[(bit, str(bit)) for bit in range(21)],
        widget=AvailabilityGridWidget,
    )
    home_label = forms.CharField(
        label=_("My area: address, postcode or district"),
        required=False,
        max_length=160,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "postal-code",
                "list": "known-areas",
                "data-address": "",
                **place_combobox_attrs(),
            }
        ),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    radius_km = forms.TypedChoiceField(
        label=_("How far I would go"), coerce=int, choices=PROFILE_RADIUS_CHOICES, initial=5
    )
    display_name = forms.CharField(
        label=_("My name as organizations and friends see it"),
        help_text=_("Empty: your first and last name. Your e-mail address is never shown."),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    phone = forms.CharField(
        label=_("My phone (optional)"),
        help_text=_(
            "Only the organizations of the missions you join see it, to reach you on the day."
        ),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )

    def __init__(
        self,
        *args: Any,
        causes: Sequence[Cause] = (),
        skills: Sequence[Skill] = (),
        profile: VolunteerProfile | None = None,
        **kwargs: Any,
    ) -> None:
        if profile is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "causes": [cause.pk for cause in profile.causes.all()],
                "skills": [skill.pk for skill in profile.skills.all()],
                "availability": [
                    bit for bit in range(21) if profile.availability_mask & (1 << bit)
                ],
                "home_label": profile.home_label,
                "radius_km": profile.radius_km,
                "display_name": profile.display_name,
                "phone": profile.phone.as_international if profile.phone else "",
            }
        super().__init__(*args, **kwargs)
        # Choices come from the lists the page already holds; the service checks the ids again.
        self.fields["causes"].choices = [(cause.pk, cause.label) for cause in causes]
        self.fields["skills"].choices = [(skill.pk, skill.label) for skill in skills]

    def availability_mask(self) -> int:
        mask = 0
        for bit in self.cleaned_data.get("availability") or []:
            mask |= 1 << int(bit)
        return mask


class AccountDeleteForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type your e-mail address to confirm"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"].strip().lower()
        if value != self.user.email.lower():
            raise forms.ValidationError(
                _("This is not your e-mail address."), code="confirmation_mismatch"
            )
        return value
