"""The audit log's filters (a GET form: the page, its pages and its export share them)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.backoffice.audit_log import EVENT_KINDS, EVENT_KINDS_BY_KEY
from engagement.form_fields import SummarisedErrorsForm
from engagement.limits import MAX_ID, validate_search_date
from tenants.audit.selectors import AuditFilters


class AuditLogFilterForm(SummarisedErrorsForm):
    person = forms.CharField(
        label=_("Person"),
        required=False,
        max_length=254,
        help_text=_("Part of an e-mail address or a name."),
    )
    # Set by the links on a person in the list: that person's events exactly.
    actor = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All types")), *((kind.key, kind.label) for kind in EVENT_KINDS)],
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_search_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To (inclusive)"),
        required=False,
        validators=[validate_search_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end comes before the start."))
        return cleaned

    def filters(self) -> AuditFilters:
        """The selector's filters (call once the form is valid); days are the tenant's."""
        data = self.cleaned_data
        kind = EVENT_KINDS_BY_KEY.get(data.get("kind") or "")
        until: date | None = data.get("until")
        return AuditFilters(
            person=data.get("person") or "",
            actor_id=data.get("actor"),
            action_prefixes=tuple(kind.prefixes) if kind else (),
            actions=tuple(kind.actions) if kind else (),
            since=_midnight(data.get("since")),
            until=_midnight(until + timedelta(days=1) if until else None),
        )

    def applied(self) -> dict[str, str]:
        """The filters as given (for the export's audit row and the links between pages)."""
        return {
            name: str(value.isoformat() if isinstance(value, date) else value)
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }


def _midnight(day: date | None) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())
