"""Forms of the saved-search pages: naming a search being saved, and its alert settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.alerts.models import SavedSearch
from engagement.form_fields import SummarisedErrorsForm


class SavedSearchCreateForm(SummarisedErrorsForm):
    name = forms.CharField(label=_("Name of this search"), max_length=100)
    frequency = forms.ChoiceField(
        label=_("E-mail me the new missions"),
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    # The query string of the search page, carried from the confirmation page to the POST.
    search = forms.CharField(required=False, max_length=4000, widget=forms.HiddenInput)


class SavedSearchSettingsForm(forms.Form):
    frequency = forms.ChoiceField(label=_("Frequency"), choices=SavedSearch.Frequency.choices)
    is_active = forms.BooleanField(label=_("Alerts on"), required=False)
