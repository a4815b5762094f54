"""Forms of the friends pages (the services say the rest: engagement.friends.services)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.friends.selectors import Person


class InviteByEmailForm(forms.Form):
    email = forms.EmailField(label=_("Your friend's e-mail address"), max_length=254)


class PrivacyForm(forms.Form):
    friends_see_participations = forms.BooleanField(
        label=_("My friends see the missions I join"), required=False
    )


class RecommendForm(forms.Form):
    recipient_ids = forms.TypedMultipleChoiceField(
        label=_("Friends to tell"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one friend.")},
    )

    def __init__(self, *args: Any, friends: Sequence[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient_ids"].choices = [(friend.id, friend.name) for friend in friends]
