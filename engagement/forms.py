"""Resident forms: the mission filters of "Autour de moi" (a GET form whose fields live in the URL),
the slot chooser of "Je participe" and the volunteer profile (interests, availability grid, home
area). Forms parse and validate; the rules live in engagement.services, the reads in
engagement.selectors. (The organization space has its own forms in forms_organization.py.)"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from engagement.limits import validate_search_date
from engagement.models import Cause, Skill, Slot, VolunteerProfile

WEEKDAYS: tuple[tuple[int, Any], ...] = (
    (0, pgettext_lazy("weekday", "Monday")),
    (1, pgettext_lazy("weekday", "Tuesday")),
    (2, pgettext_lazy("weekday", "Wednesday")),
    (3, pgettext_lazy("weekday", "Thursday")),
    (4, pgettext_lazy("weekday", "Friday")),
    (5, pgettext_lazy("weekday", "Saturday")),
    (6, pgettext_lazy("weekday", "Sunday")),
)
PERIODS: tuple[tuple[int, Any], ...] = tuple(Slot.Period.choices)
FULL_WEEK_MASK = (1 << 21) - 1

RADIUS_CHOICES = (
    ("", _("Any distance")),
    (1, pgettext_lazy("distance", "1 km")),
    (2, pgettext_lazy("distance", "2 km")),
    (5, pgettext_lazy("distance", "5 km")),
    (10, pgettext_lazy("distance", "10 km")),
    (25, pgettext_lazy("distance", "25 km")),
    (50, pgettext_lazy("distance", "50 km")),
)
PROFILE_RADIUS_CHOICES = tuple(choice for choice in RADIUS_CHOICES if choice[0] != "")
SORT_CHOICES = (
    ("", _("Best match")),
    ("distance", _("Nearest first")),
    ("soonest", _("Soonest first")),
    ("newest", _("Newest first")),
)
REMOTE_CHOICES = (
    ("", _("On site and remote")),
    ("0", _("On site only")),
    ("1", _("Remote only")),
)


def availability_mask(days: Iterable[int], periods: Iterable[int]) -> int:
    """The 21-bit mask (weekday * 3 + period, like Slot.time_bit) of these days × periods; an
    empty side means "any"."""
    chosen_days = list(days) or [day for day, _label in WEEKDAYS]
    chosen_periods = list(periods) or [period for period, _label in PERIODS]
    mask = 0
    for day in chosen_days:
        for period in chosen_periods:
            mask |= 1 << (int(day) * 3 + int(period))
    return mask


@dataclass(frozen=True)
class Origin:
    """Where distances are measured from, and how the page names it."""

    lat: float
    lng: float
    label: str


class MissionFilterForm(forms.Form):
    """The filters of "Autour de moi". Invalid values are ignored (and shown), never a 500."""

    q = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    where = forms.CharField(
        label=_("Address, postcode or district"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "list": "known-areas", "data-address": ""}
        ),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    cause = forms.MultipleChoiceField(
        label=_("Causes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    day = forms.TypedMultipleChoiceField(
        label=_("Days"),
        required=False,
        coerce=int,
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
    )
    period = forms.TypedMultipleChoiceField(
        label=_("Time of day"),
        required=False,
        coerce=int,
        choices=PERIODS,
        widget=forms.CheckboxSelectMultiple,
    )
    availability = forms.ChoiceField(
        label=_("My availability"),
        required=False,
        choices=(("", _("Any time")), ("mine", _("Only when I am available"))),
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    date_to = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_search_date],
    )
    radius_km = forms.TypedChoiceField(
        label=_("Distance"), required=False, coerce=int, empty_value=None, choices=RADIUS_CHOICES
    )
    remote = forms.ChoiceField(label=_("Where"), required=False, choices=REMOTE_CHOICES)
    step_free = forms.BooleanField(label=_("Step-free access"), required=False)
    beginner_friendly = forms.BooleanField(label=_("Suitable for beginners"), required=False)
    open_to_minors = forms.BooleanField(label=_("Open to minors"), required=False)
    for_me = forms.BooleanField(label=_("Missions for me"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    # Fields that count as "a filter is on" in the summary.
    FILTER_FIELDS = (
        "cause",
        "day",
        "period",
        "availability",
        "date_from",
        "date_to",
        "radius_km",
        "remote",
        "step_free",
        "beginner_friendly",
        "open_to_minors",
        "for_me",
    )

    def __init__(self, *args: Any, causes: Sequence[Cause] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cause"].choices = [(cause.slug, cause.label) for cause in causes]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        date_from: date | None = cleaned.get("date_from")
        date_to: date | None = cleaned.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", _("The end date is before the start date."))
        if (cleaned.get("lat") is None) != (cleaned.get("lng") is None):
            cleaned["lat"] = cleaned["lng"] = None
        return cleaned

    def value(self, name: str) -> Any:
        """A valid value, or the field's empty value when the input was invalid or missing."""
        if self.is_bound and not hasattr(self, "cleaned_data"):
            self.is_valid()
        empty: Any = [] if isinstance(self.fields[name], forms.MultipleChoiceField) else None
        return getattr(self, "cleaned_data", {}).get(name, empty)

    @property
    def active_filter_count(self) -> int:
        return sum(
            1 for name in self.FILTER_FIELDS if self.value(name) not in (None, "", [], False)
        )

    def availability_mask(self) -> int | None:
        days, periods = self.value("day") or [], self.value("period") or []
        if not days and not periods:
            return None
        return availability_mask(days, periods)

    def remote_choice(self) -> bool | None:
        return {"1": True, "0": False}.get(self.value("remote") or "")


class ParticipateForm(forms.Form):
    """Which slot of the mission: a radio group (or a single hidden slot)."""

    slot = forms.TypedChoiceField(coerce=int, label=_("Choose a date"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, slots: Sequence[Slot] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["slot"].choices = [(slot.pk, str(slot.pk)) for slot in slots]

    def chosen_slot(self) -> Slot:
        return self.slots[self.cleaned_data["slot"]]


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
            attrs={"autocomplete": "postal-code", "list": "known-areas", "data-address": ""}
        ),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    radius_km = forms.TypedChoiceField(
        label=_("How far I would go"), coerce=int, choices=PROFILE_RADIUS_CHOICES, initial=5
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
