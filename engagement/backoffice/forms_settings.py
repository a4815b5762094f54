"""Forms of the instance settings pages (/gestion/reglages/).

They parse what the page sent; the rules are the services' (tenants.settings_services,
engagement.taxonomy.services), whose refusals come back as errors next to the fields. Where a
form checks a rule itself (a footer link's address, the size of an upload before reading it), it
calls the service module's own check, so the message is the same.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement.form_fields import TEXTAREA_ROWS, ChipCheckboxes, ChipRadios, DescriptionField
from engagement.form_fields import SummarisedErrorsForm as Form
from tenants.images import ImageRejected, check_upload_size
from tenants.models import MAP_ZOOM_MAX, MAP_ZOOM_MIN, Tenant
from tenants.settings_services import (
    FOOTER_LABEL_MAX_LENGTH,
    FOOTER_LINKS_MAX,
    FOOTER_URL_MAX_LENGTH,
    KEEP,
    LOGO_MAX_BYTES,
    NAME_MAX_LENGTH,
    SOCIAL_IMAGE_MAX_BYTES,
    TAGLINE_MAX_LENGTH,
    WELCOME_TEXT_MAX_LENGTH,
    FooterLink,
    PictureChange,
    footer_link_url_error,
)

PICTURE_TYPES = "image/png,image/jpeg,image/webp,image/gif"


class ColourInput(forms.TextInput):
    """A #rrggbb colour typed or pasted (brand guides give hex codes); the preview shows it."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "maxlength": 7,
                "pattern": "#[0-9a-fA-F]{6}",
                "spellcheck": "false",
                "autocomplete": "off",
                "data-colour-input": "",
                "class": "colour-input",
            }
        )


def _checked_upload(upload: UploadedFile | None, max_bytes: int) -> UploadedFile | None:
    if upload is not None:
        try:
            check_upload_size(upload.size or 0, max_bytes=max_bytes)
        except ImageRejected as error:
            raise forms.ValidationError(str(error)) from None
    return upload


class BrandingForm(Form):
    name = forms.CharField(label=_("Name of the site"), max_length=NAME_MAX_LENGTH)
    tagline = forms.CharField(
        label=_("Tagline"),
        help_text=_("One sentence under the name on the home page and in link previews."),
        max_length=TAGLINE_MAX_LENGTH,
        required=False,
    )
    primary_color = forms.CharField(
        label=_("Main colour"),
        help_text=_("The header, main buttons and links; for example #1f4e8c."),
        max_length=7,
        widget=ColourInput(),
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        help_text=_("Other buttons and the keyboard focus outline; for example #b34700."),
        max_length=7,
        widget=ColourInput(),
    )
    logo = forms.FileField(
        label=_("Logo"),
        help_text=_(
            "PNG, JPEG, WebP or GIF (no SVG), at most 2 MB; shown at most 512 pixels wide."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": PICTURE_TYPES}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    social_image = forms.FileField(
        label=_("Picture for link previews"),
        help_text=_(
            "Shown when a page of the site is shared (Open Graph). PNG, JPEG, WebP or GIF, "
            "at most 5 MB, at least 200 × 200 pixels; 1200 × 630 suits most networks."
        ),
        required=False,
        widget=forms.FileInput(attrs={"accept": PICTURE_TYPES}),
    )
    remove_social_image = forms.BooleanField(
        label=_("Remove the picture for link previews"), required=False
    )

    @staticmethod
    def initial_from(tenant: Tenant) -> dict[str, Any]:
        return {
            "name": tenant.name,
            "tagline": tenant.tagline,
            "primary_color": tenant.primary_color,
            "accent_color": tenant.accent_color,
        }

    def clean_logo(self) -> UploadedFile | None:
        return _checked_upload(self.cleaned_data.get("logo"), LOGO_MAX_BYTES)

    def clean_social_image(self) -> UploadedFile | None:
        return _checked_upload(self.cleaned_data.get("social_image"), SOCIAL_IMAGE_MAX_BYTES)

    def _picture(self, field: str) -> PictureChange:
        upload = self.cleaned_data.get(field)
        if upload is not None:
            return bytes(upload.read())
        return None if self.cleaned_data.get(f"remove_{field}") else KEEP

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "tagline": data["tagline"],
            "primary_color": data["primary_color"],
            "accent_color": data["accent_color"],
            "logo": self._picture("logo"),
            "social_image": self._picture("social_image"),
        }


class WelcomeTextForm(Form):
    welcome_text = DescriptionField(
        label=_("Welcome text"),
        help_text=_(
            "Shown under the tagline on the home page. Leave an empty line between paragraphs; "
            "bold, italics, lists and https links are kept, anything else is removed."
        ),
        required=False,
        # Plain text becomes paragraphs (DescriptionField): leave room for the markup.
        max_length=WELCOME_TEXT_MAX_LENGTH * 2,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS * 2}),
    )


