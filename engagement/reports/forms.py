"""The forms of the report page (which year or campaign, how to value time, which file) and of
the certificate page (which year)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class ReportFormat:
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"
    XLSX = "xlsx"
    CHOICES = ((HTML, "HTML"), (PDF, "PDF"), (CSV, "CSV"), (XLSX, "XLSX"))


class ReportForm(forms.Form):
    """A calendar year or a campaign (not both); an hourly rate values the time."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=1, max_value=9999)
    campaign = forms.IntegerField(
        label=_("Campaign"), required=False, min_value=1, max_value=2**63 - 1
    )
    rate = forms.DecimalField(
        label=_("Value of one hour of volunteering"),
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("10000"),
        max_digits=7,
        decimal_places=2,
        help_text=_("Optional. Used to value the time (B4SI inputs); leave empty not to value it."),
    )
    format = forms.ChoiceField(
        label=_("File"), required=False, choices=ReportFormat.CHOICES, initial=ReportFormat.HTML
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("year") is not None and cleaned.get("campaign") is not None:
            raise forms.ValidationError(_("Choose a year or a campaign, not both."))
        return cleaned


class CertificateForm(forms.Form):
    """A year, or nothing for all time."""

    year = forms.IntegerField(label=_("Period"), required=False, min_value=1, max_value=9999)
