"""The "Go with friends" form: one date of the mission and the friends to hold seats for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import SummarisedErrorsForm
from engagement.groups.selectors import FriendChoice
from engagement.missions.models import Slot


class GroupSignupForm(SummarisedErrorsForm):
    service_field_names = {"friend_ids": "friends"}
    slot = forms.TypedChoiceField(coerce=int, label=_("Choose a date"), widget=forms.RadioSelect)
    friends = forms.TypedMultipleChoiceField(
        coerce=int,
        label=_("Friends to hold a seat for"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one friend.")},
    )

    def __init__(
        self,
        *args: Any,
        slots: Sequence[Slot] = (),
        friends: Sequence[FriendChoice] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["slot"].choices = [(slot.pk, str(slot.pk)) for slot in slots]
        self.fields["friends"].choices = [(friend.id, friend.name) for friend in friends]

    def chosen_slot(self) -> Slot:
        return self.slots[self.cleaned_data["slot"]]