class MapForm(Form):
    latitude = forms.FloatField(
        label=_("Latitude of the centre"),
        help_text=_("For example 48.8566."),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude of the centre"),
        help_text=_("For example 2.3522."),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    zoom = forms.IntegerField(label=_("Zoom level"), min_value=MAP_ZOOM_MIN, max_value=MAP_ZOOM_MAX)
    geocoder = forms.ChoiceField(
        label=_("Address search"),
        help_text=_(
            "What locates the addresses typed by residents and organizations. Built-in: cities "
            "and the districts we know, without any outside service. Base Adresse Nationale: "
            "every address in France. Nominatim (OpenStreetMap): anywhere, without suggestions "
            "while typing beyond the places already found."
        ),
        choices=Tenant.Geocoder.choices,
        widget=ChipRadios,
        # Absent from an older form: left as it is.
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set per request: a lazy text interpolated at import would keep the default language.
        self.fields["zoom"].help_text = gettext(
            "From %(min)d (a whole region) to %(max)d (a few streets); 12 shows a city."
        ) % {"min": MAP_ZOOM_MIN, "max": MAP_ZOOM_MAX}

    @staticmethod
    def initial_from(tenant: Tenant) -> dict[str, Any]:
        return {
            "latitude": round(tenant.map_center.y, 6),
            "longitude": round(tenant.map_center.x, 6),
            "zoom": tenant.map_zoom,
            "geocoder": tenant.geocoder,
        }


class LanguagesForm(Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        help_text=_("Visitors switch between them in the header."),
        choices=Tenant.Language.choices,
        widget=ChipCheckboxes,
    )
    default_language = forms.ChoiceField(
        label=_("Default language"),
        help_text=_("What visitors get until they choose; one of the languages offered."),
        choices=Tenant.Language.choices,
        widget=ChipRadios,
    )


class ModerationForm(Form):
    missions = forms.BooleanField(
        label=_("Moderators review missions before they are published"),
        help_text=_(
            "Off: an organization's mission is published as soon as it is submitted. Missions "
            "already in review stay in the moderation queue."
        ),
        required=False,
    )
    organizations = forms.BooleanField(
        label=_("Moderators verify new organizations"),
        help_text=_(
            "Off: a new organization is verified as it registers and can publish at once. "
            "Organizations already waiting stay in the moderation queue."
        ),
        required=False,
    )


class AccessForm(Form):
    is_private = forms.BooleanField(
        label=_("Private instance: members only"),
        help_text=_(
            "Every page and the API need a signed-in member; people join through your identity "
            "provider, an invitation or an address of your allowed domains. The public site and "
            "search engines do not show this instance."
        ),
        required=False,
    )
    sso_auto_redirect = forms.BooleanField(
        label=_("Send people straight to your identity provider to sign in"),
        help_text=_(
            "With exactly one SSO connection, the sign-in page opens it at once. Administrators "
            "can still reach the password form by adding ?password=1 to the sign-in address."
        ),
        required=False,
    )


class FooterLinksForm(Form):
    """FOOTER_LINKS_MAX rows of a label and an address (fields added below the class); empty
    rows are left out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labelled per request, in the request's language.
        for number in range(1, FOOTER_LINKS_MAX + 1):
            self.fields[f"label_{number}"].label = gettext("Label of link %(number)d") % {
                "number": number
            }
            self.fields[f"url_{number}"].label = gettext("Address of link %(number)d") % {
                "number": number
            }

    @staticmethod
    def initial_from(tenant: Tenant) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for number, link in enumerate(tenant.footer_links or [], start=1):
            initial[f"label_{number}"] = link.get("label", "")
            initial[f"url_{number}"] = link.get("url", "")
        return initial

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"label_{number}"], self[f"url_{number}"])
            for number in range(1, FOOTER_LINKS_MAX + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for number in range(1, FOOTER_LINKS_MAX + 1):
            label = (cleaned.get(f"label_{number}") or "").strip()
            url = (cleaned.get(f"url_{number}") or "").strip()
            if label and not url:
                self.add_error(f"url_{number}", _("Give the address of this link."))
            elif url and not label:
                self.add_error(f"label_{number}", _("Give the label of this link."))
            elif url:
                problem = footer_link_url_error(url)
                if problem:
                    self.add_error(f"url_{number}", problem)
        return cleaned

    def links(self) -> list[FooterLink]:
        data = self.cleaned_data
        return [
            FooterLink(label=data[f"label_{number}"], url=data[f"url_{number}"].strip())
            for number in range(1, FOOTER_LINKS_MAX + 1)
            if data.get(f"label_{number}") or data.get(f"url_{number}")
        ]


def _footer_link_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for number in range(1, FOOTER_LINKS_MAX + 1):
        fields[f"label_{number}"] = forms.CharField(
            max_length=FOOTER_LABEL_MAX_LENGTH,
            required=False,
        )
        fields[f"url_{number}"] = forms.CharField(
            max_length=FOOTER_URL_MAX_LENGTH,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"}),
        )
    return fields


# Declared fields, as if written in the class body (the form copies them for each instance).
FooterLinksForm.base_fields.update(_footer_link_fields())


class TaxonomyNameForm(Form):
    """A cause's or a skill's labels (to add one, or to rename it)."""

    name_fr = forms.CharField(label=_("Name in French"), max_length=80, required=False)
    name_en = forms.CharField(label=_("Name in English"), max_length=80, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (
            not (cleaned.get("name_fr") or "").strip()
            and not (cleaned.get("name_en") or "").strip()
        ):
            self.add_error("name_fr", _("Give a name, in French or in English."))
        return cleaned
