"""The console's forms (inputs only: the rules live in tenants.lifecycle)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.plans import PLANS
from tenants.lifecycle import REASON_MAX
from tenants.models import Tenant


class TenantFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All"))] + list(Tenant.Kind.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(Tenant.Status.choices)
    )
    plan = forms.ChoiceField(
        label=_("Plan"),
        required=False,
        choices=[("", _("All"))] + [(code, code) for code in PLANS],
    )
    private = forms.ChoiceField(
        label=_("Private"),
        required=False,
        choices=[("", _("All")), ("yes", _("Private")), ("no", _("Public"))],
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX)


class ConfirmSlugForm(forms.Form):
    confirm_slug = forms.CharField(label=_("Type the tenant's address to confirm"), max_length=60)


class RestoreForm(forms.Form):
    target_slug = forms.CharField(label=_("Restore to the address"), max_length=60)


class TotpForm(forms.Form):
    otp_token = forms.RegexField(
        label=_("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the 6 digits your app shows.")},
    )
