"""The acceptance page's form: a required checkbox and the version it accepts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TermsAcceptanceForm(forms.Form):
    accept = forms.BooleanField(
        label=_("I accept the terms of use"),
        error_messages={"required": _("Tick the box to accept the terms of use, or sign out.")},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
