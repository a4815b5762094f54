"""The back office's campaign form: shape of the input only (rules: campaigns.services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.campaigns.models import Campaign
from engagement.form_fields import DescriptionField, SummarisedErrorsForm


class CampaignForm(SummarisedErrorsForm):
    title = forms.CharField(label=_("Title"), max_length=140)
    description = DescriptionField(
        label=_("Description"),
        required=False,
        help_text=_("An empty line between paragraphs."),
    )
    starts_on = forms.DateField(
        label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    goal_kind = forms.ChoiceField(
        label=_("The goal counts"), choices=Campaign.GoalKind.choices, widget=forms.RadioSelect
    )
    goal_value = forms.IntegerField(label=_("Target"), min_value=1, max_value=10_000_000)
    featured_missions = forms.TypedMultipleChoiceField(
        label=_("Featured missions (published)"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    partner_organizations = forms.TypedMultipleChoiceField(
        label=_("Partner organizations"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        mission_choices: list[tuple[int, str]],
        organization_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["featured_missions"].choices = mission_choices  # type: ignore[attr-defined]
        self.fields["partner_organizations"].choices = organization_choices  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "goal_kind": data["goal_kind"],
            "goal_value": data["goal_value"],
            "featured_mission_ids": data["featured_missions"],
            "partner_organization_ids": data["partner_organizations"],
        }

    @staticmethod
    def initial_from(campaign: Campaign) -> dict[str, Any]:
        return {
            "title": campaign.title,
            "description": campaign.description,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "goal_kind": campaign.goal_kind,
            "goal_value": campaign.goal_value,
            "featured_missions": list(campaign.featured_missions.values_list("pk", flat=True)),
            "partner_organizations": list(
                campaign.partner_organizations.values_list("pk", flat=True)
            ),
        }
