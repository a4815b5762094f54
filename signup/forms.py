"""The sign-up form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from signup import services
from signup.slugs import slug_normalize
from tenants.models import Tenant

COUNTRIES = [
    ("FR", _("France")),
    ("BE", _("Belgium")),
    ("CH", _("Switzerland")),
    ("LU", _("Luxembourg")),
    ("CA", _("Canada")),
    ("MC", _("Monaco")),
]
# The honeypot's name: a field people never see (hidden by CSS, out of the tab order, no
# autofill), which form-filling robots fill in.
HONEYPOT = "website"


class SignupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Your organisation"), choices=Tenant.Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Name of the instance"), max_length=120)
    slug = forms.CharField(
        label=_("Address"),
        max_length=60,
        help_text=_("Lower-case letters, digits and hyphens; it becomes <address>.%(domain)s"),
    )
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    language = forms.ChoiceField(label=_("Language"), choices=Tenant.Language.choices)
    email = forms.EmailField(label=_("Your e-mail (the first administrator)"))
    terms = forms.BooleanField(
        label=_("I accept the terms of service and the data processing agreement"),
        error_messages={"required": _("Please accept the terms to continue.")},
    )
    plan = forms.CharField(required=False, widget=forms.HiddenInput)
    interval = forms.CharField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, domain: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = self.fields["slug"].help_text % {"domain": domain}

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def clean_slug(self) -> str:
        slug = slug_normalize(self.cleaned_data["slug"])
        message = services.slug_check(slug)
        if message:
            raise forms.ValidationError(message)
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind:
            try:
                cleaned["plan"], cleaned["interval"] = services.plan_for_signup(
                    kind=kind,
                    plan_code=cleaned.get("plan") or "",
                    interval=cleaned.get("interval") or "month",
                )
            except services.SignupError as error:
                self.add_error(None, error.message)
        return cleaned
