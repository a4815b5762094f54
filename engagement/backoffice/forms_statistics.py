"""The statistics page's period, read from the query string (a GET form: links can be shared)."""

from __future__ import annotations

from datetime import date, tzinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.backoffice.periods import (
    MAX_PERIOD_DAYS,
    Period,
    PeriodKind,
    period_custom,
    period_last_12_months,
    period_this_month,
)
from engagement.form_fields import SummarisedErrorsForm
from engagement.limits import validate_search_date


class StatisticsPeriodForm(SummarisedErrorsForm):
    """This month (the default), the last 12 months, or two dates.

    Dates given without a period mean a custom period; a custom period needs both dates, the end
    on or after the start, at most MAX_PERIOD_DAYS apart, each between 2000 and 2100.
    """

    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=PeriodKind.choices,
    )
    start = forms.DateField(
        label=_("Start date"),
        required=False,
        validators=[validate_search_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("End date (included)"),
        required=False,
        validators=[validate_search_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, today: date, zone: tzinfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.zone = zone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("period") or ""
        if not kind and (self.data.get("start") or self.data.get("end")):
            kind = PeriodKind.CUSTOM.value
        data["period"] = kind or PeriodKind.MONTH.value
        if data["period"] != PeriodKind.CUSTOM:
            return data
        start, end = data.get("start"), data.get("end")
        for name in ("start", "end"):
            if not self.data.get(name) and name not in self.errors:
                self.add_error(name, _("Enter a date for custom dates."))
        if start is None or end is None:
            return data
        if end < start:
            self.add_error("end", _("The end date must be on or after the start date."))
        elif (end - start).days + 1 > MAX_PERIOD_DAYS:
            self.add_error("end", _("At most five years between the two dates."))
        return data

    def chosen_period(self) -> Period:
        """The period asked for; call after is_valid()."""
        kind = self.cleaned_data["period"]
        if kind == PeriodKind.CUSTOM:
            return period_custom(
                start=self.cleaned_data["start"], end=self.cleaned_data["end"], zone=self.zone
            )
        if kind == PeriodKind.LAST_12_MONTHS:
            return period_last_12_months(today=self.today, zone=self.zone)
        return period_this_month(today=self.today, zone=self.zone)
