"""The integrations page's form: a new API token (its rules are the service's)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.api_tokens.models import ApiToken
from accounts.api_tokens.services import api_token_expiry_bounds
from engagement.form_fields import SummarisedErrorsForm

DEFAULT_LIFETIME = timedelta(days=90)


class ApiTokenCreateForm(SummarisedErrorsForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What uses it, e.g. “Town hall intranet”."),
    )
    scope = forms.ChoiceField(
        label=_("Access"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_(
            "Read only: it can read what you can read through the API. Read and write: it can "
            "also do what you can do there (publish missions, manage organizations…)."
        ),
    )
    expires_on = forms.DateField(
        label=_("Works until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, last = api_token_expiry_bounds()
        field = self.fields["expires_on"]
        field.widget.attrs.update(min=first.isoformat(), max=last.isoformat())
        field.help_text = _("At most a year: until %(last)s.") % {
            "last": date_format(last, "SHORT_DATE_FORMAT")
        }
        self.initial.setdefault("expires_on", min(first + DEFAULT_LIFETIME, last))
        self.last_expiry: date = last
