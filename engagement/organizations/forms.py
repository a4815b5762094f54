"""Forms of the organization space: register or edit an organization, invite a member."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import TEXTAREA_ROWS, ChipRadios, DescriptionField, SummarisedErrorsForm
from engagement.organizations.images import ImageRejected, check_logo_size
from engagement.organizations.models import Organization, OrganizationMembership

# --- Organizations ------------------------------------------------------------------------------


class OrganizationForm(SummarisedErrorsForm):
    name = forms.CharField(label=_("Name of the organization"), max_length=160)
    kind = forms.ChoiceField(
        label=_("Kind of organization"),
        choices=Organization.Kind.choices,
        widget=ChipRadios,
        initial=Organization.Kind.ASSOCIATION,
    )
    description = DescriptionField(
        label=_("Presentation"),
        help_text=_("What the organization does, for whom, where."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url", "placeholder": "https://"}),
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("Seen by the moderators of this site, not by the public."),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    @staticmethod
    def initial_from(organization: Organization) -> dict[str, Any]:
        return {
            "name": organization.name,
            "kind": organization.kind,
            "description": organization.description,
            "address": organization.address,
            "website": organization.website,
            "contact_email": organization.contact_email,
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {
            key: self.cleaned_data[key]
            for key in ("name", "kind", "description", "address", "website", "contact_email")
        }


class OrganizationEditForm(OrganizationForm):
    """OrganizationForm plus the logo (the service checks and re-encodes the picture)."""

    logo = forms.FileField(
        label=_("Logo"),
        help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB; shown at most 512 pixels wide."),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if upload is not None:
            try:
                check_logo_size(upload.size)
            except ImageRejected as error:
                raise forms.ValidationError(str(error)) from None
        return upload

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        upload = self.cleaned_data.get("logo")
        if upload is not None:
            kwargs["logo"] = upload.read()
        elif self.cleaned_data.get("remove_logo"):
            kwargs["logo"] = None
        return kwargs


class InvitationForm(SummarisedErrorsForm):
    email = forms.EmailField(
        label=_("E-mail address of the person to invite"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=OrganizationMembership.Role.choices,
        initial=OrganizationMembership.Role.ADMIN,
        widget=ChipRadios,
        help_text=_(
            "Administrators manage the organization and its members; editors manage missions "
            "and participants."
        ),
    )
