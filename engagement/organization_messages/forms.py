"""The form of the mission page that writes to its participants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.missions.models import Slot
from engagement.organization_messages.models import OrganizationMessage
from engagement.organization_messages.services import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class OrganizationMessageForm(forms.Form):
    slot = forms.TypedChoiceField(
        label=_("Participants of"), coerce=int, empty_value=None, required=False
    )
    audience = forms.ChoiceField(
        label=_("Who receives it"),
        choices=OrganizationMessage.Audience.choices,
        initial=OrganizationMessage.Audience.CONFIRMED,
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX_LENGTH)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        help_text=_("Plain text; links are kept as text. Each person receives it alone."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, slots: Sequence[tuple[Slot, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [("", _("The whole mission"))] + [
            (slot.pk, label) for slot, label in slots
        ]
