"""The form of the e-mail preferences page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.emails.models import EmailPreferences


class EmailPreferencesForm(forms.Form):
    reminders = forms.BooleanField(
        label=_("Reminders of my commitments (“Still coming?”, the day before, “How was it?”)"),
        required=False,
    )
    alerts = forms.BooleanField(label=_("Alerts of my saved searches"), required=False)
    friends = forms.ChoiceField(
        label=_("News from my friends (requests, recommendations)"),
        choices=EmailPreferences.Frequency.choices,
        widget=forms.RadioSelect,
    )
    organization_messages = forms.BooleanField(
        label=_("Messages from the organizations of the missions I joined"), required=False
    )
    campaigns = forms.BooleanField(label=_("Announcements of campaigns"), required=False)

    @staticmethod
    def initial_from(preferences: EmailPreferences) -> dict[str, object]:
        return {
            "reminders": preferences.reminders,
            "alerts": preferences.alerts,
            "friends": preferences.friends,
            "organization_messages": preferences.organization_messages,
            "campaigns": preferences.campaigns,
        }
