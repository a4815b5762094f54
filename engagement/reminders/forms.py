"""The "How was it?" form: the hours a volunteer declares."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm


class DeclaredHoursForm(SummarisedErrorsForm):
    hours = forms.DecimalField(
        label=_("Hours I volunteered"),
        min_value=Decimal("0"),
        max_value=Decimal("999"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
    )
