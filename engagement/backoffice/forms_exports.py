"""The export form of the back office: what, in which format, over which period."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.backoffice.models import ExportJob
from engagement.backoffice.services_exports import export_period_errors
from engagement.form_fields import SummarisedErrorsForm

ISO_DATE = "%Y-%m-%d"


class FormatChoices(forms.RadioSelect):
    """Radio buttons whose formats outside the plan are shown, disabled."""

    def __init__(self, *args: Any, unavailable: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unavailable = frozenset(unavailable)

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.unavailable:
            option["attrs"]["disabled"] = True
        return option


class ExportRequestForm(SummarisedErrorsForm):
    kind = forms.ChoiceField(
        label=_("What to export"), choices=ExportJob.Kind.choices, widget=forms.RadioSelect
    )
    format = forms.ChoiceField(
        label=_("File format"), choices=ExportJob.Format.choices, widget=FormatChoices
    )
    start = forms.DateField(
        label=_("From"), widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To (included)"),
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, formats_allowed: Collection[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unavailable = {value for value in ExportJob.Format.values if value not in formats_allowed}
        field = self.fields["format"]
        field.widget.unavailable = frozenset(unavailable)
        if ExportJob.Format.XLSX in unavailable and formats_allowed:
            field.help_text = _(
                "Excel workbooks (XLSX) are an advanced report, which your plan does not include."
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("start")
        end: date | None = cleaned.get("end")
        if start is not None and end is not None:
            for field, messages in export_period_errors(start=start, end=end).items():
                self.add_error(field, messages)
        return cleaned
