"""The moderator's decision on an organization or a mission."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm

# --- Moderation ---------------------------------------------------------------------------------


class ModerationDecisionForm(SummarisedErrorsForm):
    """Approve, or reject with a note the organization will read."""

    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(
        choices=((APPROVE, _("Approve")), (REJECT, _("Reject"))), widget=forms.HiddenInput
    )
    note = forms.CharField(
        label=_("Note to the organization"),
        help_text=_("Required when you reject: say what to change."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why, so the organization can fix it."))
        return cleaned

    @property
    def is_approval(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE
