"""Forms of volunteering time: ask for work time, decide a request, declare hours, decide a
declaration. The rules live in engagement.worktime.services; these only parse."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm
from engagement.organizations.models import Organization
from engagement.participations.models import Participation
from engagement.taxonomy.models import Cause
from engagement.taxonomy.selectors import cause_list
from engagement.worktime.selectors import declarable_organizations
from engagement.worktime.services import (
    DESCRIPTION_MAX_LENGTH,
    ORGANIZATION_NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
)

QUARTER = Decimal("0.25")


class WorkTimeRequestForm(SummarisedErrorsForm):
    participation = forms.TypedChoiceField(coerce=int, label=_("Participation"))
    hours = forms.DecimalField(
        label=_("Hours of work time"),
        required=False,
        min_value=QUARTER,
        max_digits=5,
        decimal_places=2,
        step_size=QUARTER,
        help_text=_("Leave empty to ask for the length of the date."),
    )

    def __init__(
        self, *args: Any, participations: Sequence[Participation] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.participations = {participation.pk: participation for participation in participations}
        self.fields["participation"].choices = [
            (
                participation.pk,
                f"{participation.slot.mission.title} — "
                f"{participation.slot.starts_at:%Y-%m-%d %H:%M}",
            )
            for participation in participations
        ]

    def chosen_participation(self) -> Participation:
        return self.participations[self.cleaned_data["participation"]]


class ReasonForm(SummarisedErrorsForm):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=REASON_MAX_LENGTH
    )


class HoursDeclarationForm(SummarisedErrorsForm):
    service_field_names = {"date": "day"}
    organization = forms.ModelChoiceField(
        label=_("Organization of this site"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Another organization (write its name)"),
    )
    organization_name = forms.CharField(
        label=_("Name of the organization"),
        required=False,
        max_length=ORGANIZATION_NAME_MAX_LENGTH,
    )
    cause = forms.ModelChoiceField(label=_("Cause"), queryset=Cause.objects.none(), required=False)
    description = forms.CharField(
        label=_("What you did"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=QUARTER,
        max_value=Decimal("24"),
        max_digits=4,
        decimal_places=2,
        step_size=QUARTER,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown on the same page as the work-time request form, whose fields share names: ids of
        # its own keep each label on its field.
        kwargs.setdefault("auto_id", "declaration_%s")
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = declarable_organizations()  # type: ignore[attr-defined]
        self.fields["cause"].queryset = cause_list()  # type: ignore[attr-defined]
