"""Forms to sign up for a slot, and for organizers to decline or record attendance."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm
from engagement.missions.models import Slot
from engagement.participations.models import Participation

# --- Participants -------------------------------------------------------------------------------


class DeclineForm(SummarisedErrorsForm):
    reason = forms.CharField(
        label=_("Reason (sent to the volunteer)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(SummarisedErrorsForm):
    reason = forms.CharField(
        label=_("Reason (optional, shown to the organization)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )


class AttendanceForm(SummarisedErrorsForm):
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0"),
        max_value=Decimal("999"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )


PARTICIPATION_DECIDABLE = (Participation.Status.REQUESTED, Participation.Status.WAITLISTED)


class ParticipateForm(forms.Form):
    """Which slot of the mission: a radio group (or a single hidden slot)."""

    slot = forms.TypedChoiceField(coerce=int, label=_("Choose a date"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, slots: Sequence[Slot] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["slot"].choices = [(slot.pk, str(slot.pk)) for slot in slots]

    def chosen_slot(self) -> Slot:
        return self.slots[self.cleaned_data["slot"]]
